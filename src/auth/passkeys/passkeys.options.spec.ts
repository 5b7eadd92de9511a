import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { authOptions, loadConfig } from '../../config/app.config';
import { resolvePasskeyOptions } from './passkeys.options';

describe('passkey options', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'passkey-options-'));
  after(() => rmSync(dataDir, { recursive: true, force: true }));
  const load = (env: Record<string, string | undefined>) =>
    authOptions(loadConfig({ DATA_DIR: dataDir, ...env })).passkeys;

  it('take the relying party from PUBLIC_URL by default: its host, its origin, and the name nest-auth', () => {
    assert.deepEqual(load({ PUBLIC_URL: 'https://auth.example.com' }), {
      rpId: 'auth.example.com',
      rpName: 'nest-auth',
      origins: ['https://auth.example.com'],
    });
    assert.deepEqual(load({ PUBLIC_URL: 'http://localhost:3000' })?.origins, ['http://localhost:3000']);
  });

  it('are off under an IP-address PUBLIC_URL (the development default) unless WEBAUTHN_RP_ID is set', () => {
    assert.equal(load({}), undefined);
    assert.equal(load({ PUBLIC_URL: 'http://10.0.0.5:8080' }), undefined);
    assert.equal(resolvePasskeyOptions(undefined).enabled, false);
  });

  it('read WEBAUTHN_RP_ID, WEBAUTHN_RP_NAME and WEBAUTHN_ORIGINS (comma-separated)', () => {
    assert.deepEqual(
      load({
        PUBLIC_URL: 'https://app.example.com',
        WEBAUTHN_RP_ID: 'example.com',
        WEBAUTHN_RP_NAME: 'Example',
        WEBAUTHN_ORIGINS: 'https://app.example.com, https://login.example.com',
      }),
      { rpId: 'example.com', rpName: 'Example', origins: ['https://app.example.com', 'https://login.example.com'] },
    );
  });

  it('resolve to the relying party with five-minute challenges', () => {
    assert.deepEqual(
      resolvePasskeyOptions({ rpId: 'Example.com', origins: ['https://example.com/', 'https://a.example.com:8443'] }),
      {
        enabled: true,
        rpId: 'example.com',
        rpName: 'nest-auth',
        origins: ['https://example.com', 'https://a.example.com:8443'],
        challengeTtlSeconds: 300,
      },
    );
  });

  it('refuse at start what browsers would refuse later: IP addresses, foreign origins, plain http off localhost, paths', () => {
    const refused: Array<[Parameters<typeof resolvePasskeyOptions>[0], RegExp]> = [
      [{ rpId: '127.0.0.1', origins: ['http://127.0.0.1:3000'] }, /rpId must be a domain name/],
      [{ rpId: '', origins: ['https://example.com'] }, /rpId/],
      [{ rpId: 'exa mple.com', origins: ['https://example.com'] }, /rpId/],
      [{ rpId: 'example.com', origins: [] }, /at least one origin/],
      [{ rpId: 'example.com', origins: ['https://example.org'] }, /not on example.com/],
      [{ rpId: 'example.com', origins: ['https://notexample.com'] }, /not on example.com/],
      [{ rpId: 'example.com', origins: ['http://example.com'] }, /must be https/],
      [{ rpId: 'example.com', origins: ['https://example.com/login'] }, /must be an origin/],
      [{ rpId: 'example.com', origins: ['example.com'] }, /not an origin|must be an origin/],
      [{ rpId: 'example.com', rpName: ' ', origins: ['https://example.com'] }, /rpName/],
    ];
    for (const [options, message] of refused)
      assert.throws(() => resolvePasskeyOptions(options), message, JSON.stringify(options));
    assert.doesNotThrow(() => resolvePasskeyOptions({ rpId: 'localhost', origins: ['http://localhost:3000'] }));
  });
});
