/**
 * ZeroTier's serialized `InetAddress` (protocol.md §6.20): a physical IPv4/IPv6
 * endpoint (IP + UDP port) as carried in HELLO, OK(HELLO), PUSH_DIRECT_PATHS,
 * worlds, the peer cache and netconf (where the "port" is a prefix length).
 *
 * Also: the text form ZeroTier prints (`10.1.2.3/9993`), a parser for it, and the
 * IP scope classification used for path selection (§9.3).
 * @module
 */

import { formatIpv4Text, formatIpv6Text, parseIpv4Text, parseIpv6Text } from '../util/ip-text.ts';
import { type Decoded, fail, ok, Reader, type Writer } from '../util/result.ts';

/** An IPv4 or IPv6 address plus port (or, in netconf, a netmask bit count in `port`). */
export interface InetAddress {
  /** 4 for IPv4, 6 for IPv6. */
  readonly family: 4 | 6;
  /** 4 or 16 bytes, network order. */
  readonly ip: Uint8Array;
  /** UDP port 0..65535 (or prefix bits in netconf static IPs / routes). */
  readonly port: number;
}

/** Type byte values (§6.20). */
export const INET_TYPE = {
  NULL: 0x00,
  ETHERNET: 0x01,
  BLUETOOTH: 0x02,
  OTHER: 0x03,
  IPV4: 0x04,
  IPV6: 0x06,
} as const;

/** Serialized length of the null address. */
export const INET_NULL_LENGTH = 1;
/** Serialized length of an IPv4 address: type + ip[4] + port. */
export const INET_V4_LENGTH = 7;
/** Serialized length of an IPv6 address: type + ip[16] + port. */
export const INET_V6_LENGTH = 19;
// Types 1 and 2 (Ethernet/Bluetooth) are fixed 7-byte records that 1.14 skips.
const INET_RESERVED_LENGTH = 7;

/** Builds an address, validating lengths (throws on API misuse). */
export function inetAddress(ip: Uint8Array, port: number): InetAddress {
  if (ip.length !== 4 && ip.length !== 16) throw new RangeError('inetAddress: ip must be 4 or 16 bytes');
  if (!Number.isInteger(port) || port < 0 || port > 0xffff) throw new RangeError('inetAddress: bad port');
  return { family: ip.length === 4 ? 4 : 6, ip: Uint8Array.from(ip), port };
}

/** Bytes `encodeInetAddress` writes for `a`. */
export function inetAddressLength(a: InetAddress | null): number {
  if (a === null) return INET_NULL_LENGTH;
  return a.family === 4 ? INET_V4_LENGTH : INET_V6_LENGTH;
}

/** Writes `a` (or the 1-byte null form) per §6.20. */
export function encodeInetAddress(w: Writer, a: InetAddress | null): void {
  if (a === null) {
    w.u8(INET_TYPE.NULL);
    return;
  }
  if (a.ip.length !== (a.family === 4 ? 4 : 16)) throw new RangeError('encodeInetAddress: ip length/family');
  w.u8(a.family === 4 ? INET_TYPE.IPV4 : INET_TYPE.IPV6);
  w.bytes(a.ip);
  w.u16(a.port & 0xffff);
}

/**
 * Reads one InetAddress. Null (type 0) and the types 1.14 skips (1, 2: 7 bytes;
 * 3: `u16 len` + `len` bytes) yield `null`; any other type byte is a parse error
 * (§6.20). The returned `ip` is a copy, so it outlives the packet buffer.
 */
export function decodeInetAddress(r: Reader): Decoded<InetAddress | null> {
  const t = r.u8();
  if (r.overrun) return fail('inet-truncated');
  switch (t) {
    case INET_TYPE.NULL:
      return ok(null);
    case INET_TYPE.IPV4:
    case INET_TYPE.IPV6: {
      const ip = r.bytes(t === INET_TYPE.IPV4 ? 4 : 16).slice();
      const port = r.u16();
      if (r.overrun) return fail('inet-truncated');
      return ok({ family: t === INET_TYPE.IPV4 ? 4 : 6, ip, port });
    }
    case INET_TYPE.ETHERNET:
    case INET_TYPE.BLUETOOTH:
      r.skip(INET_RESERVED_LENGTH - 1);
      return r.overrun ? fail('inet-truncated') : ok(null);
    case INET_TYPE.OTHER: {
      const len = r.u16();
      r.skip(len);
      return r.overrun ? fail('inet-truncated') : ok(null);
    }
    default:
      return fail('inet-bad-type');
  }
}

