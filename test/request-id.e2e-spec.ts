import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { ChildApp, startAppProcess, storageMode } from './support/app';

describe(`request ids (${storageMode})`, () => {
  // A process of its own: the app's lines go to its standard output as in production, and are read there.
  let t: ChildApp;
  let output = '';
  const answers: Array<{ sent?: string; echoed: string }> = [];
  const loggedLines = () =>
    output
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { msg: string; reqId?: string });
  before(async () => {
    process.env.TEST_LOGS = '1';
    try {
      t = await startAppProcess({ LOG_FORMAT: 'json' });
    } finally {
      delete process.env.TEST_LOGS;
    }
    t.child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    for (const sent of ['trace-0123456789abcdef', 'not a valid id!', 'x'.repeat(300), undefined]) {
      const call = request(t.url).get('/health');
      const response = await (sent === undefined ? call : call.set('X-Request-Id', sent));
      answers.push({ sent, echoed: String(response.headers['x-request-id']) });
    }
    // While the app runs, not only when it exits: an operator tails the lines as they come.
    const deadline = Date.now() + 5000;
    while (
      Date.now() < deadline &&
      !answers.every(({ echoed }) => loggedLines().some((line) => line.reqId === echoed))
    ) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  });
  after(() => t?.close());

  it('keeps a well-formed X-Request-Id, replaces any other, echoes it, and logs the request line under it', () => {
    assert.equal(answers[0].echoed, 'trace-0123456789abcdef');
    for (const answer of answers.slice(1)) assert.match(answer.echoed, /^[0-9a-f-]{36}$/);
    const logged = loggedLines();
    for (const { echoed } of answers)
      assert.ok(
        logged.some((line) => line.msg === 'request' && line.reqId === echoed),
        echoed,
      );
    assert.ok(!output.includes('not a valid id!'));
  });
});
