/**
 * Hand-built Ethernet payloads for the VL2 tests (rules engine, filter, NDP emulation), made with
 * the stack's wire emitters so the bytes are real IPv4/IPv6/ARP/TCP/UDP/ICMP. Test support only.
 * @module
 */

import { emitArp } from '../../stack/wire/arp.ts';
import { emitIcmpv4 } from '../../stack/wire/icmpv4.ts';
import { emitIcmpv6 } from '../../stack/wire/icmpv6.ts';
import { parseIp } from '../../stack/wire/ip-address.ts';
import { emitIpv4Header } from '../../stack/wire/ipv4.ts';
import { emitIpv6Header } from '../../stack/wire/ipv6.ts';
import { emitNeighborMessage } from '../../stack/wire/ndp.ts';
import { encodeTcp } from '../../stack/wire/tcp.ts';
import { emitUdp } from '../../stack/wire/udp.ts';

/** Address from text (throws on a typo: test support). */
export function ip(s: string): Uint8Array {
  const a = parseIp(s);
  if (a === null) throw new TypeError(`bad ip ${s}`);
  return a;
}

/** An IPv4 packet carrying `payload` with protocol `proto`. */
export function ipv4(src: string, dst: string, proto: number, payload: Uint8Array, tos = 0): Uint8Array {
  const b = new Uint8Array(20 + payload.length);
  emitIpv4Header({ totalLen: b.length, ident: 1, protocol: proto, src: ip(src), dst: ip(dst), tos }, b, 0);
  b.set(payload, 20);
  return b;
}

/** An IPv6 packet; `ext` (already-encoded extension headers) sits between the header and `payload`. */
export function ipv6(
  src: string,
  dst: string,
  nextHeader: number,
  payload: Uint8Array,
  opts: { trafficClass?: number; ext?: Uint8Array } = {},
): Uint8Array {
  const ext = opts.ext ?? new Uint8Array(0);
  const b = new Uint8Array(40 + ext.length + payload.length);
  emitIpv6Header(
    {
      payloadLen: ext.length + payload.length,
      nextHeader,
      src: ip(src),
      dst: ip(dst),
      trafficClass: opts.trafficClass ?? 0,
      hopLimit: 64,
    },
    b,
    0,
  );
  b.set(ext, 40);
  b.set(payload, 40 + ext.length);
  return b;
}

/** A UDP datagram in IPv4. */
export function udp4(src: string, dst: string, sport: number, dport: number, tos = 0): Uint8Array {
  return ipv4(src, dst, 17, emitUdp(sport, dport, new Uint8Array([1, 2, 3, 4]), ip(src), ip(dst)), tos);
}

/** A TCP segment with `flags` in IPv4. */
export function tcp4(src: string, dst: string, sport: number, dport: number, flags: number): Uint8Array {
  return ipv4(src, dst, 6, encodeTcp({ srcPort: sport, dstPort: dport, seq: 1, flags }, ip(src), ip(dst)));
}

/** An ICMP message in IPv4. */
export function icmp4(src: string, dst: string, type: number, code: number): Uint8Array {
  return ipv4(src, dst, 1, emitIcmpv4(type, code, 0, new Uint8Array(8)));
}

/** A UDP datagram in IPv6 (optionally behind extension headers). */
export function udp6(
  src: string,
  dst: string,
  sport: number,
  dport: number,
  opts: { trafficClass?: number; ext?: Uint8Array; extFirst?: number } = {},
): Uint8Array {
  const u = emitUdp(sport, dport, new Uint8Array([9, 9]), ip(src), ip(dst));
  return ipv6(src, dst, opts.ext ? (opts.extFirst ?? 0) : 17, u, opts);
}

/** A TCP segment in IPv6. */
export function tcp6(src: string, dst: string, sport: number, dport: number, flags: number): Uint8Array {
  return ipv6(src, dst, 6, encodeTcp({ srcPort: sport, dstPort: dport, seq: 1, flags }, ip(src), ip(dst)));
}

/** An ICMPv6 message. */
export function icmp6(
  src: string,
  dst: string,
  type: number,
  code: number,
  body = new Uint8Array(8),
): Uint8Array {
  return ipv6(src, dst, 58, emitIcmpv6(type, code, 0, body, ip(src), ip(dst)));
}

/** A Neighbor Solicitation for `target` (RFC 4861 §4.3) from `src` with source link-layer option `mac`. */
export function neighborSolicitation(
  src: string,
  dst: string,
  target: Uint8Array,
  mac: Uint8Array,
): Uint8Array {
  const body = emitNeighborMessage(target, 1, mac);
  return ipv6(src, dst, 58, emitIcmpv6(135, 0, 0, body, ip(src), ip(dst)));
}

/** A Neighbor Advertisement for `target`. */
export function neighborAdvertisement(
  src: string,
  dst: string,
  target: Uint8Array,
  mac: Uint8Array,
): Uint8Array {
  const body = emitNeighborMessage(target, 2, mac);
  return ipv6(src, dst, 58, emitIcmpv6(136, 0, 0x60000000, body, ip(src), ip(dst)));
}

/** An 8-byte extension header (hop-by-hop / destination options with PadN) whose next header is `next`. */
export function extHeader(next: number, lenUnits = 0): Uint8Array {
  const b = new Uint8Array((lenUnits + 1) * 8);
  b[0] = next;
  b[1] = lenUnits;
  b[2] = 1; // PadN
  b[3] = b.length - 4;
  return b;
}

/** An ARP request (28 bytes) from `senderIp` asking for `targetIp`. */
export function arpRequest(senderMac: Uint8Array, senderIp: string, targetIp: string): Uint8Array {
  const b = new Uint8Array(28);
  emitArp(
    { operation: 1, senderMac, senderIp: ip(senderIp), targetMac: new Uint8Array(6), targetIp: ip(targetIp) },
    b,
    0,
  );
  return b;
}
