import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import type { INestApplication, NestApplicationOptions } from '@nestjs/common';
import helmet from 'helmet';
import { addAuthSecuritySchemes } from './auth';
import { createAuthLogging } from './auth/ops';
import { AppModule } from './app.module';
import { closeOnSignals } from './app.shutdown';
import { AppConfig } from './config/app.config';

/** Builds the reference app exactly as `main.ts` serves it; the e2e tests use the same function. */
export async function createApp(
  config: AppConfig,
  logger: false | undefined = undefined,
): Promise<NestExpressApplication> {
  const logging = logger === false ? undefined : createAuthLogging(config.log);
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forConfig(config), {
    httpsOptions: httpsOptions(config),
    // The reference app's own routes take no body; the module parses its own routes' bodies itself.
    bodyParser: false,
    // Let start-up errors reach the caller (main.ts logs and exits; tests report them) instead of exiting here.
    abortOnError: false,
    logger: logging ? logging.logger : false,
  });
  // First, so that every line of a request, and the request line itself, carries its id.
  if (logging) app.use(logging.requests);
  app.set('trust proxy', parseTrustProxy(config.trustProxy));
  app.disable('x-powered-by');
  // JSON API answers are not revalidated by clients; hashing every body for an ETag is wasted work.
  app.set('etag', false);
  app.use(helmet());
  // SIGTERM drains: the requests already read are answered before the app's shutdown hooks run.
  closeOnSignals(app, config.shutdownDelayMs);

  SwaggerModule.setup('docs', app, openApiDocument(app), { jsonDocumentUrl: 'docs-json' });
  return app;
}

/**
 * With TLS files, HTTPS that asks every client for a certificate of the client CA but does not
 * require one: browsers and API-key callers connect as before, and `@Auth('mtls')` judges the rest.
 */
function httpsOptions(config: AppConfig): NestApplicationOptions['httpsOptions'] {
  if (!config.https) return undefined;
  const { cert, key, clientCa } = config.https;
  return { cert, key, ca: clientCa, requestCert: true, rejectUnauthorized: false };
}

/** The OpenAPI document of the reference app, served at /docs-json and rendered into docs/http-api.md. */
export function openApiDocument(app: INestApplication): OpenAPIObject {
  const builder = new DocumentBuilder()
    .setTitle('nest-auth reference app')
    .setDescription('Sessions, JWT access tokens with rotating refresh tokens, and API keys')
    .setVersion('0.1.0');
  return SwaggerModule.createDocument(app, addAuthSecuritySchemes(builder, app).build());
}

/** `TRUST_PROXY` as Express takes it: a hop count, true/false, or a list of addresses and subnets. */
export function parseTrustProxy(value: string | undefined): boolean | number | string {
  if (value === undefined || value === '' || value === 'false') return false;
  if (value === 'true') return true;
  if (/^\d+$/.test(value)) return Number(value);
  return value;
}
