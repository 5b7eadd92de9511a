import { HttpStatus, UnauthorizedException } from '@nestjs/common';

export const REAUTHENTICATION_REQUIRED = 'Reauthentication required';

/** 401 for a caller who is authenticated but not freshly enough for the route (API.md), with what it can re-authenticate with. */
export class ReauthenticationRequiredException extends UnauthorizedException {
  constructor(maxAge: number, methods: string[]) {
    super({
      statusCode: HttpStatus.UNAUTHORIZED,
      error: 'Unauthorized',
      message: REAUTHENTICATION_REQUIRED,
      maxAge,
      methods,
    });
  }
}
