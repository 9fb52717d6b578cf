/**
 * IPv4 / IPv6 address helpers shared by the stack: text form (RFC 4291 §2.2, RFC 5952 for output),
 * prefix matching, classification and the fast map keys used on the data path.
 * Addresses are `Uint8Array`s of 4 or 16 bytes in network byte order (see `IpAddress` in ../types.ts).
 * @module
 */

import { formatIpv4Text, formatIpv6Text, parseIpv4Text, parseIpv6Text } from '../../util/ip-text.ts';
import type { IpAddress } from '../types.ts';

/** The IPv4 unspecified address 0.0.0.0. */
export const IPV4_ANY: IpAddress = new Uint8Array(4);
/** The IPv4 limited broadcast address 255.255.255.255 (RFC 919). */
export const IPV4_BROADCAST: IpAddress = new Uint8Array([255, 255, 255, 255]);
/** The IPv6 unspecified address `::`. */
export const IPV6_ANY: IpAddress = new Uint8Array(16);
/** ff02::1, all nodes on the link (RFC 4291 §2.7.1). */
export const IPV6_ALL_NODES: IpAddress = new Uint8Array([0xff, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
/** ff02::2, all routers on the link. */
export const IPV6_ALL_ROUTERS: IpAddress = new Uint8Array([
  0xff, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2,
]);

/** Parses dotted-quad IPv4 text, or returns null (the shared parser of util/ip-text.ts). */
export const parseIpv4: (s: string) => IpAddress | null = parseIpv4Text;

/** Parses IPv6 text (with `::` and an optional embedded IPv4 tail; a `%zone` suffix is ignored), or null. */
export const parseIpv6: (s: string) => IpAddress | null = parseIpv6Text;

/** Parses either family's text form, or returns null. */
export function parseIp(s: string): IpAddress | null {
  return s.includes(':') ? parseIpv6(s) : parseIpv4(s);
}

/** Like {@link parseIp} but throws a `TypeError` naming the bad text (for API arguments). */
export function ipFromString(s: string | IpAddress): IpAddress {
  if (typeof s !== 'string') {
    if (s.length !== 4 && s.length !== 16) throw new TypeError('IP address must have 4 or 16 bytes');
    return s;
  }
  const a = parseIp(s);
  if (!a) throw new TypeError(`not an IP address: ${JSON.stringify(s)}`);
  return a;
}

/** Text form: dotted quad, or RFC 5952 canonical IPv6 (lowercase, longest zero run as `::`, `::ffff:a.b.c.d`). */
export function formatIp(a: IpAddress): string {
  if (a.length === 4) return formatIpv4Text(a);
  // RFC 5952 §5: IPv4-mapped addresses keep the dotted quad (as Node prints them).
  if (isV4Mapped(a)) return `::ffff:${formatIpv4Text(a.subarray(12, 16))}`;
  return formatIpv6Text(a);
}

/** True when the first `prefixLength` bits of `a` and `b` are equal (same family required). */
export function prefixMatch(a: IpAddress, b: IpAddress, prefixLength: number): boolean {
  if (a.length !== b.length) return false;
  const full = prefixLength >> 3;
  for (let i = 0; i < full; i++) if (a[i] !== b[i]) return false;
  const rem = prefixLength & 7;
  if (rem === 0) return true;
  const mask = (0xff << (8 - rem)) & 0xff;
  return (a[full] & mask) === (b[full] & mask);
}

/** The address with all host bits (after `prefixLength`) set: the IPv4 directed broadcast. */
export function hostBitsSet(a: IpAddress, prefixLength: number): IpAddress {
  const out = a.slice();
  for (let bit = prefixLength; bit < out.length * 8; bit++) out[bit >> 3] |= 0x80 >> (bit & 7);
  return out;
}

/** A u32 of an IPv4 address at `off` (the map key of the IPv4 data path). */
export function ipv4Key(b: Uint8Array, off = 0): number {
  return ((b[off] << 24) | (b[off + 1] << 16) | (b[off + 2] << 8) | b[off + 3]) >>> 0;
}

/** Two-digit lowercase hex of every byte value, for {@link ipKey}. */
const HEX2: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** A map key for either family: IPv4 as a number, IPv6 as a 32-char hex string (both cheap to build). */
export function ipKey(a: IpAddress): number | string {
  if (a.length === 4) return ipv4Key(a);
  let s = '';
  for (let i = 0; i < 16; i++) s += HEX2[a[i]];
  return s;
}

/** True for 224.0.0.0/4 and ff00::/8. */
export function isMulticast(a: IpAddress): boolean {
  return a.length === 4 ? (a[0] & 0xf0) === 0xe0 : a[0] === 0xff;
}

/** True for all-zero addresses. */
export function isUnspecified(a: IpAddress): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== 0) return false;
  return true;
}

/** True for fe80::/10 (RFC 4291 §2.5.6). */
export function isLinkLocalV6(a: IpAddress): boolean {
  return a.length === 16 && a[0] === 0xfe && (a[1] & 0xc0) === 0x80;
}

/** The IPv6 link-local address with a modified EUI-64 interface ID from a MAC (RFC 4291 App. A, RFC 2464 §5). */
export function linkLocalFromMac(mac: Uint8Array): IpAddress {
  const a = new Uint8Array(16);
  a[0] = 0xfe;
  a[1] = 0x80;
  a[8] = mac[0] ^ 0x02;
  a[9] = mac[1];
  a[10] = mac[2];
  a[11] = 0xff;
  a[12] = 0xfe;
  a[13] = mac[3];
  a[14] = mac[4];
  a[15] = mac[5];
  return a;
}

/** The solicited-node multicast address ff02::1:ffXX:XXXX of `a` (RFC 4291 §2.7.1). */
export function solicitedNode(a: IpAddress): IpAddress {
  const m = new Uint8Array([0xff, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff, 0, 0, 0]);
  m[13] = a[13];
  m[14] = a[14];
  m[15] = a[15];
  return m;
}

/** Byte equality of two addresses (different lengths are unequal). */
export function ipEqual(a: IpAddress, b: IpAddress): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** True for an IPv4-mapped IPv6 address `::ffff:a.b.c.d` (RFC 4291 §2.5.5.2). */
export function isV4Mapped(a: IpAddress): boolean {
  if (a.length !== 16) return false;
  for (let i = 0; i < 10; i++) if (a[i] !== 0) return false;
  return a[10] === 0xff && a[11] === 0xff;
}

/** `::ffff:a.b.c.d` for an IPv4 address. */
export function toV4Mapped(a: IpAddress): IpAddress {
  const m = new Uint8Array(16);
  m[10] = 0xff;
  m[11] = 0xff;
  m.set(a.subarray(0, 4), 12);
  return m;
}

/** The IPv4 address inside `::ffff:a.b.c.d` (a copy). */
export function fromV4Mapped(a: IpAddress): IpAddress {
  return a.slice(12, 16);
}
