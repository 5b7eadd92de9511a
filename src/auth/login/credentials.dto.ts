import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsEmail, IsOptional, IsString, Length, MaxLength } from 'class-validator';
import { normalizeEmail as normalizedEmail } from '../core/email-address';

export const normalizeEmail = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' ? normalizedEmail(value) : value;

/** Login and token requests: any string is checked against the store; only the size is limited up front. */
export class LoginDto {
  @ApiProperty({ example: 'ada@example.com', maxLength: 254 })
  @Transform(normalizeEmail)
  @IsString()
  @MaxLength(254)
  email: string;

  /** Compared exactly as typed: no trimming, no case folding. Over 128 characters is refused before hashing. */
  @ApiProperty({ maxLength: 128 })
  @IsString()
  @MaxLength(128)
  password: string;
}

export class RegisterDto {
  @ApiProperty({ example: 'ada@example.com', maxLength: 254 })
  @Transform(normalizeEmail)
  @IsString()
  @MaxLength(254)
  @IsEmail()
  email: string;

  @ApiProperty({ minLength: 12, maxLength: 128 })
  @IsString()
  @Length(12, 128)
  password: string;

  @ApiPropertyOptional({ maxLength: 200 })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  name?: string;
}
