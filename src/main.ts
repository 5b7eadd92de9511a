import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { createApp } from './app.setup';
import { ConfigError, loadConfig } from './config/app.config';

async function bootstrap(): Promise<void> {
  const config = loadConfig();
  const app = await createApp(config);
  await app.listen(config.port, config.host);
  const mode =
    config.redisUrl || config.redisClusterNodes.length
      ? 'production storage (PostgreSQL/Redis)'
      : `embedded storage (${config.database.url})`;
  Logger.log(
    `Listening on ${config.https ? 'https' : 'http'}://${config.host}:${config.port} with ${mode}`,
    'Bootstrap',
  );
}

bootstrap().catch((error: unknown) => {
  Logger.error(error instanceof ConfigError ? `Configuration: ${error.message}` : error, 'Bootstrap');
  process.exit(1);
});
