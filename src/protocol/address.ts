/**
 * ZeroTier addresses and the identifiers derived from them (protocol.md §1, §9.11):
 * 40-bit node addresses, 64-bit network IDs (and the ad-hoc IDs that need no controller),
 * the per-network Ethernet MAC of a node, RFC4193 and 6PLANE IPv6 addresses, and multicast
 * groups (MAC + ADI).
 *
 * Representations: a node address is a `number` (< 2^40, exact); a network ID is a `bigint`
 * (64 bits do not fit a number); a MAC is a `number` (< 2^48, exact).
 * @module
 */

import { type Decoded, fail, ok, type Reader, type Writer } from '../util/result.ts';
import type { InetAddress } from './inet-address.ts';

// ---------------------------------------------------------------------------------------------
// Node addresses (§1.1)

/** Bytes of a node address on the wire. */
export const ADDRESS_LEN = 5;
/** Largest 40-bit value. */
export const ADDRESS_MAX = 0xffffffffff;
/** Most significant byte that marks reserved addresses (ZT_ADDRESS_RESERVED_PREFIX, §1.1). */
export const ADDRESS_RESERVED_PREFIX = 0xff;

const TWO32 = 0x100000000;

/** True for addresses no node may have: 0 and anything starting with byte 0xff (§1.1). */
export function isReservedAddress(a: number): boolean {
  return a === 0 || Math.floor(a / TWO32) === ADDRESS_RESERVED_PREFIX;
}

/** True if `a` is an integer in the 40-bit range and not reserved. */
export function isValidAddress(a: number): boolean {
  return Number.isInteger(a) && a >= 0 && a <= ADDRESS_MAX && !isReservedAddress(a);
}

/** The 10-digit lowercase hex text form (`%.10llx`, §1.1). */
export function formatAddress(a: number): string {
  return a.toString(16).padStart(10, '0');
}

/**
 * Parses exactly 10 hex digits (either case) into an address; `null` otherwise. Reserved
 * addresses parse (callers that need a usable address also check {@link isReservedAddress}).
 */
export function parseAddress(s: string): number | null {
  if (typeof s !== 'string' || !/^[0-9a-fA-F]{10}$/.test(s)) return null;
  return Number.parseInt(s, 16);
}

// ---------------------------------------------------------------------------------------------
// Network IDs (§1.2)

/** Parses exactly 16 hex digits (either case) into a network ID; `null` otherwise. */
export function parseNetworkId(s: string): bigint | null {
  if (typeof s !== 'string' || !/^[0-9a-fA-F]{16}$/.test(s)) return null;
  return BigInt(`0x${s}`);
}

/** The 16-digit lowercase hex text form of a network ID. */
export function formatNetworkId(nwid: bigint): string {
  return BigInt.asUintN(64, nwid).toString(16).padStart(16, '0');
}

/** Address of the controller of a network: the top 40 bits of its ID (§1.2). */
export function networkController(nwid: bigint): number {
  return Number(BigInt.asUintN(64, nwid) >> 24n);
}

function hiLo(nwid: bigint): [number, number] {
  const n = BigInt.asUintN(64, nwid);
  return [Number(n >> 32n), Number(n & 0xffffffffn)];
}

/** Parameters of an ad-hoc network ID (§1.2), which is configured locally with no controller. */
export type AdHocNetwork =
  | {
      /** `ff SSSS EEEE 000000`: IPv6-only network allowing TCP/UDP to ports start..end. */
      readonly kind: 'port-range';
      readonly startPort: number;
      readonly endPort: number;
      /** `adhoc-SSSS-EEEE` (4 hex digits each). */
      readonly name: string;
      /** False when end < start (the reference answers NOT_FOUND). */
      readonly valid: boolean;
    }
  | {
      /** `ff AA hhhhhhhhhh 01`: IPv4 `AA.0.0.0/8`, host part = low 24 bits of the node address. */
      readonly kind: 'ipv4';
      /** First octet `AA` of the /8. */
      readonly firstOctet: number;
      /** Optional hub address (bits 8..47), 0 if none. */
      readonly hub: number;
      /** `adhoc-<AA>.0.0.0`. */
      readonly name: string;
      readonly valid: true;
    };

