import { Logger } from '@nestjs/common';
import type { INestApplication } from '@nestjs/common';
import type { Server } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';

/** How long the requests already read get to finish after SIGTERM before their connections are cut. */
export const DRAIN_TIMEOUT_MS = 10_000;
/** Past the drain, how long the app's own shutdown (the audit trail's last writes) may take before the process exits anyway. */
const CLOSE_TIMEOUT_MS = 5_000;

let draining = false;

/** True from SIGTERM on: readiness fails so that load balancers stop sending new requests here. */
export function isDraining(): boolean {
  return draining;
}

/**
 * On SIGTERM or SIGINT: readiness fails for `delayMs` while requests are still served (a load
 * balancer's probe sees it and stops sending; a closed listener would reset the connections still
 * in its backlog), then drain (below), then exit: 0 when all went well, 1 otherwise, always within
 * `delayMs + timeoutMs` plus five seconds.
 */
export function closeOnSignals(app: INestApplication, delayMs = 0, timeoutMs = DRAIN_TIMEOUT_MS): void {
  let closing = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (closing) return;
    closing = true;
    draining = true;
    Logger.log(`${signal}: not ready; closing in ${delayMs} ms, then finishing the requests under way`, 'Shutdown');
    setTimeout(
      () => {
        Logger.error(`Did not close within ${delayMs + timeoutMs + CLOSE_TIMEOUT_MS} ms, exiting`, 'Shutdown');
        process.exit(1);
      },
      delayMs + timeoutMs + CLOSE_TIMEOUT_MS,
    ).unref();
    delay(delayMs)
      .then(() => drain(app, timeoutMs))
      .then(
        () => process.exit(0),
        (error: unknown) => {
          Logger.error(`Shutdown failed: ${String(error)}`, 'Shutdown');
          process.exit(1);
        },
      );
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  // An app closed otherwise (a test's) lets go of the signals.
  (app.getHttpServer() as Server).once('close', () => {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  });
}

/**
 * Stops accepting connections, lets every request already read get its answer (a keep-alive
 * connection is closed after its answer, an idle one at once), cuts what is left after
 * `timeoutMs`, and only then closes the app: its shutdown hooks (the audit trail's flush, the
 * mail queue's sends under way) run with no request left that needs them.
 */
export async function drain(app: INestApplication, timeoutMs = DRAIN_TIMEOUT_MS): Promise<void> {
  const server = app.getHttpServer() as Server;
  server.prependListener('request', (_request, response) => response.setHeader('Connection', 'close'));
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const cut = setTimeout(() => server.closeAllConnections(), timeoutMs);
  await closed;
  clearTimeout(cut);
  await app.close();
}
