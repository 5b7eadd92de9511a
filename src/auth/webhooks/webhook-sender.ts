import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { RefusedTarget, resolveTarget, TargetPolicy } from './webhook-target';

export type AttemptResult =
  | { ok: true; status: number }
  | { ok: false; status: number | null; error: 'status' | 'timeout' | 'connection' | 'refused-target' };

/** What is read of an answer before the connection is dropped: the status is what counts. */
const MAX_ANSWER_BYTES = 64 * 1024;

/**
 * Posts one signed delivery: the target is checked and resolved again for this attempt and the
 * connection goes to that address; redirects are not followed (a 3xx is a failed attempt); the whole
 * attempt, answer included, ends within the timeout.
 */
export async function postDelivery(
  rawUrl: string,
  headers: Record<string, string>,
  body: string,
  policy: TargetPolicy,
  timeoutMs: number,
): Promise<AttemptResult> {
  let target;
  try {
    target = await resolveTarget(rawUrl, policy);
  } catch (error) {
    if (error instanceof RefusedTarget) return { ok: false, status: null, error: 'refused-target' };
    throw error;
  }
  const pinned: LookupFunction = (_host, options, callback) => {
    if ((options as { all?: boolean }).all)
      (callback as unknown as (e: null, a: Array<{ address: string; family: number }>) => void)(null, [
        { address: target.address, family: target.family },
      ]);
    else callback(null, target.address, target.family);
  };
  const send = target.url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<AttemptResult>((resolve) => {
    let settled = false;
    const finish = (result: AttemptResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      request.destroy();
      resolve(result);
    };
    const request = send(
      target.url,
      {
        method: 'POST',
        lookup: pinned,
        agent: false,
        headers: {
          ...headers,
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(body)),
          'user-agent': 'nest-auth-webhooks',
        },
      },
      (response: IncomingMessage) => {
        const status = response.statusCode ?? 0;
        let read = 0;
        response.on('data', (chunk: Buffer) => {
          read += chunk.length;
          if (read > MAX_ANSWER_BYTES) done();
        });
        const done = () =>
          finish(status >= 200 && status < 300 ? { ok: true, status } : { ok: false, status, error: 'status' });
        response.on('end', done);
        response.on('error', done);
      },
    );
    const timer = setTimeout(() => finish({ ok: false, status: null, error: 'timeout' }), timeoutMs);
    request.on('error', () => finish({ ok: false, status: null, error: 'connection' }));
    request.end(body);
  });
}
