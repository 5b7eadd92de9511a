import { Injectable, UnauthorizedException } from '@nestjs/common';
import type { Request } from 'express';
import { AuditLog } from '../audit/audit-log.service';
import { TooManyRequestsException } from '../throttling/too-many-requests.exception';
import { LoginAttempts } from '../throttling/login-attempts.service';
import { User } from './user.entity';
import { UsersService } from './users.service';

export const INVALID_CREDENTIALS = 'Invalid email or password';

/**
 * Email and password to a user, behind the per-account back-off, with every outcome audited. Routes
 * that call it carry `@RateLimitedAuthRoute()`, which also gives the back-off's 429 its `Retry-After`.
 */
@Injectable()
export class PasswordLogin {
  constructor(
    private readonly users: UsersService,
    private readonly attempts: LoginAttempts,
    private readonly audit: AuditLog,
  ) {}

  /** The user, or 401 alike for an unknown email, a wrong password and a disabled account; 429 during back-off. */
  async authenticate(email: string, password: string, request: Request, mechanism: 'session' | 'jwt'): Promise<User> {
    try {
      await this.attempts.begin(email);
    } catch (error) {
      if (error instanceof TooManyRequestsException) this.audit.record({ type: 'lockout', mechanism, request, detail: { email } });
      throw error;
    }
    const { user, knownUserId } = await this.users.checkCredentials(email, password);
    if (!user) {
      this.audit.record({ type: 'login.failed', userId: knownUserId, mechanism, request, detail: { email } });
      throw new UnauthorizedException(INVALID_CREDENTIALS);
    }
    await this.attempts.recordSuccess(email);
    this.audit.record({ type: 'login.succeeded', userId: user.id, mechanism, request });
    return user;
  }
}
