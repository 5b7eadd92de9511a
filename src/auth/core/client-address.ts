import { isIP } from 'node:net';

/**
 * What the module counts a client by wherever it counts per address (the auth routes' throttle, the
 * API-key budget): the IPv4 address, or the /64 network of an IPv6 one, since a single host is
 * usually handed a whole /64 and could otherwise take a fresh address for every request. An IPv4
 * address written as IPv6 (`::ffff:192.0.2.1`, as a dual-stack socket reports it) counts as itself.
 */
export function clientAddressKey(ip: string | undefined): string {
  if (!ip) return '';
  const zone = ip.indexOf('%');
  const bare = zone === -1 ? ip : ip.slice(0, zone);
  const version = isIP(bare);
  if (version === 4) return bare;
  if (version !== 6) return ip;
  const groups = hextets(bare.toLowerCase());
  if (
    groups[0] === 0 &&
    groups[1] === 0 &&
    groups[2] === 0 &&
    groups[3] === 0 &&
    groups[4] === 0 &&
    groups[5] === 0xffff
  ) {
    return `${groups[6] >> 8}.${groups[6] & 0xff}.${groups[7] >> 8}.${groups[7] & 0xff}`;
  }
  return `${groups
    .slice(0, 4)
    .map((group) => group.toString(16))
    .join(':')}::/64`;
}

/** The eight 16-bit groups of a valid IPv6 address (`isIP` said so), with `::` and a dotted IPv4 tail expanded. */
function hextets(address: string): number[] {
  let text = address;
  const tail = text.slice(text.lastIndexOf(':') + 1);
  if (tail.includes('.')) {
    const [a, b, c, d] = tail.split('.').map(Number);
    text = `${text.slice(0, text.length - tail.length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, rest] = text.split('::');
  const left = head ? head.split(':') : [];
  const right = rest ? rest.split(':') : [];
  const groups =
    rest === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return groups.map((group) => parseInt(group, 16));
}
