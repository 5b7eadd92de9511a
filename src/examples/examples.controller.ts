import { Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
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
  @ApiOperation({ summary: '`@Public()`: anyone' })
  @ApiOkResponse({ description: '`{ok: true}`' })
  @Get('public')
  public() {
    return { ok: true };
  }

  @Auth('session', 'jwt')
  @ApiOperation({ summary: "`@Auth('session', 'jwt')`" })
  @ApiOkResponse({ description: '`{ok, user: {id, email}, via}`' })
  @Get('profile')
  profile(@CurrentPrincipal() principal: AuthPrincipal) {
    return answer(principal);
  }

  @Auth('apiKey', { scopes: ['reports:read'] })
  @ApiOperation({ summary: "`@Auth('apiKey', { scopes: ['reports:read'] })`" })
  @ApiOkResponse({ description: '`{ok, user: {id, email}, via}`' })
  @Get('reports')
  readReports(@CurrentPrincipal() principal: AuthPrincipal) {
    return answer(principal);
  }

  @Auth('apiKey', { scopes: ['reports:write'] })
  @ApiOperation({ summary: "`@Auth('apiKey', { scopes: ['reports:write'] })`" })
  @ApiOkResponse({ description: '`{ok, user: {id, email}, via}`' })
  @Post('reports')
  @HttpCode(200)
  writeReports(@CurrentPrincipal() principal: AuthPrincipal) {
    return answer(principal);
  }

  @Auth('session', 'jwt', 'apiKey', { org: 'orgId', permissions: ['invoices:read'] })
  @ApiOperation({
    summary:
      "`@Auth('session', 'jwt', 'apiKey', { org: 'orgId', permissions: ['invoices:read'] })`: a member or an org key",
  })
  @ApiOkResponse({ description: '`{ok, user: {id, email}, via, org: {id, role, permissions}}`' })
  @Get('orgs/:orgId/invoices')
  readInvoices(@CurrentPrincipal() principal: AuthPrincipal) {
    return { ...answer(principal), org: principal.org };
  }

  @Auth('session', 'jwt', 'apiKey', { org: 'orgId', permissions: ['invoices:write'] })
  @ApiOperation({ summary: "`@Auth('session', 'jwt', 'apiKey', { org: 'orgId', permissions: ['invoices:write'] })`" })
  @ApiOkResponse({ description: '`{ok, user: {id, email}, via, org: {id, role, permissions}}`' })
  @Post('orgs/:orgId/invoices')
  @HttpCode(200)
  writeInvoices(@CurrentPrincipal() principal: AuthPrincipal) {
    return { ...answer(principal), org: principal.org };
  }

  @Auth('mtls', 'apiKey', { scopes: ['internal:read'] })
  @ApiOperation({
    summary: "`@Auth('mtls', 'apiKey', { scopes: ['internal:read'] })`: a client certificate or an API key",
  })
  @ApiOkResponse({ description: '`{ok, user: {id, email}, via}`' })
  @Get('internal')
  internal(@CurrentPrincipal() principal: AuthPrincipal) {
    return answer(principal);
  }

  @Auth()
  @ApiOperation({ summary: '`@Auth()`: any mechanism' })
  @ApiOkResponse({ description: '`{ok, user: {id, email}, via}`' })
  @Get('any')
  any(@CurrentPrincipal() principal: AuthPrincipal) {
    return answer(principal);
  }

  @Auth('session', 'jwt', { roles: ['admin'] })
  @ApiOperation({ summary: "`@Auth('session', 'jwt', { roles: ['admin'] })`" })
  @ApiOkResponse({ description: '`{ok, user: {id, email}, via}`' })
  @Get('admin')
  admin(@CurrentPrincipal() principal: AuthPrincipal) {
    return answer(principal);
  }
}
