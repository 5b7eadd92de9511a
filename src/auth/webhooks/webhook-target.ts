import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

/** Where a delivery connects: the URL, and the one address its host resolved to, checked. */
export interface ResolvedTarget {
  url: URL;
  address: string;
  family: 4 | 6;
}

export interface TargetPolicy {
  allowPrivateTargets: boolean;
  requireHttps: boolean;
}

/** Why a URL may not be called; the message is what the admin reads (400), never a resolved address. */
export class RefusedTarget extends Error {}

const MAX_URL_LENGTH = 2048;

/**
 * Addresses a server-side request must never reach unless the host allows it: loopback, private,
 * shared (CGNAT), link-local (and with it the cloud metadata address 169.254.169.254), unique-local
 * (and fd00:ec2::254), multicast, reserved and documentation ranges, in IPv4 and IPv6.
 */
const PRIVATE = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  PRIVATE.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of [
  ['::', 96], // unspecified, loopback and the IPv4-compatible addresses
  ['100::', 64],
  ['2001::', 32], // Teredo: the IPv4 address inside is obfuscated, so none is called
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
] as const)
  PRIVATE.addSubnet(network, prefix, 'ipv6');

/** Whether `address` (an IP literal) is one the policy refuses to call. */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return PRIVATE.check(address, 'ipv4');
  if (family !== 6) return true;
  const bytes = ipv6Bytes(address);
  if (!bytes) return true;
  // IPv4-mapped (::ffff:a.b.c.d), NAT64 (64:ff9b::a.b.c.d) and 6to4 (2002:aabb:ccdd::) carry an IPv4 address that is reached.
  const embedded =
    bytes.subarray(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff
      ? bytes.subarray(12, 16)
      : bytes.readUInt32BE(0) === 0x0064ff9b && bytes.subarray(4, 12).every((b) => b === 0)
        ? bytes.subarray(12, 16)
        : bytes.readUInt16BE(0) === 0x2002
          ? bytes.subarray(2, 6)
          : null;
  if (embedded) return PRIVATE.check([...embedded].join('.'), 'ipv4');
  return PRIVATE.check(address, 'ipv6');
}

/** The 16 bytes of an IPv6 literal (with or without a dotted IPv4 tail), or null. */
function ipv6Bytes(address: string): Buffer | null {
  let text = address.toLowerCase().split('%')[0];
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const parts = dotted[1].split('.').map(Number);
    if (parts.some((part) => part > 255)) return null;
    text = `${text.slice(0, -dotted[1].length)}${((parts[0] << 8) | parts[1]).toString(16)}:${((parts[2] << 8) | parts[3]).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail];
  const bytes = Buffer.alloc(16);
  for (let i = 0; i < 8; i++) {
    if (!/^[0-9a-f]{1,4}$/.test(groups[i])) return null;
    bytes.writeUInt16BE(parseInt(groups[i], 16), i * 2);
  }
  return bytes;
}

/** The URL, if its form may be stored: http(s), no credentials in it, at most 2048 characters. */
export function checkUrlForm(raw: string, policy: TargetPolicy): URL {
  if (raw.length > MAX_URL_LENGTH) throw new RefusedTarget('url is too long');
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new RefusedTarget('url must be an absolute http(s) URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new RefusedTarget('url must be an absolute http(s) URL');
  if (policy.requireHttps && url.protocol !== 'https:') throw new RefusedTarget('url must use https');
  // A password in a URL would be a secret stored and shown in plain text.
  if (url.username || url.password) throw new RefusedTarget('url must not hold credentials');
  if (url.hash) throw new RefusedTarget('url must not hold a fragment');
  return url;
}

/**
 * Resolves the URL's host once and picks the address to connect to. Every address the name resolves
 * to must be allowed (a name with one public and one private address is refused), and the request
 * then connects to the address checked here, never resolving again: a DNS answer that changes
 * between the check and the connection (rebinding) cannot move it.
 */
export async function resolveTarget(raw: string, policy: TargetPolicy): Promise<ResolvedTarget> {
  const url = checkUrlForm(raw, policy);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  let addresses: Array<{ address: string; family: number }>;
  if (isIP(host)) addresses = [{ address: host, family: isIP(host) }];
  else {
    try {
      addresses = await lookup(host, { all: true, verbatim: true });
    } catch {
      throw new RefusedTarget('url host does not resolve');
    }
  }
  if (!addresses.length) throw new RefusedTarget('url host does not resolve');
  if (!policy.allowPrivateTargets && addresses.some(({ address }) => isPrivateAddress(address)))
    throw new RefusedTarget('url resolves to an address the app may not call');
  const [first] = addresses;
  return { url, address: first.address, family: first.family === 6 ? 6 : 4 };
}
