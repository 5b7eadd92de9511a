import { ConflictException, Inject, Injectable, Logger, OnModuleInit, UnauthorizedException } from '@nestjs/common';
import type { Request, Response } from 'express';
import { fetchUserInfo } from 'openid-client';
import { AuditLog } from '../audit/audit-log.service';
import { AuthPrincipal } from '../core/auth-principal';
import { AuthTelemetry } from '../core/auth-telemetry';
import { proofNow } from '../core/authentication-proof';
import { IdentifiedUser } from '../core/identified-user';
import { runRedirectingStrategy, StrategyOutcome } from '../core/passport-strategy-runner';
import { SecondStepChallenge, SecondStepSlot } from '../core/second-step';
import { sha256Hex } from '../core/secrets';
import { ShortLivedKeys } from '../core/short-lived-keys';
import { EmailTakenError, USER_STORE, UserStore } from '../core/user-store';
import { UserRevocations } from '../core/user-revocations';
import { SignInFunnel } from '../login/sign-in-funnel';
import { AuthMechanisms } from '../core/auth-mechanism';
import { AssertedIdentity, Identities } from './identities.service';
import { ID_TOKEN_CLOCK_TOLERANCE_SECONDS, IdTokenVerifier } from './id-token-verifier';
import { OidcPhase } from './oidc-login.strategy';
import { LiveOidcProvider, OidcProviders, VerifiedTokens } from './oidc-providers';
import { OIDC_OPTIONS, ResolvedOidcOptions } from './oidc.options';
import { SIGN_IN_POLICY, SignInPolicy } from '../core/sign-in-policy';
import { normalizeEmail } from '../core/email-address';
import { AuthMountPoint } from '../core/mount-point';

export const SIGN_IN_FAILED = 'Sign-in failed';
export const ACCOUNT_EXISTS = 'Account exists: sign in and link it from your account';
export const IDENTITY_TAKEN = 'Identity linked to another user';

/** A browser flow under way, in the session of the browser that started it (so a callback in another browser finds none). */
interface OidcFlow {
  provider: string;
  returnTo: string;
  startedAt: number;
  /** Linking: the signed-in user and session that asked for it. */
  linkUserId?: string;
  linkSessionId?: string;
  /** Re-authentication: the signed-in user and session that asked for it. */
  reauthUserId?: string;
  reauthSessionId?: string;
}

/** A browser sign-in that waits for the second factor: its `mfaToken`, handed once to the page of the same browser. */
interface OidcSecondStep {
  mfaToken: string;
  methods: string[];
  startedAt: number;
}

declare module 'express-session' {
  interface SessionData {
    oidcFlow?: OidcFlow;
    oidcSecondStep?: OidcSecondStep;
  }
}

/** A user identified by a verified email, whose identity is linked only once the second step is answered. */
interface Identification extends IdentifiedUser {
  linkByEmail?: AssertedIdentity;
}

/** How long a link by email waits for the second factor: the `mfaToken`'s own lifetime. */
const PENDING_LINK_MS = 5 * 60 * 1000;

/** How long the page has to pick up the `mfaToken` of a browser sign-in: the token's own lifetime. */
const SECOND_STEP_PICK_UP_MS = 5 * 60 * 1000;

/** The verifier's leeway on `exp`: a spent ID token stays marked for as long as it would still verify. */
const ID_TOKEN_CLOCK_TOLERANCE_MS = ID_TOKEN_CLOCK_TOLERANCE_SECONDS * 1000;

/** Why a sign-in is refused, for the audit trail only: every refusal answers the same. */
class SignInRefused extends Error {}

const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,189}\.[^\s@]{1,63}$/;
/** Text a database refuses (NUL, unpaired UTF-16 surrogates): a claim holding it is no identity to store. */
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/** A path on this origin: one leading `/` (never `//` or `/\`, which browsers read as another host), printable ASCII. */
const SAME_ORIGIN_PATH = /^\/(?![/\\])[\x21-\x7e]{0,511}$/;

/** `returnTo` when it is a path on this origin, else `fallback` (the account page). */
export function safeReturnTo(value: unknown, fallback: string): string {
  return typeof value === 'string' && SAME_ORIGIN_PATH.test(value) ? value : fallback;
}

const saved = (request: Request) =>
  new Promise<void>((resolve, reject) =>
    request.session.save((error?: unknown) => (error ? reject(error) : resolve())),
  );

