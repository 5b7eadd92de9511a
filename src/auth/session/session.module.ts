import { MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditModule } from '../audit/audit.module';
import { UsersModule } from '../users/users.module';
import { SessionController } from './session.controller';
import { SessionMiddleware } from './session.middleware';
import { SessionRecord } from './session-record.entity';
import { SessionStrategy } from './session.strategy';
import { SessionsService } from './sessions.service';
import { UserSession } from './user-session.entity';

@Module({
  imports: [TypeOrmModule.forFeature([UserSession, SessionRecord]), UsersModule, AuditModule],
  controllers: [SessionController],
  providers: [SessionsService, SessionStrategy, SessionMiddleware],
  exports: [SessionsService],
})
export class SessionAuthModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(SessionMiddleware).forRoutes('{*path}');
  }
}
