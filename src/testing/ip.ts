/**
 * IP address strings for the in-memory network: validation and one canonical text form per
 * address, so that `fd00:0:0::1` and `fd00::1` name the same host. IPv6 text follows RFC 5952
 * (lowercase, no leading zeros, the longest run of two or more zero groups written `::`).
 * Zone ids (`%eth0`) are not supported. Parsing and formatting are util/ip-text.ts's.
 * @module
 */

import { formatIpv4Text, formatIpv6Text, parseIpv4Text, parseIpv6Text } from '../util/ip-text.ts';

/** Address family of a canonical IP string. */
export type IpFamily = 4 | 6;

// Simulations send millions of datagrams to a few hundred addresses: remember recent answers.
const CACHE_LIMIT = 4096;
const cache = new Map<string, string | undefined>();

/** The canonical form of an IPv4 or IPv6 address string, or `undefined` if it is not one. */
export function canonicalIp(ip: string): string | undefined {
  if (typeof ip !== 'string') return undefined;
  const hit = cache.get(ip);
  if (hit !== undefined || cache.has(ip)) return hit;
  const c = parseIp(ip);
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(ip, c);
  return c;
}

function parseIp(ip: string): string | undefined {
  if (ip.includes(':')) {
    // Only hex digits, ':' and '.': zone ids (`%eth0`), which the shared parser would drop, are refused.
    if (!/^[0-9a-fA-F:.]+$/.test(ip)) return undefined;
    const b = parseIpv6Text(ip);
    return b ? formatIpv6Text(b) : undefined;
  }
  const b = parseIpv4Text(ip);
  return b ? formatIpv4Text(b) : undefined;
}

/** Like {@link canonicalIp} but throws `TypeError` naming `what` (for API arguments). */
export function requireIp(ip: string, what: string): string {
  const c = canonicalIp(ip);
  if (c === undefined) throw new TypeError(`${what}: not an IPv4 or IPv6 address: ${String(ip)}`);
  return c;
}

/** Family of a canonical (or any valid) address string. */
export function familyOf(ip: string): IpFamily {
  return ip.includes(':') ? 6 : 4;
}

/** True for 127.0.0.0/8 and ::1 (canonical input). */
export function isLoopback(ip: string): boolean {
  return ip === '::1' || ip.startsWith('127.');
}

/** The wildcard address of a family (`0.0.0.0` or `::`). */
export function anyAddress(family: IpFamily): string {
  return family === 4 ? '0.0.0.0' : '::';
}

/** `ip:port`, with brackets around IPv6 (`[fd00::1]:9993`), for traces and messages. */
export function formatEndpoint(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}
