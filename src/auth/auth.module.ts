import { Module } from '@nestjs/common';
import { ConfigurableModuleClass } from './auth.module-definition';

/**
 * Sessions, JWT and API keys side by side. Registers one global guard: every route must say who may
 * call it with `@Auth(...)` or `@Public()`, or it is denied.
 *
 * @example
 * AuthModule.forRoot({ session: { secrets: [process.env.SESSION_SECRET] } })
 * AuthModule.forRootAsync({ inject: [ConfigService], useFactory: (config) => ({ session: { secrets: [config.get('SESSION_SECRET')] } }), routes: { prefix: 'api/auth' } })
 */
@Module({})
export class AuthModule extends ConfigurableModuleClass {}
