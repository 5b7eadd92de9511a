import {
  BadRequestException,
  Body,
  Controller,
  Header,
  HttpCode,
  Post,
  Req,
  Res,
  UnauthorizedException,
} from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { AuditLog } from '../audit/audit-log.service';
import { AuthMechanisms } from '../core/auth-mechanism';
import { AuthPrincipal } from '../core/auth-principal';
import { Auth, CurrentPrincipal } from '../core/auth.decorator';
import { MULTIPLE_FACTORS, proofNow } from '../core/authentication-proof';
import { ReauthenticationMethods } from '../core/reauthentication-methods';
import { AuthRoutes } from '../routes/auth-routes.decorator';
import { Documented } from '../routes/documented.decorator';
import { LoginAttempts } from '../throttling/login-attempts.service';
import { RateLimitedAuthRoute } from '../throttling/rate-limited-auth-route.decorator';
import { ReauthenticateDto } from './reauthentication.dto';

export const REAUTHENTICATION_FAILED = 'Reauthentication failed';

/**
 * "Sudo mode": a signed-in caller proves who it is again, and its credential counts as freshly
 * authenticated for the routes that change how one signs in (`@Auth({ fresh })`).
 */
@ApiTags('sessions')
@AuthRoutes()
@Controller('reauthenticate')
export class ReauthenticationController {
  constructor(
    private readonly methods: ReauthenticationMethods,
    private readonly mechanisms: AuthMechanisms,
    private readonly attempts: LoginAttempts,
    private readonly audit: AuditLog,
  ) {}

  @Auth({ caller: 'user', changesSignIn: true })
  @RateLimitedAuthRoute()
  @Documented('How the caller can re-authenticate', {
    200: '`{methods, passkeyOptions?}`: `methods` among `password`, `totp`, `recovery`, `passkey`, `oidc`; the request options of a passkey assertion (user verification required) when the caller has passkeys',
    403: 'Missing CSRF token',
  })
  @Post('options')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  async options(@CurrentPrincipal() principal: AuthPrincipal) {
    const methods = await this.methods.of(principal.user.id);
    const passkey = methods.includes('passkey') ? this.methods.get('passkey') : undefined;
    const passkeyOptions = passkey?.options ? await passkey.options(principal.user.id) : undefined;
    return passkeyOptions ? { methods, passkeyOptions } : { methods };
  }

  @Auth({ caller: 'user', changesSignIn: true })
  @RateLimitedAuthRoute()
  @Documented(
    'Prove who you are again: `{password}`, `{password, code}`, `{password, recoveryCode}` or `{response}` (a passkey assertion)',
    {
      200: 'Bearer caller: a new token pair of the same family whose access token carries the new `auth_time`',
      204: 'Session caller: the session is freshly authenticated from now',
      400: 'Malformed body, or not one of the four forms',
      401: '`Reauthentication failed` for any proof that does not hold',
      403: 'Missing CSRF token',
    },
  )
  @Post()
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  async reauthenticate(
    @CurrentPrincipal() principal: AuthPrincipal,
    @Body() body: ReauthenticateDto,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ): Promise<object | undefined> {
    const answers = answersOf(body);
    const amr: string[] = [];
    for (const [method, answer] of answers) {
      amr.push(...(await this.check(principal, method, answer, request)));
    }
    if (answers.length > 1) amr.push(MULTIPLE_FACTORS);
    const mechanism = this.mechanisms.get(principal.via);
    if (!mechanism?.reauthenticated) throw new UnauthorizedException(REAUTHENTICATION_FAILED);
    const renewed = await mechanism.reauthenticated(principal, request, proofNow(amr));
    this.audit.record({
      type: 'reauthenticated',
      userId: principal.user.id,
      mechanism: principal.via,
      request,
      detail: { methods: answers.map(([method]) => method).join('+') },
    });
    if (!renewed) response.status(204);
    return renewed;
  }

  /** The RFC 8176 values of one answer that holds; 401 alike for a method the user lacks and a wrong answer. */
  private async check(principal: AuthPrincipal, name: string, answer: unknown, request: Request): Promise<string[]> {
    const method = this.methods.get(name);
    if (!method?.verify) throw new UnauthorizedException(REAUTHENTICATION_FAILED);
    // A password and codes count toward the back-off where they are checked; an assertion is counted here, as a failed login would be.
    const counted = name === 'passkey';
    if (counted) await this.attempts.begin(principal.user.email);
    if (!(await method.verify(principal, answer, request))) {
      this.audit.record({
        type: 'reauthentication.failed',
        userId: principal.user.id,
        mechanism: principal.via,
        request,
        detail: { method: name },
      });
      throw new UnauthorizedException(REAUTHENTICATION_FAILED);
    }
    if (counted) await this.attempts.recordSuccess(principal.user.email);
    return method.amr;
  }
}

/** The body as (method, answer) pairs, in the order they are checked: 400 for anything but the four forms. */
function answersOf(body: ReauthenticateDto): Array<[string, unknown]> {
  const { password, code, recoveryCode, response } = body;
  if (response !== undefined) {
    if (password !== undefined || code !== undefined || recoveryCode !== undefined)
      throw new BadRequestException('Send either password or response');
    return [['passkey', response]];
  }
  if (password === undefined) throw new BadRequestException('Send either password or response');
  if (code !== undefined && recoveryCode !== undefined)
    throw new BadRequestException('Send code or recoveryCode, not both');
  if (code !== undefined)
    return [
      ['password', password],
      ['totp', code],
    ];
  if (recoveryCode !== undefined)
    return [
      ['password', password],
      ['recovery', recoveryCode],
    ];
  return [['password', password]];
}
