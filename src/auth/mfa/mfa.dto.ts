import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';

export class CurrentPasswordDto {
  @ApiProperty({ maxLength: 128 })
  @IsString()
  @MaxLength(128)
  currentPassword: string;
}

export class TotpCodeDto {
  @ApiProperty({ description: 'The 6 digits the authenticator app shows', example: '123456', maxLength: 32 })
  @IsString()
  @MaxLength(32)
  code: string;
}

export class DisableTotpDto {
  @ApiProperty({ maxLength: 128 })
  @IsString()
  @MaxLength(128)
  currentPassword: string;

  @ApiProperty({ description: 'A code of the authenticator app, or a recovery code', maxLength: 32 })
  @IsString()
  @MaxLength(32)
  code: string;
}

/** The second step of a login: the `mfaToken` of the first, and one of `code` or `recoveryCode`. */
export class MfaLoginDto {
  @ApiProperty({ description: 'From the answer of the first step', maxLength: 200 })
  @IsString()
  @MaxLength(200)
  mfaToken: string;

  @ApiPropertyOptional({ description: 'The 6 digits the authenticator app shows', maxLength: 32 })
  @IsOptional()
  @IsString()
  @MaxLength(32)
  code?: string;

  @ApiPropertyOptional({ description: 'One of the recovery codes, dashes optional', maxLength: 32 })
  @IsOptional()
  @IsString()
  @MaxLength(32)
  recoveryCode?: string;
}