/**
 * Sign-in with OpenID providers: the browser flow (authorization code with PKCE, `state` and
 * `nonce`, by openid-client's Passport strategy), the mobile flow (an ID token from the provider's
 * SDK), and linking. Each ends in the session or token pair that a password login ends in.
 */
@Injectable()
export class OidcSignIn implements OnModuleInit {
  private readonly logger = new Logger('AuthOidc');

  constructor(
    @Inject(OIDC_OPTIONS) private readonly options: ResolvedOidcOptions,
    @Inject(USER_STORE) private readonly users: UserStore,
    private readonly providers: OidcProviders,
    private readonly identities: Identities,
    private readonly verifier: IdTokenVerifier,
    private readonly revocations: UserRevocations,
    private readonly funnel: SignInFunnel,
    private readonly mechanisms: AuthMechanisms,
    private readonly audit: AuditLog,
    private readonly telemetry: AuthTelemetry,
    private readonly secondSteps: SecondStepSlot,
    private readonly spentIdTokens: ShortLivedKeys,
    @Inject(SIGN_IN_POLICY) private readonly policy: SignInPolicy,
    private readonly mount: AuthMountPoint,
  ) {}

  onModuleInit(): void {
    this.secondSteps.current?.onCompleted((mfaToken, identified, request) =>
      this.linkAfterSecondStep(mfaToken, identified, request),
    );
  }

  /**
   * The provider's authorization URL to send the browser to; `linking` when a signed-in user links an
   * identity; `reauthenticating` when the browser's signed-in user proves who they are again at the
   * provider (`prompt=login`, `max_age=0`). 404 unknown, 503 not discovered.
   */
  async start(
    name: string,
    returnTo: unknown,
    request: Request,
    response: Response,
    linking?: AuthPrincipal,
    reauthenticating = false,
  ): Promise<string> {
    const provider = this.providers.get(name);
    await this.funnel.prepare('session', request, response);
    const phase: OidcPhase = reauthenticating ? { phase: 'start', prompt: 'login', maxAge: 0 } : { phase: 'start' };
    const signedIn = reauthenticating ? request.session.auth : undefined;
    const outcome = await runRedirectingStrategy<VerifiedTokens>(provider.strategy, request, phase);
    if (!('redirect' in outcome)) throw new Error('The OpenID strategy did not redirect');
    request.session.oidcFlow = {
      provider: name,
      returnTo: safeReturnTo(returnTo, this.mount.path('account')),
      startedAt: Date.now(),
      ...(linking ? { linkUserId: linking.user.id, linkSessionId: linking.sessionId } : {}),
      ...(signedIn ? { reauthUserId: signedIn.userId, reauthSessionId: signedIn.publicId } : {}),
    };
    await saved(request);
    return outcome.redirect;
  }

  /** The provider's answer: signs the browser in (or links the identity), and answers where to send it. 401 for anything that does not hold. */
  async callback(name: string, request: Request, response: Response): Promise<string> {
    const provider = this.providers.get(name);
    try {
      const flow = await this.takeFlow(provider, request);
      const tokens = await this.exchange(provider, request);
      const asserted = await this.assertedIdentity(provider, tokens);
      if (flow.reauthUserId) {
        await this.reauthenticateInBrowser(flow, asserted, tokens.claims, request);
        return flow.returnTo;
      }
      if (flow.linkUserId) {
        await this.linkFromBrowser(flow, asserted, request);
        return flow.returnTo;
      }
      const identified = await this.identify(asserted, request);
      const challenge = await this.beginSecondStep(identified, asserted, request);
      if (!challenge) {
        await this.finishInBrowser(identified, request, response);
        return flow.returnTo;
      }
      // No secret in a URL: the page of this browser picks the mfaToken up from GET /auth/oidc/second-step.
      request.session.oidcSecondStep = {
        mfaToken: challenge.mfaToken,
        methods: challenge.methods,
        startedAt: Date.now(),
      };
      await saved(request);
      return `${flow.returnTo}${flow.returnTo.includes('?') ? '&' : '?'}mfa=required`;
    } catch (error) {
      throw this.refusal(error, name, 'session', request, () => new UnauthorizedException(SIGN_IN_FAILED));
    }
  }

