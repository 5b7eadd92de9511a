import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsObject, IsOptional, IsString, MaxLength } from 'class-validator';

/** One proof: the password (with a code or a recovery code for a user's second factor), or a passkey assertion. */
export class ReauthenticateDto {
  @ApiPropertyOptional({ maxLength: 128 })
  @IsOptional()
  @IsString()
  @MaxLength(128)
  password?: string;

  @ApiPropertyOptional({ description: 'The 6 digits the authenticator app shows, beside `password`', maxLength: 32 })
  @IsOptional()
  @IsString()
  @MaxLength(32)
  code?: string;

  @ApiPropertyOptional({ description: 'One of the recovery codes, beside `password`', maxLength: 32 })
  @IsOptional()
  @IsString()
  @MaxLength(32)
  recoveryCode?: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: 'A passkey assertion with user verification, for the options of `POST /auth/reauthenticate/options`',
  })
  @IsOptional()
  @IsObject()
  response?: Record<string, unknown>;
}
