import { BlockList, isIP } from 'node:net';

/**
 * The peers whose client-certificate header is believed: IPs and CIDRs, IPv4 and IPv6, matched
 * against the socket's own remote address (never a forwarded one, which the client writes).
 */
export class TrustedProxies {
  private constructor(private readonly list: BlockList) {}

  /** Throws on an entry that is neither an IP nor a CIDR, naming it. */
  static parse(entries: readonly string[]): TrustedProxies {
    const list = new BlockList();
    for (const raw of entries) {
      const entry = raw.trim();
      const slash = entry.indexOf('/');
      const address = unmapped(slash < 0 ? entry : entry.slice(0, slash));
      const family = isIP(address);
      if (family === 0) throw new Error(`not an IP address or CIDR: ${raw}`);
      const type = family === 4 ? 'ipv4' : 'ipv6';
      if (slash < 0) {
        list.addAddress(address, type);
        continue;
      }
      const bits = entry.slice(slash + 1);
      const prefix = Number(bits);
      if (!/^\d{1,3}$/.test(bits) || prefix > (family === 4 ? 32 : 128))
        throw new Error(`not an IP address or CIDR: ${raw}`);
      list.addSubnet(address, prefix, type);
    }
    return new TrustedProxies(list);
  }

  includes(remoteAddress: string | undefined): boolean {
    if (!remoteAddress) return false;
    const address = unmapped(remoteAddress);
    const family = isIP(address);
    return family !== 0 && this.list.check(address, family === 4 ? 'ipv4' : 'ipv6');
  }
}

/** A dual-stack socket names an IPv4 peer as `::ffff:a.b.c.d`; it is that IPv4 address. */
function unmapped(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped ? mapped[1] : address;
}