  /** The mobile flow: an ID token the app got from the provider's SDK, for our token pair. */
  async exchangeIdToken(
    name: string,
    idToken: string,
    nonce: string | undefined,
    request: Request,
    response: Response,
  ): Promise<object | SecondStepChallenge> {
    const provider = this.providers.get(name);
    try {
      const claims = await this.verifier.verify(provider, idToken, nonce);
      if (!claims) throw new SignInRefused('id_token_invalid');
      // An ID token is a bearer credential until it expires: one taken from a device or a log must not
      // sign in a second time, whether or not the app bound it to a nonce.
      const liveForMs = (claims.exp as number) * 1000 + ID_TOKEN_CLOCK_TOLERANCE_MS - Date.now();
      if (!(await this.spentIdTokens.claim(`oidc-id-token:${sha256Hex(idToken)}`, Math.max(1000, liveForMs)))) {
        throw new SignInRefused('id_token_replayed');
      }
      const asserted = this.fromClaims(name, claims);
      const identified = await this.identify(asserted, request);
      const challenge = await this.beginSecondStep(identified, asserted, request);
      return challenge ?? (await this.finishForApp(identified, request, response));
    } catch (error) {
      throw this.refusal(error, name, 'jwt', request, invalidIdToken);
    }
  }

  /**
   * The second step of this browser's sign-in, once: `{mfaRequired, mfaToken, methods}` for the page to
   * finish with `POST /auth/login/mfa`, or null when none waits (or it is older than the token).
   */
  async takeSecondStep(request: Request): Promise<SecondStepChallenge | null> {
    const pending = request.session?.oidcSecondStep;
    if (!pending) return null;
    delete request.session.oidcSecondStep;
    await saved(request);
    if (Date.now() - pending.startedAt > SECOND_STEP_PICK_UP_MS) return null;
    return { mfaRequired: true, mfaToken: pending.mfaToken, methods: pending.methods };
  }

  /**
   * The second step after an OpenID sign-in (none when the provider says it did MFA): a link by
   * email is made here when there is none, and otherwise waits, keyed by the `mfaToken`, until a
   * second factor answers (`linkAfterSecondStep`).
   */
  private async beginSecondStep(
    identified: Identification,
    asserted: AssertedIdentity,
    request: Request,
  ): Promise<SecondStepChallenge | null> {
    const challenge = asserted.providerDidMfa
      ? null
      : ((await this.secondSteps.current?.begin(identified, request)) ?? null);
    if (!identified.linkByEmail) return challenge;
    if (!challenge) {
      await this.linkByEmail(identified.user.id, identified.linkByEmail, request);
      return null;
    }
    await this.spentIdTokens.put(
      pendingLinkKey(challenge.mfaToken),
      JSON.stringify(identified.linkByEmail),
      PENDING_LINK_MS,
    );
    return challenge;
  }

  private async linkAfterSecondStep(mfaToken: string, identified: IdentifiedUser, request: Request): Promise<void> {
    const pending = await this.spentIdTokens.take(pendingLinkKey(mfaToken));
    if (pending) await this.linkByEmail(identified.user.id, JSON.parse(pending) as AssertedIdentity, request);
  }

  private async linkByEmail(userId: string, asserted: AssertedIdentity, request: Request): Promise<void> {
    const linked = await this.identities.link(userId, asserted, request);
    if (linked.userId !== userId) throw new UnauthorizedException(SIGN_IN_FAILED);
  }

  /**
   * The user an identity signs in, by the rules of API.md: the user it is linked to; else, only when
   * the provider asserts `email_verified`, the user with the asserted email, linked (after the second
   * step) only when this app holds that email verified too (409 otherwise), or a new user without a
   * password. With REQUIRE_VERIFIED_EMAIL, a user whose address is not verified here is refused. The
   * epoch is read before the user.
   */
  private async identify(asserted: AssertedIdentity, request: Request, retried = false): Promise<Identification> {
    const method = `oidc:${asserted.provider}`;
    const amr = asserted.providerDidMfa ? ['fed', 'mfa'] : ['fed'];
    const known = await this.identities.find(asserted.provider, asserted.subject);
    if (known) {
      const epoch = await this.revocations.epochOf(known.userId);
      const user = await this.users.findById(known.userId);
      if (!user || user.disabled) throw new SignInRefused('user_disabled');
      if (this.policy.requireVerifiedEmail && !user.emailVerified) throw new SignInRefused('email_not_verified_here');
      return { user, epoch, method, amr };
    }
    if (!asserted.email) throw new SignInRefused('no_email');
    // An address the provider has not verified claims nothing: not a new account, not an existing one.
    if (!asserted.emailVerified) throw new SignInRefused('email_not_verified_by_provider');
    const existing = await this.users.findByEmail(asserted.email);
    if (existing) {
      const epoch = await this.revocations.epochOf(existing.id);
      const user = await this.users.findById(existing.id);
      if (!user || user.disabled) throw new SignInRefused('user_disabled');
      // Linking on an unverified address would hand the account to whoever registered that address first.
      if (!user.emailVerified) throw new ConflictException(ACCOUNT_EXISTS);
      return { user, epoch, method, amr, linkByEmail: asserted };
    }
    let created;
    try {
      created = await this.users.create({
        email: asserted.email,
        passwordHash: null,
        name: asserted.name,
        roles: ['user'],
      });
    } catch (error) {
      // Someone registered the address meanwhile: decide again, by the rules for an existing user.
      if (error instanceof EmailTakenError && !retried) return this.identify(asserted, request, true);
      throw error;
    }
    await this.users.setEmailVerified(created.id, true);
    const epoch = await this.revocations.epochOf(created.id);
    const linked = await this.identities.link(created.id, asserted, request);
    if (linked.userId !== created.id) throw new SignInRefused('identity_race');
    await this.audit.record({
      type: 'user.registered',
      userId: created.id,
      mechanism: 'oidc',
      request,
      detail: { provider: asserted.provider },
    });
    return { user: { ...created, emailVerified: true }, epoch, method, amr };
  }

