import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsISO8601, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { AUTH_EVENT_TYPES, AuthEventType } from '../audit/auth-event.entity';

/** Which events: of a user, of a type, from `from` (included) to `to` (excluded). */
export class AuditRangeDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(64)
  userId?: string;

  @ApiPropertyOptional({ enum: AUTH_EVENT_TYPES })
  @IsOptional()
  @IsIn(AUTH_EVENT_TYPES)
  type?: AuthEventType;

  @ApiPropertyOptional({ description: 'ISO 8601 timestamp, included' })
  @IsOptional()
  @IsISO8601({ strict: true, strictSeparator: true })
  from?: string;

  @ApiPropertyOptional({ description: 'ISO 8601 timestamp, excluded' })
  @IsOptional()
  @IsISO8601({ strict: true, strictSeparator: true })
  to?: string;
}

export class AuditQueryDto extends AuditRangeDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 500, default: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;

  @ApiPropertyOptional({ description: 'Present (empty for the first page): the answer is `{items, nextCursor}`' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  cursor?: string;
}
