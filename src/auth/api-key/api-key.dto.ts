import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsISO8601, IsOptional, IsString, Length, Matches, Max, Min } from 'class-validator';
import { ScopesProperty } from '../core/scopes';

export const MAX_GRACE_PERIOD_SECONDS = 604_800;
export const MAX_RATE_LIMIT_PER_MINUTE = 1_000_000;

export class CreateApiKeyDto {
  @ApiProperty({ example: 'billing export', maxLength: 100 })
  @IsString()
  @Length(1, 100)
  @Matches(/\S/, { message: 'name must not be blank' })
  name: string;

  @ScopesProperty('reports:read')
  scopes?: string[];

  @ApiPropertyOptional({ format: 'date-time', description: 'When the key stops working; never when absent' })
  @IsOptional()
  @IsISO8601({ strict: true, strictSeparator: true })
  expiresAt?: string;

  @ApiPropertyOptional({
    minimum: 1,
    maximum: MAX_RATE_LIMIT_PER_MINUTE,
    description: 'Defaults to API_KEY_RATE_LIMIT_PER_MINUTE',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_RATE_LIMIT_PER_MINUTE)
  rateLimitPerMinute?: number;
}

export class RotateApiKeyDto {
  @ApiPropertyOptional({
    minimum: 0,
    maximum: MAX_GRACE_PERIOD_SECONDS,
    default: 0,
    description: 'How long the old key keeps working',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_GRACE_PERIOD_SECONDS)
  gracePeriodSeconds?: number;
}
