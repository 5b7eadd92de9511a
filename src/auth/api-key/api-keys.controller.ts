import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  NotFoundException,
  Param,
  ParseUUIDPipe,
  Post,
  Req,
} from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { AuthRoutes } from '../routes/auth-routes.decorator';
import { Documented } from '../routes/documented.decorator';
import type { Request } from 'express';
import { AuditLog } from '../audit/audit-log.service';
import { AuthPrincipal } from '../core/auth-principal';
import { Auth, CurrentPrincipal } from '../core/auth.decorator';
import { CreateApiKeyDto, RotateApiKeyDto } from './api-key.dto';
import { ApiKeysService, ApiKeyView, CreatedApiKey } from './api-keys.service';

/** Any id that is not a UUID is nobody's key: the same 404 as another user's. */
const KEY_ID = new ParseUUIDPipe({ exceptionFactory: () => new NotFoundException('API key not found') });

/** A person manages their keys with a session or a JWT; a key can never mint or rotate keys. */
@ApiTags('api-keys')
@AuthRoutes()
@Controller('api-keys')
export class ApiKeysController {
  constructor(
    private readonly apiKeys: ApiKeysService,
    private readonly audit: AuditLog,
  ) {}

  @Documented('Create an API key; the key appears in this response only', {
    201: '`{id, name, key, prefix, scopes, createdAt, expiresAt}`',
    400: 'Invalid input',
    403: 'Missing CSRF token',
  })
  @Auth({ caller: 'user', fresh: true })
  @Post()
  @HttpCode(201)
  async create(
    @CurrentPrincipal() principal: AuthPrincipal,
    @Body() body: CreateApiKeyDto,
    @Req() request: Request,
  ): Promise<CreatedApiKey> {
    return this.audit.transaction(async (tx) => {
      const created = await this.apiKeys.create(
        principal.user.id,
        {
          name: body.name,
          scopes: body.scopes,
          expiresAt: body.expiresAt ? new Date(body.expiresAt) : null,
          rateLimitPerMinute: body.rateLimitPerMinute,
        },
        tx,
      );
      tx.record({
        type: 'api_key.created',
        userId: principal.user.id,
        mechanism: principal.via,
        request,
        detail: { keyId: created.id },
      });
      return created;
    });
  }

  @Documented('The caller’s API keys, never the key or its hash', {
    200: '`[{id, name, prefix, scopes, createdAt, lastUsedAt, expiresAt, revokedAt}]`',
  })
  @Auth({ caller: 'user' })
  @Get()
  list(@CurrentPrincipal() principal: AuthPrincipal): Promise<ApiKeyView[]> {
    return this.apiKeys.list(principal.user.id);
  }

  @Documented('Revoke an API key; it stops working on every instance within one second', {
    204: 'Revoked',
    403: 'Missing CSRF token',
    404: 'Not a key of the caller',
  })
  @Auth({ caller: 'user', changesSignIn: true })
  @Delete(':id')
  @HttpCode(204)
  async revoke(
    @CurrentPrincipal() principal: AuthPrincipal,
    @Param('id', KEY_ID) id: string,
    @Req() request: Request,
  ): Promise<void> {
    await this.audit.transaction(async (tx) => {
      await this.apiKeys.revoke(principal.user.id, id, tx);
      tx.record({
        type: 'api_key.revoked',
        userId: principal.user.id,
        mechanism: principal.via,
        request,
        detail: { keyId: id },
      });
    });
  }

  @Documented('Issue a successor; the old key works until the grace period ends (default 0, at most 604800 s)', {
    201: 'The new key, as on create',
    400: 'Invalid grace period',
    403: 'Missing CSRF token',
    404: 'Not a live key of the caller',
  })
  @Auth({ caller: 'user', fresh: true })
  @Post(':id/rotate')
  @HttpCode(201)
  async rotate(
    @CurrentPrincipal() principal: AuthPrincipal,
    @Param('id', KEY_ID) id: string,
    @Body() body: RotateApiKeyDto,
    @Req() request: Request,
  ): Promise<CreatedApiKey> {
    const gracePeriodSeconds = body.gracePeriodSeconds ?? 0;
    return this.audit.transaction(async (tx) => {
      const created = await this.apiKeys.rotate(principal.user.id, id, gracePeriodSeconds, tx);
      tx.record({
        type: 'api_key.rotated',
        userId: principal.user.id,
        mechanism: principal.via,
        request,
        detail: { keyId: id, successorId: created.id, gracePeriodSeconds },
      });
      return created;
    });
  }
}
