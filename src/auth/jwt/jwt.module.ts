import { Logger, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AUTH_OPTIONS, ResolvedAuthOptions } from '../auth.options';
import { User } from '../users/user.entity';
import { AuditModule } from '../audit/audit.module';
import { UsersModule } from '../users/users.module';
import { AccessTokenSigner } from './access-token.signer';
import { JwksController } from './jwks.controller';
import { JwtController } from './jwt.controller';
import { JwtKeyRing } from './jwt-key-ring';
import { JwtStrategy } from './jwt.strategy';
import { JwtTokensService } from './jwt-tokens.service';
import { RefreshToken } from './refresh-token.entity';
import { RefreshTokenFamily } from './refresh-token-family.entity';
import { RefreshTokensService } from './refresh-tokens.service';
import { TokenRevocationList } from './token-revocation-list';
import { UserTokenCutoff } from './user-token-cutoff.entity';

function keyRingFrom(options: ResolvedAuthOptions): JwtKeyRing {
  if (options.jwt.signingKeyGenerated) {
    new Logger('JwtAuthModule').warn('jwt.signingKey is not set: access tokens are signed with a key of this process only');
  }
  return new JwtKeyRing(options.jwt);
}

@Module({
  imports: [TypeOrmModule.forFeature([RefreshTokenFamily, RefreshToken, UserTokenCutoff, User]), UsersModule, AuditModule],
  controllers: [JwtController, JwksController],
  providers: [
    { provide: JwtKeyRing, inject: [AUTH_OPTIONS], useFactory: keyRingFrom },
    TokenRevocationList,
    AccessTokenSigner,
    RefreshTokensService,
    JwtTokensService,
    JwtStrategy,
  ],
  exports: [JwtTokensService, JwtKeyRing],
})
export class JwtAuthModule {}
