import 'reflect-metadata';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createApp, openApiDocument } from '../app.setup';
import { loadConfig } from '../config/app.config';
import { renderHttpReference } from './http-reference';

/** `npm run docs:http`: writes docs/http-api.md from the reference app's OpenAPI document. */
async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'nest-auth-docs-'));
  try {
    const app = await createApp(loadConfig({ DATA_DIR: dataDir }), false);
    const target = resolve(__dirname, '../../../docs/http-api.md');
    writeFileSync(target, renderHttpReference(openApiDocument(app)));
    await app.close();
    process.stdout.write(`wrote ${target}\n`);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

void main();
