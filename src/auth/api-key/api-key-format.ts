import { crc32 } from 'node:zlib';
import { encodeBase62, randomBase62 } from './base62';

const RANDOM_LENGTH = 32;
const CHECKSUM_LENGTH = 6;
const DISPLAY_PREFIX_LENGTH = 12;
export const API_KEY_PREFIX_PATTERN = /^[A-Za-z0-9]{1,16}$/;
// Any well-formed prefix is accepted, not only the configured one, so changing API_KEY_PREFIX keeps older keys working.
const KEY_PATTERN = new RegExp(`^[A-Za-z0-9]{1,16}_([0-9A-Za-z]{${RANDOM_LENGTH}})([0-9A-Za-z]{${CHECKSUM_LENGTH}})$`);

/**
 * `<prefix>_<32 random base62><6 base62 of the CRC-32 of the random part>`: 190 bits of entropy, and a
 * checksum that lets secret scanners and the module itself tell a real key from garbage without a look-up.
 */
export const ApiKeyFormat = {
  generate(prefix: string): string {
    if (!API_KEY_PREFIX_PATTERN.test(prefix)) throw new Error('API key prefix must be 1 to 16 letters or digits');
    const random = randomBase62(RANDOM_LENGTH);
    return `${prefix}_${random}${checksumOf(random)}`;
  },

  isWellFormed(key: unknown): key is string {
    if (typeof key !== 'string') return false;
    const match = KEY_PATTERN.exec(key);
    return !!match && checksumOf(match[1]) === match[2];
  },

  /** What lists show so people can recognise a key: its first 12 characters. */
  displayPrefix(key: string): string {
    return key.slice(0, DISPLAY_PREFIX_LENGTH);
  },
};

function checksumOf(random: string): string {
  return encodeBase62(crc32(random), CHECKSUM_LENGTH);
}
