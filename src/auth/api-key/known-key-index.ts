const INITIAL_SLOTS = 1024;
const MAX_LOAD = 0.75;

/**
 * The lookup ids of the keys that exist: the first 64 bits of each key's SHA-256 (the hash the
 * verifier looks a key up by), in an open-addressing table of two 32-bit words a slot, about 16 MB
 * per million keys. A filter with no false negatives: an id it was given is always found; a key it
 * was never given is found with a chance of about n / 2^64, and then merely costs the look-up it
 * would have cost anyway. Nothing is ever removed: a revoked key still goes to the store, which says no.
 */
export class KnownKeyIndex {
  private slots = new Uint32Array(INITIAL_SLOTS * 2);
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** `hash`: the key's SHA-256 in hex, or at least its first 16 hex digits (a lookup id). */
  add(hash: string): void {
    if ((this.count + 1) / (this.slots.length / 2) > MAX_LOAD) this.grow();
    if (this.insert(high(hash), low(hash))) this.count++;
  }

  has(hash: string): boolean {
    const hi = high(hash);
    const lo = low(hash);
    const mask = this.slots.length / 2 - 1;
    for (let slot = lo & mask; ; slot = (slot + 1) & mask) {
      const at = slot * 2;
      if (this.slots[at] === hi && this.slots[at + 1] === lo) return true;
      if (this.slots[at] === 0 && this.slots[at + 1] === 0) return false;
    }
  }

  /** Puts the pair in its slot (linear probing); false when it was there already. */
  private insert(hi: number, lo: number): boolean {
    const mask = this.slots.length / 2 - 1;
    for (let slot = lo & mask; ; slot = (slot + 1) & mask) {
      const at = slot * 2;
      if (this.slots[at] === hi && this.slots[at + 1] === lo) return false;
      if (this.slots[at] === 0 && this.slots[at + 1] === 0) {
        this.slots[at] = hi;
        this.slots[at + 1] = lo;
        return true;
      }
    }
  }

  private grow(): void {
    const old = this.slots;
    this.slots = new Uint32Array(old.length * 2);
    for (let at = 0; at < old.length; at += 2)
      if (old[at] !== 0 || old[at + 1] !== 0) this.insert(old[at], old[at + 1]);
  }
}

/** The first 16 hex digits of a SHA-256 in hex: what instances tell each other about a new key. */
export function lookupIdOf(hash: string): string {
  return hash.slice(0, 16);
}

function high(hash: string): number {
  return parseInt(hash.slice(0, 8), 16) >>> 0;
}

// An all-zero pair marks an empty slot, so an id of 64 zero bits is kept as 1 (one more false positive, never a miss).
function low(hash: string): number {
  return parseInt(hash.slice(8, 16), 16) >>> 0 || (high(hash) === 0 ? 1 : 0);
}