/** Decodes an ad-hoc network ID into its parameters, or `null` for an ordinary (controller) network ID. */
export function decodeAdHocNetworkId(nwid: bigint): AdHocNetwork | null {
  const [hi, lo] = hiLo(nwid);
  if (hi >>> 24 !== 0xff) return null;
  if ((lo & 0xffffff) === 0) {
    // Start port = bits 40..55, end port = bits 24..39.
    const startPort = (hi >>> 8) & 0xffff;
    const endPort = ((hi & 0xff) << 8) | (lo >>> 24);
    const h4 = (v: number) => v.toString(16).padStart(4, '0');
    return {
      kind: 'port-range',
      startPort,
      endPort,
      name: `adhoc-${h4(startPort)}-${h4(endPort)}`,
      valid: endPort >= startPort,
    };
  }
  if ((lo & 0xff) === 0x01) {
    const firstOctet = (hi >>> 16) & 0xff;
    // Bits 8..47: the low 16 bits of hi and the top 24 bits of lo.
    const hub = (hi & 0xffff) * 0x1000000 + (lo >>> 8);
    return { kind: 'ipv4', firstOctet, hub, name: `adhoc-${firstOctet}.0.0.0`, valid: true };
  }
  return null;
}

/** Builds a port-range ad-hoc network ID `ff SSSS EEEE 000000` (§1.2). */
export function adHocPortRangeNetworkId(startPort: number, endPort: number): bigint {
  for (const p of [startPort, endPort])
    if (!Number.isInteger(p) || p < 0 || p > 0xffff)
      throw new RangeError('adHocPortRangeNetworkId: bad port');
  return (0xffn << 56n) | (BigInt(startPort) << 40n) | (BigInt(endPort) << 24n);
}

/** The IPv4 address (4 bytes) a node gets on an IPv4 ad-hoc network: `AA.x.y.z`, x.y.z = low 24 address bits. */
export function adHocIpv4Address(firstOctet: number, address: number): Uint8Array {
  const low = address % 0x1000000;
  return Uint8Array.of(firstOctet & 0xff, (low >>> 16) & 0xff, (low >>> 8) & 0xff, low & 0xff);
}

// ---------------------------------------------------------------------------------------------
// MAC addresses (§1.3)

/** The Ethernet broadcast MAC ff:ff:ff:ff:ff:ff. */
export const BROADCAST_MAC = 0xffffffffffff;

/** First MAC octet used by ZeroTier nodes on network `nwid`: low nwid byte, locally administered, unicast, never 0x52. */
export function macFirstOctet(nwid: bigint): number {
  const [, lo] = hiLo(nwid);
  const first = (lo & 0xfe) | 0x02;
  return first === 0x52 ? 0x32 : first;
}

// XOR mask for MAC bytes 1..5 from nwid bits 8..47 (§1.3), returned as [byte1, rest32].
function macMask(nwid: bigint): [number, number] {
  const [hi, lo] = hiLo(nwid);
  const b1 = (lo >>> 8) & 0xff;
  const rest =
    ((((lo >>> 16) & 0xff) << 24) | ((lo >>> 24) << 16) | ((hi & 0xff) << 8) | ((hi >>> 8) & 0xff)) >>> 0;
  return [b1, rest];
}

/** The MAC of node `address` on network `nwid` (§1.3), as a 48-bit number. */
export function macForAddress(address: number, nwid: bigint): number {
  const [b1, rest] = macMask(nwid);
  const aHi = Math.floor(address / TWO32) & 0xff; // MAC byte 1 before the XOR
  const aLo = address >>> 0; // MAC bytes 2..5
  return (macFirstOctet(nwid) * 256 + (aHi ^ b1)) * TWO32 + ((aLo ^ rest) >>> 0);
}

/** The node address behind a ZeroTier MAC on network `nwid` (the reverse of {@link macForAddress}, §1.3). */
export function addressFromMac(mac: number, nwid: bigint): number {
  const [b1, rest] = macMask(nwid);
  const hi = Math.floor(mac / TWO32) & 0xff;
  const lo = mac >>> 0;
  return (hi ^ b1) * TWO32 + ((lo ^ rest) >>> 0);
}

/** True if `mac` looks like another ZeroTier node on `nwid` (first octet matches); otherwise it is bridged (§1.3). */
export function isZeroTierMac(mac: number, nwid: bigint): boolean {
  return Math.floor(mac / 0x10000000000) === macFirstOctet(nwid);
}

/** `aa:bb:cc:dd:ee:ff` (lowercase). */
export function formatMac(mac: number): string {
  const s = mac.toString(16).padStart(12, '0');
  return s.replace(/(..)(?!$)/g, '$1:');
}