/** Decodes a whole buffer that holds exactly one InetAddress (convenience for tests and tools). */
export function decodeInetAddressBytes(b: Uint8Array): Decoded<InetAddress | null> {
  const r = new Reader(b);
  const d = decodeInetAddress(r);
  if (d.ok && r.pos !== b.length) return fail('inet-trailing');
  return d;
}

/** IP text only (no port): dotted quad, or RFC 5952 compressed IPv6 (util/ip-text.ts). */
export function ipToString(a: InetAddress): string {
  return a.family === 4 ? formatIpv4Text(a.ip) : formatIpv6Text(a.ip);
}

/** ZeroTier's text form `ip/port` (e.g. `10.1.2.3/9993`, `2001:db8::1/9993`); `null` prints as `none`. */
export function inetAddressToString(a: InetAddress | null): string {
  if (a === null) return 'none';
  return `${ipToString(a)}/${a.port}`;
}

/**
 * Parses `ip/port` (ZeroTier's form), `ip:port` (IPv4), `[ipv6]:port`, or a bare IP
 * (port 0). Returns `null` if the text is not an address (API/config input, not wire).
 */
export function parseInetAddress(text: string): InetAddress | null {
  let s = text.trim();
  let port = 0;
  const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(s);
  if (bracket) {
    s = bracket[1];
    if (bracket[2] !== undefined) port = Number(bracket[2]);
  } else {
    const slash = s.lastIndexOf('/');
    if (slash >= 0) {
      const p = s.slice(slash + 1);
      if (!/^\d+$/.test(p)) return null;
      port = Number(p);
      s = s.slice(0, slash);
    } else if (s.includes('.') && s.indexOf(':') === s.lastIndexOf(':') && s.includes(':')) {
      const colon = s.indexOf(':');
      const p = s.slice(colon + 1);
      if (!/^\d+$/.test(p)) return null;
      port = Number(p);
      s = s.slice(0, colon);
    }
  }
  if (port > 0xffff) return null;
  const v4 = parseIpv4Text(s);
  if (v4) return { family: 4, ip: v4, port };
  const v6 = s.includes(':') ? parseIpv6Text(s) : null;
  if (v6) return { family: 6, ip: v6, port };
  return null;
}

/** Same family, IP and port. */
export function inetAddressEquals(a: InetAddress | null, b: InetAddress | null): boolean {
  if (a === null || b === null) return a === b;
  return a.family === b.family && a.port === b.port && ipEquals(a, b);
}

/** Same family and IP (port ignored), as used for root stable-endpoint checks (§9.3). */
export function ipEquals(a: InetAddress, b: InetAddress): boolean {
  if (a.family !== b.family || a.ip.length !== b.ip.length) return false;
  for (let i = 0; i < a.ip.length; i++) if (a.ip[i] !== b.ip[i]) return false;
  return true;
}

/**
 * IP scopes with ZeroTier's numeric values (§9.3); path quality multiplies by `8 − scope`,
 * so a higher number is preferred.
 */
export const IpScope = {
  NONE: 0,
  MULTICAST: 1,
  LOOPBACK: 2,
  PSEUDO_PRIVATE: 3,
  GLOBAL: 4,
  LINK_LOCAL: 5,
  SHARED: 6,
  PRIVATE: 7,
} as const;
/** One of the {@link IpScope} values. */
export type IpScope = (typeof IpScope)[keyof typeof IpScope];

const SCOPE_NAMES = [
  'none',
  'multicast',
  'loopback',
  'pseudo-private',
  'global',
  'link-local',
  'shared',
  'private',
] as const;

