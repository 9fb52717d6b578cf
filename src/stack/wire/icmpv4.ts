/**
 * ICMP for IPv4 (RFC 792): the 8-byte header (type, code, checksum, 4 "rest of header" bytes) and the
 * mapping of error types to what a transport cares about (RFC 1122 §3.2.2, §4.2.3.9).
 * @module
 */

import type { Decoded } from '../../util/result.ts';
import { fail, ok } from '../../util/result.ts';
import type { IcmpErrorKind } from '../types.ts';
import { finishChecksum, sumWords } from './checksum.ts';

/** Length of the ICMP header (type, code, checksum, rest-of-header). */
export const ICMP_HEADER_LEN = 8;

/** ICMPv4 message types used by the stack (RFC 792). */
export const ICMPV4 = {
  ECHO_REPLY: 0,
  DEST_UNREACHABLE: 3,
  REDIRECT: 5,
  ECHO_REQUEST: 8,
  TIME_EXCEEDED: 11,
  PARAMETER_PROBLEM: 12,
} as const;

/** Destination Unreachable codes (RFC 792, RFC 1122 §3.2.2.1, RFC 1812 §5.2.7.1). */
export const UNREACH = {
  NET: 0,
  HOST: 1,
  PROTOCOL: 2,
  PORT: 3,
  FRAG_NEEDED: 4,
  ADMIN: 13,
} as const;

/** A parsed ICMP message; `body` (after the 8-byte header) is a view. */
export interface IcmpMessage {
  readonly type: number;
  readonly code: number;
  /** Bytes 4..7 as a big-endian u32 (echo id/seq, next-hop MTU, pointer). */
  readonly rest: number;
  readonly body: Uint8Array;
}

/**
 * Parses the 8-byte header both ICMP versions share (RFC 792, RFC 4443 §2.1) and verifies the
 * checksum, summed from `initialSum` (0 for ICMPv4, the IPv6 pseudo-header sum for ICMPv6,
 * RFC 4443 §2.3). Never throws.
 */
export function parseIcmpMessage(b: Uint8Array, initialSum: number): Decoded<IcmpMessage> {
  if (b.length < ICMP_HEADER_LEN) return fail('truncated');
  if (finishChecksum(sumWords(b, 0, b.length, initialSum)) !== 0) return fail('bad-checksum');
  return ok({
    type: b[0],
    code: b[1],
    rest: ((b[4] << 24) | (b[5] << 16) | (b[6] << 8) | b[7]) >>> 0,
    body: b.subarray(ICMP_HEADER_LEN),
  });
}

/**
 * Builds an ICMP message (header + copy of `body`) whose checksum is summed from `initialSum`
 * (0 for ICMPv4, the IPv6 pseudo-header sum for ICMPv6).
 */
export function emitIcmpMessage(
  type: number,
  code: number,
  rest: number,
  body: Uint8Array,
  initialSum: number,
): Uint8Array {
  const b = new Uint8Array(ICMP_HEADER_LEN + body.length);
  b[0] = type;
  b[1] = code;
  b[4] = (rest >>> 24) & 0xff;
  b[5] = (rest >>> 16) & 0xff;
  b[6] = (rest >>> 8) & 0xff;
  b[7] = rest & 0xff;
  b.set(body, ICMP_HEADER_LEN);
  const c = finishChecksum(sumWords(b, 0, b.length, initialSum));
  b[2] = c >> 8;
  b[3] = c & 0xff;
  return b;
}

/** Parses an ICMPv4 message and verifies its checksum. Never throws. */
export function parseIcmpv4(b: Uint8Array): Decoded<IcmpMessage> {
  return parseIcmpMessage(b, 0);
}

/** Builds an ICMPv4 message (header + copy of `body`) with its checksum. */
export function emitIcmpv4(type: number, code: number, rest: number, body: Uint8Array): Uint8Array {
  return emitIcmpMessage(type, code, rest, body, 0);
}

/** True for the types that report an error about a datagram (and so must never be answered with one, RFC 1122 §3.2.2). */
export function isIcmpv4Error(type: number): boolean {
  return (
    type === ICMPV4.DEST_UNREACHABLE ||
    type === ICMPV4.TIME_EXCEEDED ||
    type === ICMPV4.PARAMETER_PROBLEM ||
    type === 4 /* source quench */ ||
    type === 5 /* redirect */
  );
}

/** Maps an ICMPv4 error to the transport-facing kind, or null for types a transport ignores. */
export function icmpv4ErrorKind(type: number, code: number): IcmpErrorKind | null {
  if (type === ICMPV4.TIME_EXCEEDED) return 'time-exceeded';
  if (type === ICMPV4.PARAMETER_PROBLEM) return 'parameter-problem';
  if (type !== ICMPV4.DEST_UNREACHABLE) return null;
  switch (code) {
    case UNREACH.NET:
    case 6: // destination network unknown
    case 11: // network unreachable for TOS
      return 'net-unreachable';
    case UNREACH.PROTOCOL:
      return 'protocol-unreachable';
    case UNREACH.PORT:
      return 'port-unreachable';
    case UNREACH.FRAG_NEEDED:
      return 'frag-needed';
    case 9:
    case 10:
    case UNREACH.ADMIN:
      return 'admin-prohibited';
    default:
      return 'host-unreachable';
  }
}
