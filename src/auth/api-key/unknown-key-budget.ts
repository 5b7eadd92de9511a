const WINDOW_MS = 60_000;

/**
 * Look-ups of presented keys that turned out to be no usable key, per client address, in fixed
 * one-minute windows. Used only while the index of known keys cannot tell a key from a forgery (not
 * loaded, or the revocation log unreadable): then a forged key that passes the public checksum costs a
 * database look-up, and past its budget an address's keys that nothing vouches for are refused before
 * the database, until the window ends. Keys the instance knows (cached or in the index) are never held
 * back, so a service sharing an address with an attacker keeps working.
 */
export class UnknownKeyBudget {
  private readonly windows = new Map<string, { misses: number; resetAt: number }>();
  /** The latest end of any IP's block: while it is past, the hot path spends one comparison here. */
  private blockedUntil = 0;

  constructor(
    private readonly perMinute: number,
    private readonly maxTracked = 50_000,
  ) {}

  anyBlocked(now = Date.now()): boolean {
    return now < this.blockedUntil;
  }

  /** Seconds the IP must wait before its next look-up, or 0. */
  retryAfter(ip: string, now = Date.now()): number {
    const window = this.windows.get(ip);
    if (!window || now >= window.resetAt || window.misses < this.perMinute) return 0;
    return Math.max(1, Math.ceil((window.resetAt - now) / 1000));
  }

  recordMiss(ip: string, now = Date.now()): void {
    let window = this.windows.get(ip);
    if (!window || now >= window.resetAt) {
      if (!window && this.windows.size >= this.maxTracked) this.forgetEnded(now);
      window = { misses: 0, resetAt: now + WINDOW_MS };
      this.windows.set(ip, window);
    }
    window.misses++;
    if (window.misses >= this.perMinute) this.blockedUntil = Math.max(this.blockedUntil, window.resetAt);
  }

  private forgetEnded(now: number): void {
    for (const [ip, window] of this.windows) if (now >= window.resetAt) this.windows.delete(ip);
    // Still full of live windows: the oldest go, so the map stays bounded whatever the number of addresses.
    for (const ip of this.windows.keys()) {
      if (this.windows.size < this.maxTracked) break;
      this.windows.delete(ip);
    }
  }
}