  /** Where a browser sign-in by an OpenID provider ends: the session of a password login. */
  private async finishInBrowser(identified: IdentifiedUser, request: Request, response: Response): Promise<void> {
    await this.funnel.finish(identified, 'session', request, response).catch((error: unknown) => {
      // A revocation of the user began while the sign-in ran (SessionsService audits it).
      throw error instanceof UnauthorizedException
        ? new SignInRefused('revoked_during_login', { cause: 'audited' })
        : error;
    });
  }

  /** Where the mobile flow ends: the token pair of a password login. */
  private async finishForApp(identified: IdentifiedUser, request: Request, response: Response): Promise<object> {
    return this.funnel.finish(identified, 'jwt', request, response).catch((error: unknown) => {
      throw error instanceof UnauthorizedException
        ? new SignInRefused('revoked_during_login', { cause: 'audited' })
        : error;
    });
  }

  private async linkFromBrowser(flow: OidcFlow, asserted: AssertedIdentity, request: Request): Promise<void> {
    const auth = request.session?.auth;
    // The session that asked to link must still be the one signed in: a logout, a logout-all or a disable ends it.
    if (!auth || auth.userId !== flow.linkUserId || auth.publicId !== flow.linkSessionId)
      throw new SignInRefused('link_session_gone');
    const user = await this.users.findById(auth.userId);
    if (!user || user.disabled) throw new SignInRefused('user_disabled');
    const known = await this.identities.find(asserted.provider, asserted.subject);
    const linked = known ?? (await this.identities.link(user.id, asserted, request));
    if (linked.userId !== user.id) throw new ConflictException(IDENTITY_TAKEN);
  }

  /**
   * A re-authentication at the provider: the session that asked is still signed in, the identity is
   * linked to its user, and the provider authenticated the user after the flow started (`auth_time`,
   * as `max_age=0` asked). Then the session is freshly authenticated; otherwise nothing changes.
   */
  private async reauthenticateInBrowser(
    flow: OidcFlow,
    asserted: AssertedIdentity,
    claims: Record<string, unknown>,
    request: Request,
  ): Promise<void> {
    const auth = request.session?.auth;
    if (!auth || auth.userId !== flow.reauthUserId || auth.publicId !== flow.reauthSessionId) {
      throw new SignInRefused('reauth_session_gone');
    }
    const known = await this.identities.find(asserted.provider, asserted.subject);
    if (!known || known.userId !== auth.userId) throw new SignInRefused('reauth_other_identity');
    const authTime = claims.auth_time;
    if (typeof authTime !== 'number' || authTime * 1000 < flow.startedAt - ID_TOKEN_CLOCK_TOLERANCE_MS) {
      throw new SignInRefused('reauth_not_recent');
    }
    const principal: AuthPrincipal = {
      user: { id: auth.userId, email: auth.email, roles: auth.roles },
      via: 'session',
      sessionId: auth.publicId,
    };
    await this.mechanisms
      .get('session')
      ?.reauthenticated?.(principal, request, proofNow(asserted.providerDidMfa ? ['fed', 'mfa'] : ['fed']));
    this.audit.record({
      type: 'reauthenticated',
      userId: auth.userId,
      mechanism: 'session',
      request,
      detail: { methods: `oidc:${asserted.provider}` },
    });
  }

