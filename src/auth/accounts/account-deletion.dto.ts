import { ApiProperty } from '@nestjs/swagger';
import { IsString, MaxLength } from 'class-validator';

export class AccountDeletionDto {
  @ApiProperty({ maxLength: 320, description: 'The account’s email, typed again as confirmation' })
  @IsString()
  @MaxLength(320)
  confirm: string;
}
