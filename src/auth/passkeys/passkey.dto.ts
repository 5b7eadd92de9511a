import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsObject, IsOptional, IsString, Length, Matches, MaxLength } from 'class-validator';

const CEREMONY_RESPONSE = {
  type: 'object',
  additionalProperties: true,
  description:
    'What `navigator.credentials` answered, as JSON (`PublicKeyCredential.toJSON()`, or `@simplewebauthn/browser`)',
} as const;

/** An `mfaToken` of the second step of login: opaque, so only its size is checked here. */
const MfaTokenProperty = () =>
  ApiPropertyOptional({
    description: 'The `mfaToken` of a password login: the passkey is then the second factor',
    maxLength: 200,
  });

export class PasskeyRegistrationDto {
  @ApiProperty(CEREMONY_RESPONSE)
  @IsObject()
  response: Record<string, unknown>;

  @ApiPropertyOptional({ example: 'Laptop', minLength: 1, maxLength: 100 })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  @Matches(/\S/, { message: 'name must not be blank' })
  name?: string;
}

export class PasskeyLoginOptionsDto {
  @MfaTokenProperty()
  @IsOptional()
  @IsString()
  @MaxLength(200)
  mfaToken?: string;
}

export class PasskeyLoginDto {
  @ApiProperty(CEREMONY_RESPONSE)
  @IsObject()
  response: Record<string, unknown>;

  @MfaTokenProperty()
  @IsOptional()
  @IsString()
  @MaxLength(200)
  mfaToken?: string;
}

export class PasskeyRemovalDto {
  @ApiPropertyOptional({
    description: 'Required when this is the last passkey of a user who has a password',
    maxLength: 128,
  })
  @IsOptional()
  @IsString()
  @MaxLength(128)
  currentPassword?: string;
}
