import { Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Auth, AuthPrincipal, CurrentPrincipal, Public } from '../auth';

const answer = (principal: AuthPrincipal) => ({
  ok: true,
  user: { id: principal.user.id, email: principal.user.email },
  via: principal.via,
});

/** One route per decorator form; the benchmarks and black-box tests call these. */
@ApiTags('examples')
@Controller('examples')
export class ExamplesController {
  @Public()
  @Get('public')
  public() {
    return { ok: true };
  }

  @Auth('session', 'jwt')
  @Get('profile')
  profile(@CurrentPrincipal() principal: AuthPrincipal) {
    return answer(principal);
  }

  @Auth('apiKey', { scopes: ['reports:read'] })
  @Get('reports')
  readReports(@CurrentPrincipal() principal: AuthPrincipal) {
    return answer(principal);
  }

  @Auth('apiKey', { scopes: ['reports:write'] })
  @Post('reports')
  @HttpCode(200)
  writeReports(@CurrentPrincipal() principal: AuthPrincipal) {
    return answer(principal);
  }

  @Auth()
  @Get('any')
  any(@CurrentPrincipal() principal: AuthPrincipal) {
    return answer(principal);
  }

  @Auth('session', 'jwt', { roles: ['admin'] })
  @Get('admin')
  admin(@CurrentPrincipal() principal: AuthPrincipal) {
    return answer(principal);
  }
}