/** Lowercase name of a scope (`'private'`, `'pseudo-private'`…). */
export function ipScopeName(s: IpScope): (typeof SCOPE_NAMES)[number] {
  return SCOPE_NAMES[s];
}

// IPv4 /8 blocks held by the US DoD, UK MoD/DWP and USPS that are not announced on the
// Internet, so networks squat on them as if private: ZeroTier's "pseudo-private" scope.
const V4_PSEUDO_PRIVATE_8 = new Set([6, 11, 21, 22, 25, 26, 28, 29, 30, 51, 55, 56]);

/** Classifies an address into a §9.3 IP scope (port ignored). */
export function ipScope(a: InetAddress | null): IpScope {
  // Classification as ZeroTier 1.14 does it (it differs from IANA's in places: 100.64/10 and the
  // documentation/benchmark ranges count as private, all of 255/8 as none, fe80::1 as loopback).
  if (a === null) return IpScope.NONE;
  const b = a.ip;
  if (a.family === 4) {
    if (b[0] === 0 || b[0] === 255) return IpScope.NONE; // 0/8 "this network", 255/8 broadcast/unusable
    if (b[0] === 10) return IpScope.PRIVATE; // RFC 1918
    if (b[0] === 127) return IpScope.LOOPBACK;
    if (b[0] === 100 && (b[1] & 0xc0) === 64) return IpScope.PRIVATE; // 100.64/10 (CGNAT), private in 1.14
    if (b[0] === 169 && b[1] === 254) return IpScope.LINK_LOCAL;
    if (b[0] === 172 && (b[1] & 0xf0) === 16) return IpScope.PRIVATE; // 172.16/12
    if (b[0] === 192 && b[1] === 168) return IpScope.PRIVATE; // 192.168/16
    if (b[0] === 192 && b[1] === 0 && b[2] === 2) return IpScope.PRIVATE; // 192.0.2/24 TEST-NET-1
    if (b[0] === 198 && (b[1] & 0xfe) === 18) return IpScope.PRIVATE; // 198.18/15 benchmarking
    if (b[0] === 198 && b[1] === 51 && b[2] === 100) return IpScope.PRIVATE; // 198.51.100/24 TEST-NET-2
    if (b[0] === 203 && b[1] === 0 && b[2] === 113) return IpScope.PRIVATE; // 203.0.113/24 TEST-NET-3
    if ((b[0] & 0xf0) === 0xe0) return IpScope.MULTICAST; // 224/4
    if ((b[0] & 0xf0) === 0xf0) return IpScope.PSEUDO_PRIVATE; // 240/4 reserved, unrouted
    if (V4_PSEUDO_PRIVATE_8.has(b[0])) return IpScope.PSEUDO_PRIVATE;
    return IpScope.GLOBAL;
  }
  if (b[0] === 0xff) return IpScope.MULTICAST; // ff00::/8
  if (b[0] === 0xfe && (b[1] & 0xc0) === 0x80) {
    // fe80::1 is treated as loopback, the rest of fe80::/10 as link-local.
    let rest = 0;
    for (let i = 2; i < 15; i++) rest |= b[i];
    return rest === 0 && b[15] === 1 ? IpScope.LOOPBACK : IpScope.LINK_LOCAL;
  }
  if ((b[0] & 0xfe) === 0xfc) return IpScope.PRIVATE; // fc00::/7 ULA (RFC 4193)
  let zeroTo9 = 0;
  for (let i = 0; i < 10; i++) zeroTo9 |= b[i];
  if (zeroTo9 === 0 && b[10] === 0xff && b[11] === 0xff && b[12] === 127) return IpScope.LOOPBACK; // ::ffff:127/104
  let zeroTo15 = zeroTo9;
  for (let i = 10; i < 15; i++) zeroTo15 |= b[i];
  if (zeroTo15 === 0 && b[15] === 1) return IpScope.LOOPBACK; // ::1
  if (zeroTo15 === 0 && b[15] === 0) return IpScope.NONE; // ::
  return IpScope.GLOBAL;
}
