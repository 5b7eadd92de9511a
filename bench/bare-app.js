'use strict';
/**
 * A bare Nest + Express app with the reference app's global middleware and settings (helmet, the JSON
 * body parser with its 10 kB limit, no ETag, no X-Powered-By, trust proxy off) and one public route,
 * `GET /examples/public` answering `{ ok: true }`: what the reference app's unguarded route is held
 * against. Resolved from `root`'s node_modules, so it runs on the packages of the build it is compared with.
 */
const path = require('node:path');

async function createBareApp(root) {
  const load = (name) => require(path.join(root, 'node_modules', name));
  load('reflect-metadata');
  const { Controller, Get, Module } = load('@nestjs/common');
  const { NestFactory } = load('@nestjs/core');
  const express = load('express');
  const helmet = load('helmet');

  class PublicController {
    public() {
      return { ok: true };
    }
  }
  Get('public')(
    PublicController.prototype,
    'public',
    Object.getOwnPropertyDescriptor(PublicController.prototype, 'public'),
  );
  Controller('examples')(PublicController);
  class BareModule {}
  Module({ controllers: [PublicController] })(BareModule);

  const app = await NestFactory.create(BareModule, { bodyParser: false, logger: false, abortOnError: false });
  app.set('trust proxy', false);
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(helmet());
  app.use(express.json({ limit: '10kb' }));
  return app;
}

module.exports = { createBareApp };

// `node bench/bare-app.js`: serves it on HOST:PORT, as `npm run bench` starts it beside the reference app.
if (require.main === module) {
  createBareApp(path.resolve(__dirname, '..'))
    .then((app) => app.listen(Number(process.env.PORT), process.env.HOST ?? '127.0.0.1'))
    .catch((error) => {
      console.error(error);
      process.exit(1);
    });
}
