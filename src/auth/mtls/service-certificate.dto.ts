import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length, Matches } from 'class-validator';
import { ScopesProperty } from '../core/scopes';
import { USER_ID_LENGTH } from '../core/database';
import { FINGERPRINT_PATTERN } from './fingerprint';

export class RegisterServiceCertificateDto {
  @ApiProperty({ description: 'The user the certificate acts as', minLength: 1, maxLength: USER_ID_LENGTH })
  @IsString()
  @Length(1, USER_ID_LENGTH)
  @Matches(/^[\x21-\x7e]+$/, { message: 'userId must be printable ASCII without spaces' })
  userId: string;

  @ApiProperty({
    description:
      'SHA-256 of the certificate, uppercase hex, colon-separated or not (`openssl x509 -noout -fingerprint -sha256`)',
    example: 'AB:CD:…',
  })
  @IsString()
  @Matches(FINGERPRINT_PATTERN, {
    message: 'fingerprint must be a SHA-256 fingerprint in uppercase hex, colon-separated or not',
  })
  fingerprint: string;

  @ApiProperty({ example: 'billing exporter', minLength: 1, maxLength: 100 })
  @IsString()
  @Length(1, 100)
  @Matches(/\S/, { message: 'name must not be blank' })
  name: string;

  @ScopesProperty('internal:read')
  scopes?: string[];
}
