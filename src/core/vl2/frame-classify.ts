/**
 * Small, allocation-free readers over an Ethernet payload that VL2 needs to classify a frame:
 * the IPv6 upper-layer protocol behind extension headers (used by the rules engine, protocol.md
 * §8.8), the "ARP request to broadcast" special case of multicast sending (§1.4) and the multicast
 * group an outgoing frame goes to.
 *
 * Every function takes the Ethernet *payload* (the bytes after the 14-byte header, which is what
 * FRAME carries, §6.7) plus the ethertype, and never throws: out-of-range reads are checked.
 * @module
 */

import { BROADCAST_MAC, type MulticastGroup } from '../../protocol/address.ts';

/** EtherType of IPv4. */
export const ETHERTYPE_IPV4 = 0x0800;
/** EtherType of ARP. */
export const ETHERTYPE_ARP = 0x0806;
/** EtherType of IPv6. */
export const ETHERTYPE_IPV6 = 0x86dd;

/** Minimum IPv4 header the rules engine reads (§8.8: "length ≥ 20"). */
export const IPV4_MIN_HEADER = 20;
/** The fixed IPv6 header (§8.8: "length ≥ 40"). */
export const IPV6_HEADER = 40;

/** IPv4 header offsets (RFC 791) the rules engine reads. */
export const V4 = { VER_IHL: 0, TOS: 1, PROTOCOL: 9, SRC: 12, DST: 16 } as const;
/** IPv6 header offsets (RFC 8200). */
export const V6 = { NEXT_HEADER: 6, SRC: 8, DST: 24 } as const;

/**
 * Extension headers the reference walks over (§8.8): hop-by-hop (0), routing (43), destination
 * options (60) and mobility (135); each is `(len + 1) * 8` bytes. Fragment (44), ESP/AH and
 * anything else end the walk: that header is then "the protocol".
 */
function isWalkedExtension(nh: number): boolean {
  return nh === 0 || nh === 43 || nh === 60 || nh === 135;
}

/**
 * Where the IPv6 upper-layer header starts and its protocol number, encoded as
 * `pos * 256 + proto` (one number, no allocation on the per-frame path), or -1 when the frame is
 * shorter than 40 bytes or an extension header runs past the end (§8.8: "overflow → invalid").
 * Use {@link ipv6PayloadPos} / {@link ipv6PayloadProto} to split it.
 */
export function ipv6Payload(frame: Uint8Array): number {
  const len = frame.length;
  if (len < IPV6_HEADER) return -1;
  let pos = IPV6_HEADER;
  let proto = frame[V6.NEXT_HEADER];
  while (pos <= len) {
    if (!isWalkedExtension(proto)) return pos * 256 + proto;
    if (pos + 8 > len) return -1;
    proto = frame[pos];
    pos += frame[pos + 1] * 8 + 8;
  }
  return -1; // walked past the end
}

/** Offset part of an {@link ipv6Payload} result. */
export function ipv6PayloadPos(p: number): number {
  return Math.floor(p / 256);
}

/** Protocol part of an {@link ipv6Payload} result. */
export function ipv6PayloadProto(p: number): number {
  return p & 0xff;
}

/** IPv4 header length from the IHL nibble (bytes). */
export function ipv4HeaderLength(frame: Uint8Array): number {
  return (frame[V4.VER_IHL] & 0x0f) * 4;
}

/**
 * The ADI of an ARP request sent to broadcast (§1.4): when the payload is an Ethernet/IPv4 ARP
 * request (length ≥ 28, ptype 0x0800, hlen 6, plen 4, oper low byte 1), the target protocol
 * address (bytes 24..27) as a big-endian u32; otherwise -1.
 */
export function arpRequestAdi(etherType: number, frame: Uint8Array): number {
  if (etherType !== ETHERTYPE_ARP || frame.length < 28) return -1;
  if (frame[2] !== 0x08 || frame[3] !== 0x00 || frame[4] !== 6 || frame[5] !== 4 || frame[7] !== 0x01)
    return -1;
  return ((frame[24] << 24) | (frame[25] << 16) | (frame[26] << 8) | frame[27]) >>> 0;
}

/** True for a multicast/broadcast MAC (group bit set in the first octet). */
export function isMulticastMac(mac: number): boolean {
  return Math.floor(mac / 0x10000000000) % 2 === 1;
}

/**
 * The multicast group an outgoing frame to multicast MAC `destMac` is sent to (§1.4): an ARP
 * request to broadcast goes to (ff:ff:ff:ff:ff:ff, target IPv4); every other group uses ADI 0.
 * Returns null for a unicast destination.
 */
export function outgoingMulticastGroup(
  destMac: number,
  etherType: number,
  frame: Uint8Array,
): MulticastGroup | null {
  if (!isMulticastMac(destMac)) return null;
  if (destMac === BROADCAST_MAC) {
    const adi = arpRequestAdi(etherType, frame);
    if (adi >= 0) return { mac: BROADCAST_MAC, adi };
  }
  return { mac: destMac, adi: 0 };
}
