import { UnauthorizedException } from '@nestjs/common';

/** One answer for unknown, spent, revoked and expired refresh tokens alike, so none can be told apart. */
export function invalidGrant(): UnauthorizedException {
  return new UnauthorizedException({ statusCode: 401, error: 'invalid_grant', message: 'Invalid refresh token' });
}
