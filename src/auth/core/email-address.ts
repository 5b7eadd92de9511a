/**
 * The one form in which the module compares and stores emails: Unicode NFKC (a full-width or other
 * compatibility twin of an address is that address), lower-cased, trimmed. Applied again after
 * lower-casing, whose output is not always in NFKC.
 */
export function normalizeEmail(email: string): string {
  return email.normalize('NFKC').toLowerCase().normalize('NFKC').trim();
}
