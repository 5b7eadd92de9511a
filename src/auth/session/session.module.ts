import { DynamicModule, MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { AuthMechanisms } from '../core/auth-mechanism';
import { CredentialIssuers } from '../core/credential-issuer';
import { RequestShape } from '../core/request-shape';
import { SessionIssuer } from './session.issuer';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CsrfService } from './csrf.service';
import { SessionHandlers } from './session-handlers';
import { SessionMechanism } from './session.mechanism';
import { SessionStrategy } from './session.strategy';
import { SessionMiddleware } from './session.middleware';
import { SessionsService } from './sessions.service';
import { SessionRecord } from './session-record.entity';
import { UserSession } from './user-session.entity';

/** The `session` mechanism and issuer: express-session for requests with a session cookie, the session list, CSRF tokens. */
@Module({})
export class SessionAuthModule implements NestModule {
  /** `imports`: the module's core and audit modules, as AuthModule builds them. */
  static register(...imports: DynamicModule[]): DynamicModule {
    return {
      module: SessionAuthModule,
      imports: [...imports, TypeOrmModule.forFeature([UserSession, SessionRecord])],
      providers: [
        SessionHandlers,
        SessionsService,
        SessionStrategy,
        SessionMechanism,
        SessionIssuer,
        SessionMiddleware,
        CsrfService,
      ],
      exports: [SessionsService, SessionHandlers, CsrfService],
    };
  }

  constructor(
    mechanisms: AuthMechanisms,
    mechanism: SessionMechanism,
    issuers: CredentialIssuers,
    issuer: SessionIssuer,
    requestShape: RequestShape,
  ) {
    mechanisms.add(mechanism);
    issuers.add(issuer);
    requestShape.declare('sessionID');
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(SessionMiddleware).forRoutes('{*path}');
  }
}
