import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Length,
  Max,
  Min,
} from 'class-validator';
import { isBufferedEventType } from '../audit/audit-log.service';
import { AUTH_EVENT_TYPES } from '../audit/auth-event.entity';

/** What an endpoint may subscribe to: every stored change (refusals are buffered and never delivered), or `*`. */
export const WEBHOOK_EVENT_TYPES: readonly string[] = [
  '*',
  ...AUTH_EVENT_TYPES.filter((type) => !isBufferedEventType(type)),
];

export class CreateWebhookDto {
  @ApiProperty({ example: 'https://hooks.example.com/nest-auth', maxLength: 2048 })
  @IsString()
  @Length(1, 2048)
  url: string;

  @ApiProperty({ example: ['user.disabled', 'password.changed'], description: 'Audit event types, or `*`' })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(WEBHOOK_EVENT_TYPES.length)
  @IsIn(WEBHOOK_EVENT_TYPES, { each: true })
  events: string[];

  @ApiPropertyOptional({ maxLength: 200 })
  @IsOptional()
  @IsString()
  @Length(0, 200)
  description?: string;
}

export class UpdateWebhookDto {
  @ApiPropertyOptional({ maxLength: 2048 })
  @IsOptional()
  @IsString()
  @Length(1, 2048)
  url?: string;

  @ApiPropertyOptional({ description: 'Audit event types, or `*`' })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(WEBHOOK_EVENT_TYPES.length)
  @IsIn(WEBHOOK_EVENT_TYPES, { each: true })
  events?: string[];

  @ApiPropertyOptional({ maxLength: 200 })
  @IsOptional()
  @IsString()
  @Length(0, 200)
  description?: string;

  @ApiPropertyOptional({ description: 'A disabled endpoint gets no new deliveries; those waiting wait' })
  @IsOptional()
  @IsBoolean()
  disabled?: boolean;
}

export class DeliveriesQueryDto {
  @ApiPropertyOptional({ description: 'From the previous page’s `nextCursor`' })
  @IsOptional()
  @IsString()
  @Length(0, 200)
  cursor?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;
}
