/**
 * Building outgoing frames: one IPv4/IPv6 datagram becomes one Ethernet frame, or several fragments when it
 * does not fit the path MTU (IPv4: RFC 791 §3.2 / RFC 815; IPv6: source fragmentation, RFC 8200 §4.5).
 * Pure functions: the payload is copied exactly once, into the frame that carries it. Frames whose
 * destination MAC is not known yet get zeros there; the neighbour cache fills them in when it resolves.
 * @module
 */

import { ETH_HEADER_LEN, ETHERTYPE_IPV4, ETHERTYPE_IPV6, writeEthernetHeader } from '../wire/ethernet.ts';
import { emitIpv4Header, IPV4_HEADER_LEN } from '../wire/ipv4.ts';
import {
  emitIpv6FragmentHeader,
  emitIpv6Header,
  IPV6_FRAG_HEADER_LEN,
  IPV6_HEADER_LEN,
  NH_FRAGMENT,
} from '../wire/ipv6.ts';

const ZERO_MAC = new Uint8Array(6);

/** What every datagram needs. */
export interface DatagramFields {
  protocol: number;
  src: Uint8Array;
  dst: Uint8Array;
  /** TTL / hop limit. */
  ttl: number;
  /** TOS / traffic class. */
  tos: number;
}

/** Writes the IPv4 header of a datagram (or of one of its fragments) with `f`'s addresses, TTL and TOS. */
function writeIpv4Header(
  f: DatagramFields,
  ident: number,
  totalLen: number,
  dontFragment: boolean,
  moreFragments: boolean,
  fragOffset: number,
  buf: Uint8Array,
  off: number,
): void {
  const h = {
    totalLen,
    ident,
    protocol: f.protocol,
    src: f.src,
    dst: f.dst,
    ttl: f.ttl,
    tos: f.tos,
    dontFragment,
    moreFragments,
    fragOffset,
  };
  emitIpv4Header(h, buf, off);
}

/** Writes the fixed IPv6 header with `f`'s addresses, hop limit and traffic class. */
function writeIpv6Header(
  f: DatagramFields,
  payloadLen: number,
  nextHeader: number,
  buf: Uint8Array,
  off: number,
): void {
  const h = { payloadLen, nextHeader, src: f.src, dst: f.dst, hopLimit: f.ttl, trafficClass: f.tos };
  emitIpv6Header(h, buf, off);
}

/**
 * The frames of one IPv4 datagram. Fragments when `20 + payload` exceeds `mtu` (every fragment but the last
 * carries a multiple of 8 bytes); the caller has already refused that when Don't Fragment is wanted.
 */
export function buildIpv4Frames(
  f: DatagramFields,
  ident: number,
  dontFragment: boolean,
  payload: Uint8Array,
  mtu: number,
  dstMac: Uint8Array | null,
  srcMac: Uint8Array,
): Uint8Array[] {
  const total = IPV4_HEADER_LEN + payload.length;
  if (total <= mtu) {
    // The per-segment path (TCP): one allocation, one copy, no intermediate objects beyond the header fields.
    const fr = new Uint8Array(ETH_HEADER_LEN + total);
    writeEthernetHeader(fr, 0, dstMac ?? ZERO_MAC, srcMac, ETHERTYPE_IPV4);
    writeIpv4Header(f, ident, total, dontFragment, false, 0, fr, ETH_HEADER_LEN);
    fr.set(payload, ETH_HEADER_LEN + IPV4_HEADER_LEN);
    return [fr];
  }
  const chunk = (mtu - IPV4_HEADER_LEN) & ~7;
  const frames: Uint8Array[] = [];
  for (let off = 0; off < payload.length; off += chunk) {
    const n = Math.min(chunk, payload.length - off);
    const fr = new Uint8Array(ETH_HEADER_LEN + IPV4_HEADER_LEN + n);
    writeEthernetHeader(fr, 0, dstMac ?? ZERO_MAC, srcMac, ETHERTYPE_IPV4);
    writeIpv4Header(f, ident, IPV4_HEADER_LEN + n, false, off + n < payload.length, off, fr, ETH_HEADER_LEN);
    fr.set(payload.subarray(off, off + n), ETH_HEADER_LEN + IPV4_HEADER_LEN);
    frames.push(fr);
  }
  return frames;
}

/** The frames of one IPv6 packet; `ident` is used only when it must be fragmented. */
export function buildIpv6Frames(
  f: DatagramFields,
  ident: number,
  payload: Uint8Array,
  mtu: number,
  dstMac: Uint8Array | null,
  srcMac: Uint8Array,
): Uint8Array[] {
  if (IPV6_HEADER_LEN + payload.length <= mtu) {
    const fr = new Uint8Array(ETH_HEADER_LEN + IPV6_HEADER_LEN + payload.length);
    writeEthernetHeader(fr, 0, dstMac ?? ZERO_MAC, srcMac, ETHERTYPE_IPV6);
    writeIpv6Header(f, payload.length, f.protocol, fr, ETH_HEADER_LEN);
    fr.set(payload, ETH_HEADER_LEN + IPV6_HEADER_LEN);
    return [fr];
  }
  const head = ETH_HEADER_LEN + IPV6_HEADER_LEN + IPV6_FRAG_HEADER_LEN;
  const chunk = (mtu - IPV6_HEADER_LEN - IPV6_FRAG_HEADER_LEN) & ~7;
  const frames: Uint8Array[] = [];
  for (let off = 0; off < payload.length; off += chunk) {
    const n = Math.min(chunk, payload.length - off);
    const fr = new Uint8Array(head + n);
    writeEthernetHeader(fr, 0, dstMac ?? ZERO_MAC, srcMac, ETHERTYPE_IPV6);
    writeIpv6Header(f, IPV6_FRAG_HEADER_LEN + n, NH_FRAGMENT, fr, ETH_HEADER_LEN);
    emitIpv6FragmentHeader(
      f.protocol,
      off,
      off + n < payload.length,
      ident,
      fr,
      ETH_HEADER_LEN + IPV6_HEADER_LEN,
    );
    fr.set(payload.subarray(off, off + n), head);
    frames.push(fr);
  }
  return frames;
}

/** A bare IP packet (no Ethernet header) for delivery to ourselves. */
export function buildLoopbackPacket(f: DatagramFields, ident: number, payload: Uint8Array): Uint8Array {
  if (f.dst.length === 4) {
    const p = new Uint8Array(IPV4_HEADER_LEN + payload.length);
    writeIpv4Header(f, ident, p.length, false, false, 0, p, 0);
    p.set(payload, IPV4_HEADER_LEN);
    return p;
  }
  const p = new Uint8Array(IPV6_HEADER_LEN + payload.length);
  writeIpv6Header(f, payload.length, f.protocol, p, 0);
  p.set(payload, IPV6_HEADER_LEN);
  return p;
}
