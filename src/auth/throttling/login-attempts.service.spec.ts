import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sha256Hex } from '../core/secrets';
import { LockoutStore } from './lockout-policy';
import { LoginAttempts } from './login-attempts.service';
import { TooManyRequestsException } from '../core/too-many-requests.exception';

class RecordingStore implements LockoutStore {
  readonly keys: string[] = [];
  constructor(private readonly msLeft: number) {}
  async begin(accountKey: string): Promise<number> {
    this.keys.push(accountKey);
    return this.msLeft;
  }
  async reset(accountKey: string): Promise<void> {
    this.keys.push(accountKey);
  }
}

describe('LoginAttempts', () => {
  it('keys accounts by the SHA-256 of the trimmed, lower-cased email, never the email', async () => {
    const store = new RecordingStore(0);
    const attempts = new LoginAttempts(store);
    await attempts.begin('  Ada@Example.com ');
    await attempts.recordSuccess('ada@example.com');
    assert.deepEqual(store.keys, [sha256Hex('ada@example.com'), sha256Hex('ada@example.com')]);
  });

  it('throws 429 with the back-off left in whole seconds, rounded up', async () => {
    const attempts = new LoginAttempts(new RecordingStore(1001));
    await assert.rejects(attempts.begin('ada@example.com'), (error: unknown) => {
      assert.ok(error instanceof TooManyRequestsException);
      assert.equal(error.getStatus(), 429);
      assert.equal(error.retryAfterSeconds, 2);
      assert.deepEqual(error.getResponse(), {
        statusCode: 429,
        message: 'Too Many Requests',
        error: 'Too Many Requests',
      });
      return true;
    });
  });
});
