import { DynamicModule, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuthModule } from './auth';
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
        TypeOrmModule.forRoot({
          ...dataSourceOptions(config.database),
          migrationsRun: config.runMigrations,
          retryAttempts: 3,
          retryDelay: 1000,
        }),
        AuthModule.forRoot({ ...authOptions(config), features: referenceFeatures }),
        TerminusModule.forRoot(),
      ],
      controllers: [ExamplesController, HealthController],
    };
  }
}
