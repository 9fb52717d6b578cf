/**
 * ARP for IPv4 over Ethernet (RFC 826). Only hardware type 1 (Ethernet, 6-byte addresses) with protocol
 * type 0x0800 (IPv4, 4-byte addresses) is meaningful on a ZeroTier network (protocol.md §1.4 relies on
 * exactly this 28-byte layout to turn ARP requests into multicasts).
 * @module
 */

import type { Decoded } from '../../util/result.ts';
import { fail, ok } from '../../util/result.ts';

/** Field offsets of the Ethernet/IPv4 form. */
const F = { HTYPE: 0, PTYPE: 2, HLEN: 4, PLEN: 5, OPER: 6, SHA: 8, SPA: 14, THA: 18, TPA: 24 } as const;

/** Length of an Ethernet/IPv4 ARP packet. */
export const ARP_LEN = 28;
/** ARP request operation. */
export const ARP_REQUEST = 1;
/** ARP reply operation. */
export const ARP_REPLY = 2;

/** A parsed Ethernet/IPv4 ARP packet; the byte fields are copies. */
export interface ArpRepr {
  readonly operation: number;
  readonly senderMac: Uint8Array;
  readonly senderIp: Uint8Array;
  readonly targetMac: Uint8Array;
  readonly targetIp: Uint8Array;
}

/** Parses an ARP packet (the Ethernet payload; trailing padding allowed). Never throws. */
export function parseArp(b: Uint8Array): Decoded<ArpRepr> {
  if (b.length < ARP_LEN) return fail('truncated');
  if (((b[F.HTYPE] << 8) | b[F.HTYPE + 1]) !== 1) return fail('bad-htype');
  if (((b[F.PTYPE] << 8) | b[F.PTYPE + 1]) !== 0x0800) return fail('bad-ptype');
  if (b[F.HLEN] !== 6 || b[F.PLEN] !== 4) return fail('bad-length');
  const operation = (b[F.OPER] << 8) | b[F.OPER + 1];
  if (operation !== ARP_REQUEST && operation !== ARP_REPLY) return fail('bad-operation');
  return ok({
    operation,
    senderMac: b.slice(F.SHA, F.SHA + 6),
    senderIp: b.slice(F.SPA, F.SPA + 4),
    targetMac: b.slice(F.THA, F.THA + 6),
    targetIp: b.slice(F.TPA, F.TPA + 4),
  });
}

/** Writes `r` as 28 bytes at `buf[off..]`. */
export function emitArp(r: ArpRepr, buf: Uint8Array, off = 0): void {
  buf[off + F.HTYPE] = 0;
  buf[off + F.HTYPE + 1] = 1;
  buf[off + F.PTYPE] = 0x08;
  buf[off + F.PTYPE + 1] = 0x00;
  buf[off + F.HLEN] = 6;
  buf[off + F.PLEN] = 4;
  buf[off + F.OPER] = r.operation >> 8;
  buf[off + F.OPER + 1] = r.operation & 0xff;
  buf.set(r.senderMac.subarray(0, 6), off + F.SHA);
  buf.set(r.senderIp.subarray(0, 4), off + F.SPA);
  buf.set(r.targetMac.subarray(0, 6), off + F.THA);
  buf.set(r.targetIp.subarray(0, 4), off + F.TPA);
}
