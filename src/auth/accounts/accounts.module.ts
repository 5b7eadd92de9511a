import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { JwtAuthModule } from '../jwt/jwt.module';
import { SessionAuthModule } from '../session/session.module';
import { UsersModule } from '../users/users.module';
import { AccountsController } from './accounts.controller';
import { AdminController } from './admin.controller';
import { CredentialRevocation } from './credential-revocation.service';

/** What spans the mechanisms: password change, logout everywhere, and the administration of users. */
@Module({
  imports: [UsersModule, SessionAuthModule, JwtAuthModule, AuditModule],
  controllers: [AccountsController, AdminController],
  providers: [CredentialRevocation],
  exports: [CredentialRevocation],
})
export class AccountsModule {}