  /** The flow this browser started with this provider, spent by this call, and within its lifetime. */
  private async takeFlow(provider: LiveOidcProvider, request: Request): Promise<OidcFlow> {
    if (!request.session) throw new SignInRefused('no_flow');
    const flow = request.session.oidcFlow;
    delete request.session.oidcFlow;
    const current =
      flow?.provider === provider.settings.name && Date.now() - flow.startedAt <= this.options.flowTtlSeconds * 1000;
    if (!flow || !current) {
      // openid-client's own part of the flow (PKCE verifier, state, nonce) goes with it.
      Reflect.deleteProperty(request.session, provider.strategy.name);
      await saved(request);
      throw new SignInRefused(flow ? 'flow_expired' : 'no_flow');
    }
    return flow;
  }

  /**
   * The code for tokens, by openid-client: the response's `state` and `iss`, the PKCE verifier,
   * then the ID token's signature (the provider's JWKS), issuer, audience, expiry and nonce.
   */
  private async exchange(provider: LiveOidcProvider, request: Request): Promise<VerifiedTokens> {
    const phase: OidcPhase = { phase: 'callback' };
    let outcome: StrategyOutcome<VerifiedTokens>;
    try {
      outcome = await runRedirectingStrategy<VerifiedTokens>(provider.strategy, request, phase);
    } catch (error) {
      throw new SignInRefused(`provider_or_token: ${error instanceof Error ? error.message : 'error'}`);
    } finally {
      // The strategy has spent its state: stored now, so that the same callback cannot be tried again.
      await saved(request);
    }
    if (!('user' in outcome)) throw new SignInRefused('denied_or_no_state');
    return outcome.user;
  }

  /** The claims of the verified ID token, completed from the UserInfo endpoint when they hold no email (providers that keep claims there). */
  private async assertedIdentity(provider: LiveOidcProvider, tokens: VerifiedTokens): Promise<AssertedIdentity> {
    const asserted = this.fromClaims(provider.settings.name, tokens.claims);
    if (asserted.email || !tokens.accessToken || !provider.config.serverMetadata().userinfo_endpoint) return asserted;
    const info = await fetchUserInfo(provider.config, tokens.accessToken, asserted.subject).catch(() => {
      throw new SignInRefused('userinfo_failed');
    });
    const more = this.fromClaims(provider.settings.name, { ...info, sub: asserted.subject });
    return { ...asserted, email: more.email, emailVerified: more.emailVerified, name: asserted.name ?? more.name };
  }

  private fromClaims(provider: string, claims: Record<string, unknown>): AssertedIdentity {
    const subject = claims.sub;
    if (typeof subject !== 'string' || subject.length < 1 || subject.length > 255 || UNSTORABLE.test(subject)) {
      throw new SignInRefused('bad_subject');
    }
    const raw = typeof claims.email === 'string' ? normalizeEmail(claims.email) : '';
    const email = raw.length <= 254 && EMAIL.test(raw) && !UNSTORABLE.test(raw) ? raw : null;
    const trimmed = typeof claims.name === 'string' ? claims.name.trim().slice(0, 200) : '';
    const name = trimmed && !UNSTORABLE.test(trimmed) ? trimmed : null;
    // Some providers send the boolean as a string.
    const emailVerified = email !== null && (claims.email_verified === true || claims.email_verified === 'true');
    const providerDidMfa = Array.isArray(claims.amr) && claims.amr.includes('mfa');
    return { provider, subject, email, emailVerified, name, providerDidMfa };
  }

  /** What a failure answers: 409 and outages as they are, everything else the one generic refusal, audited. */
  private refusal(
    error: unknown,
    provider: string,
    mechanism: string,
    request: Request,
    generic: () => Error,
  ): unknown {
    if (error instanceof ConflictException) return error;
    if (!(error instanceof SignInRefused) && !(error instanceof UnauthorizedException)) return error;
    if (error instanceof SignInRefused && error.cause !== 'audited') {
      this.logger.debug(`Sign-in with ${provider} refused: ${error.message}`);
      void this.audit.record({
        type: 'login.failed',
        mechanism,
        request,
        detail: { method: `oidc:${provider}`, reason: error.message.slice(0, 120) },
      });
      this.telemetry.login(`oidc:${provider}`, 'failure');
    }
    return generic();
  }
}

const pendingLinkKey = (mfaToken: string) => `oidc-link-after-second-step:${sha256Hex(mfaToken)}`;

/** The one answer of the mobile flow for every ID token that does not sign anyone in. */
export function invalidIdToken(): UnauthorizedException {
  return new UnauthorizedException({ statusCode: 401, error: 'invalid_grant', message: 'Invalid ID token' });
}
