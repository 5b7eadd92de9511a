import { BadRequestException, Injectable, PipeTransform } from '@nestjs/common';
import { USER_ID_LENGTH } from '../core/database';

/**
 * A user id from a path: any id a users table may have (UUIDs, integers, other strings), but never
 * one that could not be stored as text: empty, too long, or with control characters or lone surrogates.
 */
@Injectable()
export class UserIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (
      typeof value !== 'string' ||
      value.length === 0 ||
      value.length > USER_ID_LENGTH ||
      !/^[\x21-\x7e]+$/.test(value)
    ) {
      throw new BadRequestException('Invalid user id');
    }
    return value;
  }
}
