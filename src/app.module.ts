import { DynamicModule, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuthModule } from './auth';
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
        TypeOrmModule.forRoot({
          ...dataSourceOptions(config.database),
          migrationsRun: config.runMigrations,
          retryAttempts: 3,
          retryDelay: 1000,
        }),
        // The account and admin pages at /account and /admin, beside the routes under /auth.
        AuthModule.forRoot({ ...authOptions(config), routes: { pages: true } }),
        TerminusModule.forRoot(),
      ],
      controllers: [ExamplesController, HealthController],
    };
  }
}
