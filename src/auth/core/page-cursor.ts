/**
 * A keyset page's position: the (time, id) of its last row, as base64url JSON. Opaque to clients; any
 * other text, one whose time is not exactly what this wrote, or whose id could not be stored (control
 * characters hidden by the encoding) is no cursor.
 */
export function encodePageCursor(at: Date, id: string): string {
  return Buffer.from(JSON.stringify([at.toISOString(), id])).toString('base64url');
}

export function decodePageCursor(cursor: string): { at: Date; id: string } | null {
  try {
    const decoded: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (!Array.isArray(decoded) || decoded.length !== 2) return null;
    const [at, id] = decoded as unknown[];
    if (typeof at !== 'string' || typeof id !== 'string' || !/^[\x21-\x7e]{1,64}$/.test(id)) return null;
    const date = new Date(at);
    return Number.isNaN(date.getTime()) || date.toISOString() !== at ? null : { at: date, id };
  } catch {
    return null;
  }
}