/** Parses `aa:bb:cc:dd:ee:ff` (either case; `-` also accepted as separator) into a 48-bit number; `null` otherwise. */
export function parseMac(s: string): number | null {
  if (typeof s !== 'string' || !/^[0-9a-fA-F]{2}([:-][0-9a-fA-F]{2}){5}$/.test(s)) return null;
  return Number.parseInt(s.replace(/[:-]/g, ''), 16);
}

/** The 6 wire bytes of a MAC. */
export function macToBytes(mac: number, out: Uint8Array = new Uint8Array(6), off = 0): Uint8Array {
  const hi = Math.floor(mac / TWO32);
  out[off] = (hi >>> 8) & 0xff;
  out[off + 1] = hi & 0xff;
  out[off + 2] = (mac >>> 24) & 0xff;
  out[off + 3] = (mac >>> 16) & 0xff;
  out[off + 4] = (mac >>> 8) & 0xff;
  out[off + 5] = mac & 0xff;
  return out;
}

/** Reads a 6-byte MAC at `off`. */
export function macFromBytes(b: Uint8Array, off = 0): number {
  return (
    ((b[off] << 8) | b[off + 1]) * TWO32 +
    (((b[off + 2] << 24) | (b[off + 3] << 16) | (b[off + 4] << 8) | b[off + 5]) >>> 0)
  );
}

// ---------------------------------------------------------------------------------------------
// Managed IPv6 addresses (§9.11)

/** Prefix length of RFC4193 addresses (`/88`). */
export const RFC4193_PREFIX_BITS = 88;
/** Prefix length of 6PLANE addresses (`/40`; each host owns a /80). */
export const SIXPLANE_PREFIX_BITS = 40;

function putAddress(out: Uint8Array, off: number, a: number): void {
  const hi = Math.floor(a / TWO32);
  out[off] = hi & 0xff;
  out[off + 1] = (a >>> 24) & 0xff;
  out[off + 2] = (a >>> 16) & 0xff;
  out[off + 3] = (a >>> 8) & 0xff;
  out[off + 4] = a & 0xff;
}

/** RFC4193 address (16 bytes): `fd || nwid[8] || 99 93 || address[5]` (§9.11). */
export function rfc4193Address(nwid: bigint, address: number): Uint8Array {
  const [hi, lo] = hiLo(nwid);
  const b = new Uint8Array(16);
  b[0] = 0xfd;
  new DataView(b.buffer).setUint32(1, hi);
  new DataView(b.buffer).setUint32(5, lo);
  b[9] = 0x99;
  b[10] = 0x93;
  putAddress(b, 11, address);
  return b;
}

/** 6PLANE address (16 bytes): `fc || (nwid ^ nwid>>32)[4] || address[5] || 0×5 || 01` (§9.11). */
export function sixPlaneAddress(nwid: bigint, address: number): Uint8Array {
  const [hi, lo] = hiLo(nwid);
  const b = new Uint8Array(16);
  b[0] = 0xfc;
  new DataView(b.buffer).setUint32(1, (hi ^ lo) >>> 0);
  putAddress(b, 5, address);
  b[15] = 0x01;
  return b;
}

/** RFC4193 address with its /88 prefix length, as an InetAddress (netconf convention: `port` = prefix bits). */
export function rfc4193Inet(nwid: bigint, address: number): InetAddress {
  return { family: 6, ip: rfc4193Address(nwid, address), port: RFC4193_PREFIX_BITS };
}

/** 6PLANE address with its /40 prefix length, as an InetAddress (netconf convention: `port` = prefix bits). */
export function sixPlaneInet(nwid: bigint, address: number): InetAddress {
  return { family: 6, ip: sixPlaneAddress(nwid, address), port: SIXPLANE_PREFIX_BITS };
}

/**
 * If `ip` (16 bytes) is an RFC4193 address of `nwid`, the ZeroTier address in it; else `null`.
 * Used by NDP emulation (§9.11).
 */
export function addressFromRfc4193(ip: Uint8Array, nwid: bigint): number | null {
  if (ip.length !== 16) return null;
  const p = rfc4193Address(nwid, 0);
  for (let i = 0; i < 11; i++) if (ip[i] !== p[i]) return null;
  return ip[11] * TWO32 + (((ip[12] << 24) | (ip[13] << 16) | (ip[14] << 8) | ip[15]) >>> 0);
}

/** If `ip` (16 bytes) is in the 6PLANE /40 of `nwid`, the ZeroTier address in it; else `null` (§9.11). */
export function addressFromSixPlane(ip: Uint8Array, nwid: bigint): number | null {
  if (ip.length !== 16) return null;
  const p = sixPlaneAddress(nwid, 0);
  for (let i = 0; i < 5; i++) if (ip[i] !== p[i]) return null;
  return ip[5] * TWO32 + (((ip[6] << 24) | (ip[7] << 16) | (ip[8] << 8) | ip[9]) >>> 0);
}

