import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Length, MaxLength } from 'class-validator';

export class OidcLinkDto {
  @ApiPropertyOptional({
    description: 'A path on this origin to come back to once linked (default `/account`)',
    maxLength: 512,
  })
  @IsOptional()
  @IsString()
  @MaxLength(512)
  returnTo?: string;
}

export class IdTokenDto {
  @ApiProperty({
    description: 'The ID token the provider’s SDK returned to the app; its `aud` must be our client id',
    maxLength: 8192,
  })
  @IsString()
  @MaxLength(8192)
  id_token: string;

  @ApiPropertyOptional({
    description: 'The nonce the app sent to the provider; the ID token must carry it',
    maxLength: 512,
  })
  @IsOptional()
  @IsString()
  @Length(1, 512)
  nonce?: string;
}
