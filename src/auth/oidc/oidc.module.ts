import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Identities } from './identities.service';
import { Identity } from './identity.entity';
import { IdTokenVerifier } from './id-token-verifier';
import { OidcProviders } from './oidc-providers';
import { OIDC_ROUTES_PREFIX } from './oidc-routes-prefix';
import { OidcSignIn } from './oidc-sign-in.service';

/** Sign-in with OpenID providers (Google, any OpenID Connect issuer), and the identities that link them to users. */
@Module({})
export class OidcModule {
  /**
   * `routesPrefix`: where the built-in routes are mounted (the redirect URIs are under it), null without them.
   * `imports`: the module's core, users, session, jwt and audit modules, as AuthModule builds them.
   */
  static register(routesPrefix: string | null, ...imports: DynamicModule[]): DynamicModule {
    return {
      module: OidcModule,
      imports: [...imports, TypeOrmModule.forFeature([Identity])],
      providers: [
        { provide: OIDC_ROUTES_PREFIX, useValue: routesPrefix },
        OidcProviders,
        IdTokenVerifier,
        Identities,
        OidcSignIn,
      ],
      exports: [OidcProviders, Identities, OidcSignIn],
    };
  }
}
