import { DynamicModule, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuthModule, waitForDatabase } from './auth';
import { referenceFeatures } from './app.features';
import { AppConfig, authOptions } from './config/app.config';
import { dataSourceOptions } from './config/data-source';
import { ExamplesController } from './examples/examples.controller';
import { HealthController } from './health/health.controller';

/** The reference host app: a database, the AuthModule, and routes that show each decorator form. */
@Module({})
export class AppModule {
  static forConfig(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        TypeOrmModule.forRootAsync({
          useFactory: () => ({
            ...dataSourceOptions(config.database),
            migrationsRun: config.runMigrations,
            // waitForDatabase retries connecting, within DATABASE_STARTUP_TIMEOUT_SECONDS; a failure past it is final.
            toRetry: () => false,
          }),
          dataSourceFactory: waitForDatabase(config.databaseStartupTimeoutSeconds),
        }),
        AuthModule.forRoot({ ...authOptions(config), features: referenceFeatures }),
        TerminusModule.forRoot(),
      ],
      controllers: [ExamplesController, HealthController],
    };
  }
}
