import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayUnique,
  IsArray,
  IsInt,
  IsISO8601,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';

export const MAX_GRACE_PERIOD_SECONDS = 604_800;
export const MAX_RATE_LIMIT_PER_MINUTE = 1_000_000;
/** `reports`, `reports:read`, `billing.invoices:write`: letters, digits, `_.-`, parts joined by `:`. */
export const SCOPE_PATTERN = /^[A-Za-z0-9_.-]+(:[A-Za-z0-9_.*-]+)*$/;

export class CreateApiKeyDto {
  @ApiProperty({ example: 'billing export', maxLength: 100 })
  @IsString()
  @Length(1, 100)
  @Matches(/\S/, { message: 'name must not be blank' })
  name: string;

  @ApiPropertyOptional({ type: [String], example: ['reports:read'], maxItems: 50 })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @ArrayUnique()
  @IsString({ each: true })
  @MaxLength(64, { each: true })
  @Matches(SCOPE_PATTERN, { each: true, message: 'each scope must look like resource:action' })
  scopes?: string[];

  @ApiPropertyOptional({ format: 'date-time', description: 'When the key stops working; never when absent' })
  @IsOptional()
  @IsISO8601({ strict: true, strictSeparator: true })
  expiresAt?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: MAX_RATE_LIMIT_PER_MINUTE, description: 'Defaults to API_KEY_RATE_LIMIT_PER_MINUTE' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_RATE_LIMIT_PER_MINUTE)
  rateLimitPerMinute?: number;
}

export class RotateApiKeyDto {
  @ApiPropertyOptional({ minimum: 0, maximum: MAX_GRACE_PERIOD_SECONDS, default: 0, description: 'How long the old key keeps working' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_GRACE_PERIOD_SECONDS)
  gracePeriodSeconds?: number;
}
