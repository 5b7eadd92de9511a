import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, Length, Max, Min } from 'class-validator';

export class ImpersonationDto {
  @ApiProperty({ minLength: 10, maxLength: 500, description: 'Why the admin acts as the user; audited on both users' })
  @IsString()
  @Length(10, 500)
  reason: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 60, description: 'How long it lasts (default 15)' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(24 * 60)
  minutes?: number;
}
