import { applyDecorators, UseFilters, UsePipes } from '@nestjs/common';
import { authValidationPipe } from '../core/http-hardening';
import { AuthRouteErrorsFilter } from './auth-route-errors.filter';

/** On each built-in controller: strict input validation, and answers that never turn an outage into a 500. */
export function AuthRoutes(): ClassDecorator {
  return applyDecorators(UsePipes(authValidationPipe), UseFilters(AuthRouteErrorsFilter));
}
