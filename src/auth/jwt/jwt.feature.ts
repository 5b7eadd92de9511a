import type { AuthFeature } from '../core/auth-feature';
import { linkedToUsers } from '../core/user-foreign-key';
import { JwksController } from './jwks.controller';
import { JwtAuthModule } from './jwt.module';
import { JWT_OPTIONS, JwtOptions, resolveJwtOptions } from './jwt.options';
import { CreateRefreshTokenTables1796083202000 } from './migrations/1796083202000-CreateRefreshTokenTables';
import { AddProofToRefreshTokenFamilies1796083230000 } from './migrations/1796083230000-AddProofToRefreshTokenFamilies';
import { AddClientToRefreshTokenFamilies1796083281000 } from './migrations/1796083281000-AddClientToRefreshTokenFamilies';
import { refreshTokenSchema } from './refresh-token.entity';
import { refreshTokenFamilySchema } from './refresh-token-family.entity';
import { TokenFamiliesController } from './token-families.controller';
import { TokensController } from './tokens.controller';

/** JWT access tokens with rotating refresh-token families: the `jwt` mechanism and issuer, `/.well-known/jwks.json`. Options: `jwt`. */
export const jwt: AuthFeature = {
  name: 'jwt',
  issuer: 'jwt',
  mechanism: { name: 'jwt', rank: 1 },
  options: [{ token: JWT_OPTIONS, resolve: (o: { jwt?: JwtOptions }) => resolveJwtOptions(o.jwt) }],
  module: (base) => JwtAuthModule.register(...base),
  controllers: [TokensController, TokenFamiliesController],
  rootControllers: [JwksController],
  schemas: [refreshTokenFamilySchema, refreshTokenSchema],
  migrations: ({ builtInUsers }) => [
    linkedToUsers(CreateRefreshTokenTables1796083202000, ['auth_refresh_token_families'], builtInUsers),
    AddProofToRefreshTokenFamilies1796083230000,
    AddClientToRefreshTokenFamilies1796083281000,
  ],
};
