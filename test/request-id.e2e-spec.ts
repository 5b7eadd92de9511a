import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { startApp, storageMode, TestApp } from './support/app';
import { captureOutput } from './support/output';

describe(`request ids (${storageMode})`, () => {
  let t: TestApp;
  let output = '';
  const answers: Array<{ sent?: string; echoed: string }> = [];
  before(async () => {
    process.env.TEST_LOGS = '1';
    output = await captureOutput(async () => {
      t = await startApp({ LOG_FORMAT: 'json' });
      for (const sent of ['trace-0123456789abcdef', 'not a valid id!', 'x'.repeat(300), undefined]) {
        const call = request(t.url).get('/health');
        const response = await (sent === undefined ? call : call.set('X-Request-Id', sent));
        answers.push({ sent, echoed: String(response.headers['x-request-id']) });
      }
      await t.close();
    });
    delete process.env.TEST_LOGS;
  });
  after(() => t?.close().catch(() => undefined));

  it('keeps a well-formed X-Request-Id, replaces any other, echoes it, and logs the request line under it', () => {
    assert.equal(answers[0].echoed, 'trace-0123456789abcdef');
    for (const answer of answers.slice(1)) assert.match(answer.echoed, /^[0-9a-f-]{36}$/);
    const logged = output
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { msg: string; reqId?: string });
    for (const { echoed } of answers)
      assert.ok(
        logged.some((line) => line.msg === 'request' && line.reqId === echoed),
        echoed,
      );
    assert.ok(!output.includes('not a valid id!'));
  });
});
