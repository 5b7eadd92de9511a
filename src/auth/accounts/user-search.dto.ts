import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Length, Max, Min } from 'class-validator';

export const MAX_USERS_PER_PAGE = 100;

export class UserSearchDto {
  @ApiPropertyOptional({
    description: 'Part of an email (case-insensitive substring); every user when absent',
    maxLength: 254,
  })
  @IsOptional()
  @IsString()
  @Length(0, 254)
  query?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: MAX_USERS_PER_PAGE, default: 20 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_USERS_PER_PAGE)
  limit?: number;

  @ApiPropertyOptional({ description: 'The `nextCursor` of the previous page', maxLength: 200 })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  cursor?: string;
}
