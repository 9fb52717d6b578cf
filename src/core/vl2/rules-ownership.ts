/**
 * MATCH_CHARACTERISTICS (protocol.md §8.8): the u64 of frame characteristics — direction,
 * multicast/broadcast destination, "sender IP/MAC authenticated" (certificates of ownership and
 * NDP-emulated addresses, §8.6, §9.11) and the TCP flags.
 * @module
 */

import { rfc4193Address, sixPlaneAddress } from '../../protocol/address.ts';
import { Characteristics } from '../../protocol/rules.ts';
import {
  ETHERTYPE_ARP,
  ETHERTYPE_IPV4,
  ETHERTYPE_IPV6,
  IPV4_MIN_HEADER,
  IPV6_HEADER,
  ipv4HeaderLength,
  ipv6Payload,
  ipv6PayloadPos,
  ipv6PayloadProto,
  isMulticastMac,
  V4,
  V6,
} from './frame-classify.ts';
import type { RulesContext } from './rules-engine.ts';
import type { OwnershipLike, RulesConfig } from './rules-types.ts';

/** COO thing types (§8.6). */
const THING_MAC = 1;
const THING_IPV4 = 2;
const THING_IPV6 = 3;

/** Netconf flag 0x4: NDP emulation (§8.2). */
const FLAG_NDP_EMULATION = 0x4;

/** Ownership bits as plain numbers (the two bits of the u64 at 2^60 and 2^59, cached in the context). */
const OWN_IP = 1;
const OWN_MAC = 2;

const BROADCAST = 0xffffffffffff;

/**
 * True if IPv6 `ip` (16 bytes at `off`) is inside an NDP-emulated prefix of OUR assigned
 * addresses: the /40 of our 6PLANE address or the /88 of our RFC4193 address, when NDP emulation
 * is on and that address is assigned to us (§8.8, §9.11). Such addresses cannot be spoofed
 * across ZeroTier because they embed the sender's ZeroTier address, so 1.14 treats them as owned.
 */
export function isNdpEmulatedPrefix(config: RulesConfig, ip: Uint8Array, off = 0): boolean {
  if ((config.flags & FLAG_NDP_EMULATION) === 0) return false;
  const six = sixPlaneAddress(config.networkId, config.issuedTo);
  const rfc = rfc4193Address(config.networkId, config.issuedTo);
  if (hasStaticIp(config, six) && samePrefix(six, ip, off, 5)) return true;
  if (hasStaticIp(config, rfc) && samePrefix(rfc, ip, off, 11)) return true;
  return false;
}

function hasStaticIp(config: RulesConfig, ip: Uint8Array): boolean {
  for (const a of config.staticIps) if (a.family === 6 && samePrefix(ip, a.ip, 0, 16)) return true;
  return false;
}

function samePrefix(a: Uint8Array, b: Uint8Array, off: number, n: number): boolean {
  if (b.length < off + n) return false;
  for (let i = 0; i < n; i++) if (a[i] !== b[off + i]) return false;
  return true;
}

function anyOwns(coos: readonly OwnershipLike[], type: number, bytes: Uint8Array): boolean {
  for (const c of coos) if (c.owns(type, bytes)) return true;
  return false;
}

const macBytes = new Uint8Array(6);

/**
 * The "sender IP authenticated" / "sender MAC authenticated" bits (§8.8) as {@link OWN_IP} |
 * {@link OWN_MAC}. The source IP is the IPv4 source, the ARP sender IP (offset 14), the IPv6
 * source, or for an NA (ICMPv6 136) its target; an NS (135) is always authenticated (it has no
 * reliable source). Inbound checks the sender's COOs and the NDP-emulated prefixes; outbound our
 * own COOs.
 */
export function ownershipBits(ctx: RulesContext): number {
  const f = ctx.frame;
  const len = f.length;
  const et = ctx.etherType;
  let bits = 0;
  let ipType = 0;
  let ipOff = 0;
  if (et === ETHERTYPE_IPV4 && len >= IPV4_MIN_HEADER) {
    ipType = THING_IPV4;
    ipOff = V4.SRC;
  } else if (et === ETHERTYPE_IPV6 && len >= IPV6_HEADER) {
    if (len >= 40 + 8 + 16 && f[V6.NEXT_HEADER] === 58 && (f[40] === 135 || f[40] === 136)) {
      if (f[40] === 135) bits |= OWN_IP;
      else {
        ipType = THING_IPV6;
        ipOff = 48;
      }
    } else {
      ipType = THING_IPV6;
      ipOff = V6.SRC;
    }
  } else if (et === ETHERTYPE_ARP && len >= 28) {
    ipType = THING_IPV4;
    ipOff = 14;
  }
  const ip = ipType === 0 ? null : f.subarray(ipOff, ipOff + (ipType === THING_IPV4 ? 4 : 16));
  const mac = macToBuf(ctx.macSource);
  if (ctx.inbound) {
    const peer = ctx.peer;
    if (peer !== null) {
      if (
        ip !== null &&
        (anyOwns(peer.coos, ipType, ip) || (ipType === THING_IPV6 && isNdpEmulatedPrefix(ctx.config, ip)))
      )
        bits |= OWN_IP;
      if (anyOwns(peer.coos, THING_MAC, mac)) bits |= OWN_MAC;
    }
  } else {
    const coos = ctx.config.certificatesOfOwnership;
    if (ip !== null && anyOwns(coos, ipType, ip)) bits |= OWN_IP;
    if (anyOwns(coos, THING_MAC, mac)) bits |= OWN_MAC;
  }
  return bits;
}

function macToBuf(mac: number): Uint8Array {
  const hi = Math.floor(mac / 0x100000000);
  macBytes[0] = (hi >>> 8) & 0xff;
  macBytes[1] = hi & 0xff;
  macBytes[2] = (mac >>> 24) & 0xff;
  macBytes[3] = (mac >>> 16) & 0xff;
  macBytes[4] = (mac >>> 8) & 0xff;
  macBytes[5] = mac & 0xff;
  return macBytes;
}

/** The TCP flags (low 12 bits: 3 reserved bits, NS, CWR … FIN) of an IPv4 or IPv6 TCP frame, else 0. */
export function tcpFlagBits(etherType: number, f: Uint8Array): number {
  let pos = -1;
  if (etherType === ETHERTYPE_IPV4 && f.length >= IPV4_MIN_HEADER && f[V4.PROTOCOL] === 6)
    pos = ipv4HeaderLength(f);
  else if (etherType === ETHERTYPE_IPV6) {
    const p = ipv6Payload(f);
    if (p >= 0 && ipv6PayloadProto(p) === 6) pos = ipv6PayloadPos(p);
  }
  if (pos < 0 || f.length < pos + 14) return 0;
  return ((f[pos + 12] & 0x0f) << 8) | f[pos + 13];
}

/** The full characteristics u64 of the frame in `ctx` (ownership bits cached in `ctx.ownership`). */
export function characteristicsOf(ctx: RulesContext): bigint {
  let cf = ctx.inbound ? Characteristics.INBOUND : 0n;
  if (isMulticastMac(ctx.macDest)) cf |= Characteristics.MULTICAST;
  if (ctx.macDest === BROADCAST) cf |= Characteristics.BROADCAST;
  if (ctx.ownership < 0) ctx.ownership = ownershipBits(ctx);
  if (ctx.ownership & OWN_IP) cf |= Characteristics.SENDER_IP_AUTHENTICATED;
  if (ctx.ownership & OWN_MAC) cf |= Characteristics.SENDER_MAC_AUTHENTICATED;
  return cf | BigInt(tcpFlagBits(ctx.etherType, ctx.frame));
}
