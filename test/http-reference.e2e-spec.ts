import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { renderHttpReference } from '../src/docs/http-reference';
import { startApp, storageMode, TestApp } from './support/app';

/** docs/http-api.md is made from the OpenAPI document the app serves; it may not drift from it. */
describe(`the HTTP reference in docs/ (${storageMode})`, () => {
  let t: TestApp;
  before(async () => {
    t = await startApp();
  });
  after(() => t.close());

  it('is what the served OpenAPI document renders to (else run `npm run docs:http`)', async () => {
    const document = (await request(t.url).get('/docs-json').expect(200)).body;
    const committed = readFileSync(resolve(__dirname, '../../docs/http-api.md'), 'utf8');
    assert.equal(renderHttpReference(document), committed);
  });

  it('lists every route the app serves', async () => {
    const document = (await request(t.url).get('/docs-json').expect(200)).body;
    const committed = readFileSync(resolve(__dirname, '../../docs/http-api.md'), 'utf8');
    for (const path of [
      '/auth/login',
      '/auth/token/refresh',
      '/auth/api-keys/{id}/rotate',
      '/auth/admin/users/{id}/disable',
      '/.well-known/jwks.json',
    ]) {
      assert.ok(document.paths[path], path);
      assert.ok(committed.includes(path), path);
    }
  });
});