// ---------------------------------------------------------------------------------------------
// Multicast groups (§1.4)

/** A multicast group: 48-bit MAC plus 32-bit "additional distinguishing information". */
export interface MulticastGroup {
  readonly mac: number;
  readonly adi: number;
}

/** Wire size of a multicast group: MAC[6] || ADI[4]. */
export const MULTICAST_GROUP_LEN = 10;

/** The broadcast group (ff:ff:ff:ff:ff:ff, ADI 0), §1.4. */
export const BROADCAST_GROUP: MulticastGroup = Object.freeze({ mac: BROADCAST_MAC, adi: 0 });

/** The ARP group of an IPv4 address: broadcast MAC, ADI = the address as a big-endian u32 (§1.4). */
export function arpGroup(ipv4: Uint8Array): MulticastGroup {
  if (ipv4.length !== 4) throw new RangeError('arpGroup: IPv4 address must be 4 bytes');
  return { mac: BROADCAST_MAC, adi: ((ipv4[0] << 24) | (ipv4[1] << 16) | (ipv4[2] << 8) | ipv4[3]) >>> 0 };
}

/** The IPv6 solicited-node group of an address: MAC 33:33:ff + its last three bytes, ADI 0 (§1.4). */
export function solicitedNodeGroup(ipv6: Uint8Array): MulticastGroup {
  if (ipv6.length !== 16) throw new RangeError('solicitedNodeGroup: IPv6 address must be 16 bytes');
  return { mac: 0x3333ff000000 + ((ipv6[13] << 16) | (ipv6[14] << 8) | ipv6[15]), adi: 0 };
}

/**
 * The group for an IPv4 multicast destination (224.0.0.0/4): MAC 01:00:5e + the low 23 bits
 * of the address (RFC 1112 §6.4), ADI 0 as for any OS-level multicast MAC (§1.4).
 */
export function ipv4MulticastGroup(ipv4: Uint8Array): MulticastGroup {
  if (ipv4.length !== 4) throw new RangeError('ipv4MulticastGroup: IPv4 address must be 4 bytes');
  return { mac: 0x01005e000000 + (((ipv4[1] & 0x7f) << 16) | (ipv4[2] << 8) | ipv4[3]), adi: 0 };
}

/** The group for an IPv6 multicast destination (ff00::/8): MAC 33:33 + its last 4 bytes (RFC 2464 §7), ADI 0. */
export function ipv6MulticastGroup(ipv6: Uint8Array): MulticastGroup {
  if (ipv6.length !== 16) throw new RangeError('ipv6MulticastGroup: IPv6 address must be 16 bytes');
  return {
    mac: 0x3333 * TWO32 + (((ipv6[12] << 24) | (ipv6[13] << 16) | (ipv6[14] << 8) | ipv6[15]) >>> 0),
    adi: 0,
  };
}

/** Writes `MAC[6] || ADI[4]` (ADI big-endian). */
export function encodeMulticastGroup(w: Writer, g: MulticastGroup): void {
  const hi = Math.floor(g.mac / TWO32);
  w.u16(hi & 0xffff);
  w.u32(g.mac >>> 0);
  w.u32(g.adi >>> 0);
}

/** Reads `MAC[6] || ADI[4]`; fails with `'mg-truncated'` if fewer than 10 bytes remain. */
export function decodeMulticastGroup(r: Reader): Decoded<MulticastGroup> {
  const hi = r.u16();
  const lo = r.u32();
  const adi = r.u32();
  if (r.overrun) return fail('mg-truncated');
  return ok({ mac: hi * TWO32 + lo, adi });
}

/** Orders groups by MAC then ADI (§1.4); returns <0, 0 or >0. */
export function compareMulticastGroups(a: MulticastGroup, b: MulticastGroup): number {
  return a.mac !== b.mac ? (a.mac < b.mac ? -1 : 1) : a.adi !== b.adi ? (a.adi < b.adi ? -1 : 1) : 0;
}

/** `mac/adi` text form used in logs and the service API (e.g. `ff:ff:ff:ff:ff:ff/0a010203`). */
export function formatMulticastGroup(g: MulticastGroup): string {
  return `${formatMac(g.mac)}/${(g.adi >>> 0).toString(16).padStart(8, '0')}`;
}
