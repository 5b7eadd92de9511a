import 'reflect-metadata';
import { resolve } from 'node:path';
import { DataSource } from 'typeorm';
import { databaseConfig } from './src/config/app.config';
import { dataSourceOptions } from './src/config/data-source';

/** The DataSource of the TypeORM CLI: `npm run migration:run` in either storage mode. */
export default new DataSource(
  dataSourceOptions(databaseConfig(process.env, resolve(process.env.DATA_DIR || './data'))),
);
