import { ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsOptional, IsString, Length, Matches } from 'class-validator';

/** What an admin may change of a user. */
export class UserUpdateDto {
  @ApiPropertyOptional({
    type: [String],
    maxItems: 32,
    description: 'The user’s roles, replacing the ones they have; each 1 to 64 of letters, digits and `:_.-`',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(32)
  @IsString({ each: true })
  @Length(1, 64, { each: true })
  @Matches(/^[A-Za-z0-9][A-Za-z0-9:_.-]*$/, { each: true })
  roles?: string[];
}
