import { MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { UsersModule } from '../users/users.module';
import { SessionController } from './session.controller';
import { SessionMiddleware } from './session.middleware';
import { SessionRecord } from './session-record.entity';
import { SessionStrategy } from './session.strategy';
import { SessionsService } from './sessions.service';
import { UserSession } from './user-session.entity';

@Module({
  imports: [TypeOrmModule.forFeature([UserSession, SessionRecord]), UsersModule],
  controllers: [SessionController],
  providers: [SessionsService, SessionStrategy, SessionMiddleware],
  exports: [SessionsService],
})
export class SessionAuthModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(SessionMiddleware).forRoutes('{*path}');
  }
}
