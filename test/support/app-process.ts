import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { createApp } from '../../src/app.setup';
import { loadConfig } from '../../src/config/app.config';

/** Entry of `startAppProcess`: the reference app in a process of its own, on a free port, told on stdout. */
async function main(): Promise<void> {
  const env = JSON.parse(process.env.NEST_AUTH_TEST_ENV ?? '{}') as Record<string, string | undefined>;
  const app = await createApp(loadConfig(env), process.env.TEST_LOGS ? undefined : false);
  await app.listen(0, '127.0.0.1');
  process.stdout.write(`listening on ${(app.getHttpServer().address() as AddressInfo).port}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
