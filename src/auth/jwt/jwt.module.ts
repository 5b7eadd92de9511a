import { DynamicModule, Logger, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuthMechanisms } from '../core/auth-mechanism';
import { CredentialIssuers } from '../core/credential-issuer';
import { JwtIssuer } from './jwt.issuer';
import { AccessTokenSigner } from './access-token.signer';
import { JwtKeyRing } from './jwt-key-ring';
import { JwtMechanism } from './jwt.mechanism';
import { JWT_OPTIONS, ResolvedJwtOptions } from './jwt.options';
import { JwtStrategy } from './jwt.strategy';
import { JwtTokensService } from './jwt-tokens.service';
import { RefreshToken } from './refresh-token.entity';
import { RefreshTokenFamily } from './refresh-token-family.entity';
import { RefreshTokensService } from './refresh-tokens.service';
import { TokenRevocationList } from './token-revocation-list';

function keyRingFrom(options: ResolvedJwtOptions): JwtKeyRing {
  if (options.signingKeyGenerated) {
    new Logger('JwtAuthModule').warn(
      'jwt.signingKey is not set: access tokens are signed with a key of this process only',
    );
  }
  return new JwtKeyRing(options);
}

/** The `jwt` mechanism: access tokens, rotating refresh-token families, the revocation list, the key ring. */
@Module({})
export class JwtAuthModule {
  /** `imports`: the module's core, users and audit modules, as AuthModule builds them. */
  static register(...imports: DynamicModule[]): DynamicModule {
    return {
      module: JwtAuthModule,
      imports: [...imports, TypeOrmModule.forFeature([RefreshTokenFamily, RefreshToken])],
      providers: [
        { provide: JwtKeyRing, inject: [JWT_OPTIONS], useFactory: keyRingFrom },
        TokenRevocationList,
        AccessTokenSigner,
        RefreshTokensService,
        JwtTokensService,
        JwtStrategy,
        JwtMechanism,
        JwtIssuer,
      ],
      exports: [JwtTokensService, JwtKeyRing],
    };
  }

  constructor(mechanisms: AuthMechanisms, mechanism: JwtMechanism, issuers: CredentialIssuers, issuer: JwtIssuer) {
    mechanisms.add(mechanism);
    issuers.add(issuer);
  }
}
