import {
  Inject,
  Injectable,
  Logger,
  NotFoundException,
  OnModuleDestroy,
  OnModuleInit,
  ServiceUnavailableException,
} from '@nestjs/common';
import {
  allowInsecureRequests,
  ClientSecretBasic,
  Configuration,
  discovery,
  enableNonRepudiationChecks,
  None,
} from 'openid-client';
import { OIDC_ROUTES_PREFIX } from './oidc-routes-prefix';
import { AuthMountPoint } from '../core/mount-point';
import { OidcLoginStrategy } from './oidc-login.strategy';
import { OIDC_OPTIONS, ResolvedOidcOptions, ResolvedOidcProvider } from './oidc.options';

/** A provider whose discovery document has been read: what logins with it need. */
export interface LiveOidcProvider {
  settings: ResolvedOidcProvider;
  config: Configuration;
  strategy: OidcLoginStrategy;
  callbackUrl: string;
}

export interface VerifiedTokens {
  claims: Record<string, unknown>;
  accessToken?: string;
}

const MAX_RETRY_SECONDS = 60;
const REQUEST_TIMEOUT_SECONDS = 10;

/**
 * The configured providers and their discovery. Discovery runs at start in the background: a
 * provider that does not answer does not keep the app from starting; it is tried again, waiting
 * longer each time, and its logins answer 503 until it answers.
 */
@Injectable()
export class OidcProviders implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('AuthOidc');
  private readonly live = new Map<string, LiveOidcProvider>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopped = false;

  constructor(
    @Inject(OIDC_OPTIONS) private readonly options: ResolvedOidcOptions,
    @Inject(OIDC_ROUTES_PREFIX) private readonly routesPrefix: string | null,
    private readonly mount: AuthMountPoint,
  ) {}

  onModuleInit(): void {
    for (const provider of this.options.providers) void this.discover(provider, this.options.discoveryRetrySeconds);
  }

  onModuleDestroy(): void {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
  }

  names(): string[] {
    return this.options.providers.map((provider) => provider.name);
  }

  /** 404 for a name that is not configured, 503 while its discovery has not succeeded. */
  get(name: string): LiveOidcProvider {
    const live = this.live.get(name);
    if (live) return live;
    if (!this.options.providers.some((provider) => provider.name === name))
      throw new NotFoundException('Unknown provider');
    throw new ServiceUnavailableException('Service unavailable');
  }

  loginPath(name: string): string | null {
    return this.routesPrefix === null ? null : this.mount.api(`oidc/${name}/login`);
  }

  private async discover(settings: ResolvedOidcProvider, retrySeconds: number): Promise<void> {
    if (this.stopped) return;
    try {
      const config = await discovery(
        settings.issuer,
        settings.clientId,
        settings.clientSecret,
        settings.clientSecret ? ClientSecretBasic(settings.clientSecret) : None(),
        { execute: settings.insecure ? [allowInsecureRequests] : [], timeout: REQUEST_TIMEOUT_SECONDS },
      );
      // The ID token's signature is checked against the provider's JWKS even though it comes over TLS from the token endpoint.
      enableNonRepudiationChecks(config);
      config.timeout = REQUEST_TIMEOUT_SECONDS;
      const callbackUrl = `${this.options.publicUrl}${this.mount.api(`oidc/${settings.name}/callback`)}`;
      const strategy = new OidcLoginStrategy(
        {
          config,
          name: `oidc:${settings.name}`,
          sessionKey: `oidc:${settings.name}`,
          callbackURL: callbackUrl,
          scope: settings.scopes,
        },
        (tokens, verified) => {
          const claims = tokens.claims();
          if (!claims) return verified(null, false);
          const result: VerifiedTokens = { claims: { ...claims }, accessToken: tokens.access_token };
          return verified(null, result);
        },
      );
      if (this.stopped) return;
      this.live.set(settings.name, { settings, config, strategy, callbackUrl });
      this.logger.log(`OpenID provider ${settings.name} discovered`);
    } catch (error) {
      if (this.stopped) return;
      this.logger.warn(
        `Discovery of OpenID provider ${settings.name} failed (${error instanceof Error ? error.message : String(error)}); retrying in ${retrySeconds} s`,
      );
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        void this.discover(settings, Math.min(retrySeconds * 2, MAX_RETRY_SECONDS));
      }, retrySeconds * 1000);
      timer.unref();
      this.timers.add(timer);
    }
  }
}
