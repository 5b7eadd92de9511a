import { ApiProperty } from '@nestjs/swagger';
import { IsString, MaxLength } from 'class-validator';

export class RefreshTokenDto {
  @ApiProperty({ description: 'The refresh token from the last token response', maxLength: 4096 })
  @IsString()
  @MaxLength(4096)
  refresh_token: string;
}
