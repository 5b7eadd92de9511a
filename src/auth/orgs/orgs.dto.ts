import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsEmail,
  IsInt,
  IsISO8601,
  IsIn,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { AUTH_EVENT_TYPES } from '../audit/auth-event.entity';
import { MAX_SCOPE_LENGTH, MAX_SCOPES, SCOPE_PATTERN } from '../core/scopes';
import { MAX_RATE_LIMIT_PER_MINUTE } from '../api-key/api-key.dto';

/** `*` or `resource:action`. */
const PERMISSION = new RegExp(`^(\\*|${SCOPE_PATTERN.source.slice(1, -1)})$`);
const ROLE = /^[a-z][a-z0-9_-]{0,39}$/;

export class CreateOrgDto {
  @ApiProperty({ example: 'Acme', maxLength: 100 })
  @IsString()
  @Length(1, 100)
  @Matches(/\S/, { message: 'name must not be blank' })
  name: string;

  @ApiProperty({ example: 'acme', description: 'Lower-case letters, digits and inner hyphens; unique' })
  @IsString()
  @Matches(/^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/, { message: 'slug must be lower-case letters, digits and hyphens' })
  slug: string;
}

export class UpdateOrgDto {
  @ApiPropertyOptional({ maxLength: 100 })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  @Matches(/\S/, { message: 'name must not be blank' })
  name?: string;

  @ApiPropertyOptional({ description: 'Members without a second factor get 403 on the organization’s routes' })
  @IsOptional()
  @IsBoolean()
  requireMfa?: boolean;
}

export class MembersQueryDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(200)
  cursor?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;
}

export class RoleDto {
  @ApiProperty({ example: 'billing' })
  @IsString()
  @Matches(ROLE, { message: 'role must be lower-case letters, digits, _ and -' })
  role: string;
}

export class InvitationDto extends RoleDto {
  @ApiProperty({ example: 'someone@example.com' })
  @IsString()
  @MaxLength(254)
  @IsEmail()
  email: string;
}

export class AcceptInvitationDto {
  @ApiProperty()
  @IsString()
  @Length(1, 200)
  token: string;
}

function PermissionsProperty(): PropertyDecorator {
  return (target, key) => {
    ApiProperty({ type: [String], example: ['invoices:read'], maxItems: MAX_SCOPES })(target, key);
    IsArray()(target, key);
    ArrayMaxSize(MAX_SCOPES)(target, key);
    ArrayUnique()(target, key);
    IsString({ each: true })(target, key);
    MaxLength(MAX_SCOPE_LENGTH, { each: true })(target, key);
    Matches(PERMISSION, { each: true, message: 'each permission must be * or resource:action' })(target, key);
  };
}

export class CreateRoleDto {
  @ApiProperty({ example: 'billing' })
  @IsString()
  @Matches(ROLE, { message: 'name must be lower-case letters, digits, _ and -' })
  name: string;

  @PermissionsProperty()
  permissions: string[];
}

export class UpdateRoleDto {
  @PermissionsProperty()
  permissions: string[];
}

export class CreateOrgKeyDto {
  @ApiProperty({ example: 'invoicing sync', maxLength: 100 })
  @IsString()
  @Length(1, 100)
  @Matches(/\S/, { message: 'name must not be blank' })
  name: string;

  @ApiProperty({ type: [String], example: ['invoices:read'], maxItems: MAX_SCOPES })
  @IsArray()
  @ArrayMaxSize(MAX_SCOPES)
  @ArrayUnique()
  @IsString({ each: true })
  @MaxLength(MAX_SCOPE_LENGTH, { each: true })
  @Matches(SCOPE_PATTERN, { each: true, message: 'each scope must look like resource:action' })
  scopes: string[];

  @ApiPropertyOptional({ format: 'date-time' })
  @IsOptional()
  @IsISO8601({ strict: true, strictSeparator: true })
  expiresAt?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: MAX_RATE_LIMIT_PER_MINUTE })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_RATE_LIMIT_PER_MINUTE)
  rateLimitPerMinute?: number;
}

export class OrgAuditQueryDto extends MembersQueryDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsIn(AUTH_EVENT_TYPES)
  type?: string;

  @ApiPropertyOptional({ format: 'date-time' })
  @IsOptional()
  @IsISO8601({ strict: true })
  from?: string;

  @ApiPropertyOptional({ format: 'date-time' })
  @IsOptional()
  @IsISO8601({ strict: true })
  to?: string;
}
