/**
 * Sessions read from the store in the last moment, by the SHA-256 of their ID, held as JSON so every
 * request gets its own copy. Entries live at most `ttlMs` (one second by default) and are dropped at
 * once when any instance destroys the session (the revocation bus), so a revoked session is never
 * served, and one that expired in the store is served for at most `ttlMs` more.
 */
export class SessionReadCache {
  private readonly entries = new Map<string, { json: string; until: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
  ) {}

  get(sidHash: string, now = Date.now()): string | undefined {
    const entry = this.entries.get(sidHash);
    if (!entry) return undefined;
    if (entry.until <= now) {
      this.entries.delete(sidHash);
      return undefined;
    }
    return entry.json;
  }

  set(sidHash: string, json: string, now = Date.now()): void {
    if (this.ttlMs <= 0) return;
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(sidHash, { json, until: now + this.ttlMs });
  }

  delete(sidHash: string): void {
    this.entries.delete(sidHash);
  }
}
