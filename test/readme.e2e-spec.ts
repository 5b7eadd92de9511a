import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import ts from 'typescript';

const root = resolve(__dirname, '../..');

/** The TypeScript blocks of the README's host sections that are whole files (they start with `// name.ts`). */
function hostExamples(): Array<{ file: string; code: string }> {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const start = readme.indexOf('## Use it in your own Nest app');
  const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
  return [...section.matchAll(/```ts\n(\/\/ ([\w.-]+\.ts)\n[\s\S]*?)```/g)].map((match) => ({
    file: match[2],
    code: match[1],
  }));
}

/** The README cannot rot: its host examples compile under `strict` as written, and the first one boots. */
describe('the README’s host examples', () => {
  const examples = hostExamples();
  // Inside the repo, so that `nest-auth` resolves as it does for the repo's own tests (to the package's own types).
  const dir = join(root, `.build-readme-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('has the host examples this test knows of', () => {
    assert.deepEqual(
      examples.map((example) => example.file),
      ['app.module.ts', 'auth.module.ts', 'sign-in.controller.ts', 'invoices.controller.ts'],
    );
  });

  it('compiles every one as written, under strict', () => {
    for (const example of examples) writeFileSync(join(dir, example.file), example.code);
    const config = ts.getParsedCommandLineOfConfigFile(
      join(root, 'tsconfig.json'),
      {},
      { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined },
    );
    assert.ok(config, 'tsconfig.json');
    const program = ts.createProgram(
      examples.map((example) => join(dir, example.file)),
      { ...config.options, noEmit: true, strict: true, strictPropertyInitialization: false },
    );
    const problems = ts
      .getPreEmitDiagnostics(program)
      .map((d) => `${d.file?.fileName ?? ''}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
    assert.deepEqual(problems, []);
  });

  it('boots the first one, a sessions-only host, with nothing but session options', async () => {
    const example = examples[0];
    const { outputText } = ts.transpileModule(example.code, {
      compilerOptions: {
        module: ts.ModuleKind.CommonJS,
        target: ts.ScriptTarget.ES2022,
        experimentalDecorators: true,
        emitDecoratorMetadata: true,
        esModuleInterop: true,
      },
    });
    const js = join(dir, example.file.replace(/\.ts$/, '.js'));
    writeFileSync(js, outputText);
    const data = mkdtempSync(join(tmpdir(), 'nest-auth-readme-'));
    process.env.DB_FILE = join(data, 'app.sqlite');
    let app: NestExpressApplication | undefined;
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { AppModule } = require(js) as { AppModule: object };
      app = await NestFactory.create<NestExpressApplication>(AppModule as never, {
        logger: false,
        abortOnError: false,
      });
      await app.listen(0, '127.0.0.1');
      const server = app.getHttpServer();
      await request(server).get('/reports/health').expect(200, { ok: true });
      await request(server).get('/reports').expect(401);
      await request(server).get('/auth/me').expect(401);
      await request(server).post('/auth/token').send({}).expect(404);
    } finally {
      await app?.close();
      delete process.env.DB_FILE;
      rmSync(data, { recursive: true, force: true });
    }
  });
});
