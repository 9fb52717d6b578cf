/**
 * ICMPv6 (RFC 4443): the same 8-byte header shape as ICMPv4, but the checksum also covers the IPv6
 * pseudo-header (RFC 4443 §2.3, RFC 8200 §8.1). Error mapping per RFC 4443 §3 and RFC 4443 §2.4.
 * @module
 */

import type { Decoded } from '../../util/result.ts';
import type { IcmpErrorKind } from '../types.ts';
import { pseudoHeaderSum } from './checksum.ts';
import type { IcmpMessage } from './icmpv4.ts';
import { emitIcmpMessage, ICMP_HEADER_LEN, parseIcmpMessage } from './icmpv4.ts';
import { IPPROTO_ICMPV6 } from './ipv4.ts';

/** ICMPv6 message types used by the stack (RFC 4443, RFC 4861). */
export const ICMPV6 = {
  DEST_UNREACHABLE: 1,
  PACKET_TOO_BIG: 2,
  TIME_EXCEEDED: 3,
  PARAMETER_PROBLEM: 4,
  ECHO_REQUEST: 128,
  ECHO_REPLY: 129,
  ROUTER_SOLICITATION: 133,
  ROUTER_ADVERTISEMENT: 134,
  NEIGHBOR_SOLICITATION: 135,
  NEIGHBOR_ADVERTISEMENT: 136,
  REDIRECT: 137,
} as const;

/** Destination Unreachable code 4: port unreachable (RFC 4443 §3.1). */
export const UNREACH6_PORT = 4;

/** Parses an ICMPv6 message from `src` to `dst` and verifies its checksum. Never throws. */
export function parseIcmpv6(b: Uint8Array, src: Uint8Array, dst: Uint8Array): Decoded<IcmpMessage> {
  return parseIcmpMessage(b, pseudoHeaderSum(src, dst, IPPROTO_ICMPV6, b.length));
}

/** Builds an ICMPv6 message from `src` to `dst` (header + copy of `body`) with its checksum. */
export function emitIcmpv6(
  type: number,
  code: number,
  rest: number,
  body: Uint8Array,
  src: Uint8Array,
  dst: Uint8Array,
): Uint8Array {
  const len = ICMP_HEADER_LEN + body.length;
  return emitIcmpMessage(type, code, rest, body, pseudoHeaderSum(src, dst, IPPROTO_ICMPV6, len));
}

/** True for error messages (types 0..127, RFC 4443 §2.1): never answered with an error. */
export function isIcmpv6Error(type: number): boolean {
  return type < 128;
}

/** Maps an ICMPv6 error to the transport-facing kind, or null for types a transport ignores. */
export function icmpv6ErrorKind(type: number, code: number): IcmpErrorKind | null {
  switch (type) {
    case ICMPV6.DEST_UNREACHABLE:
      if (code === 0) return 'net-unreachable';
      if (code === 1 || code === 5 || code === 6) return 'admin-prohibited';
      if (code === UNREACH6_PORT) return 'port-unreachable';
      return 'host-unreachable';
    case ICMPV6.PACKET_TOO_BIG:
      return 'frag-needed';
    case ICMPV6.TIME_EXCEEDED:
      return 'time-exceeded';
    case ICMPV6.PARAMETER_PROBLEM:
      // Code 1, "unrecognized Next Header", is IPv6's protocol unreachable (RFC 4443 §3.4).
      return code === 1 ? 'protocol-unreachable' : 'parameter-problem';
    default:
      return null;
  }
}
