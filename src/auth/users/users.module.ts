import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ThrottlingModule } from '../throttling/throttling.module';
import { PasswordHasher } from './password-hasher';
import { AuditModule } from '../audit/audit.module';
import { PasswordLogin } from './password-login';
import { User } from './user.entity';
import { UsersController } from './users.controller';
import { UsersService } from './users.service';

@Module({
  imports: [TypeOrmModule.forFeature([User]), ThrottlingModule, AuditModule],
  controllers: [UsersController],
  providers: [PasswordHasher, UsersService, PasswordLogin],
  exports: [UsersService, PasswordHasher, PasswordLogin],
})
export class UsersModule {}
