import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditLog } from './audit-log.service';
import { AuthEvent } from './auth-event.entity';

@Module({
  imports: [TypeOrmModule.forFeature([AuthEvent])],
  providers: [AuditLog],
  exports: [AuditLog],
})
export class AuditModule {}
