/**
 * Neighbor Discovery messages (RFC 4861 §4.3, §4.4, §4.6): Neighbor Solicitation and Advertisement with
 * their link-layer address options. The ICMPv6 header is handled by icmpv6.ts; these codecs work on the
 * message body after the 8-byte ICMPv6 header (the 4 "reserved/flags" bytes are `IcmpMessage.rest`).
 * @module
 */

import type { Decoded } from '../../util/result.ts';
import { fail, ok } from '../../util/result.ts';

/** Option type: Source Link-Layer Address (RFC 4861 §4.6.1). */
export const OPT_SOURCE_LLADDR = 1;
/** Option type: Target Link-Layer Address. */
export const OPT_TARGET_LLADDR = 2;

/** NA flags in the first byte of `rest` (RFC 4861 §4.4). */
export const NA_FLAG_ROUTER = 0x80000000;
/** Solicited flag. */
export const NA_FLAG_SOLICITED = 0x40000000;
/** Override flag. */
export const NA_FLAG_OVERRIDE = 0x20000000;

/** A parsed NS or NA body. Byte fields are copies. */
export interface NeighborMessage {
  /** The target address (16 bytes). */
  readonly target: Uint8Array;
  /** The link-layer address option (source for NS, target for NA), or null when absent. */
  readonly lladdr: Uint8Array | null;
}

/**
 * Parses the body of an NS (`optionType` 1) or NA (`optionType` 2): target address then options.
 * Options of length 0 make the message invalid (RFC 4861 §4.6). Never throws.
 */
export function parseNeighborMessage(body: Uint8Array, optionType: number): Decoded<NeighborMessage> {
  if (body.length < 16) return fail('truncated');
  const target = body.slice(0, 16);
  let lladdr: Uint8Array | null = null;
  let off = 16;
  while (off < body.length) {
    if (off + 2 > body.length) return fail('truncated-option');
    const type = body[off];
    const len = body[off + 1] * 8;
    if (len === 0) return fail('zero-length-option');
    if (off + len > body.length) return fail('truncated-option');
    if (type === optionType && len >= 8 && !lladdr) lladdr = body.slice(off + 2, off + 8);
    off += len;
  }
  return ok({ target, lladdr });
}

/** Builds an NS/NA body: target plus, when `lladdr` is given, one 8-byte link-layer address option. */
export function emitNeighborMessage(
  target: Uint8Array,
  optionType: number,
  lladdr: Uint8Array | null,
): Uint8Array {
  const b = new Uint8Array(16 + (lladdr ? 8 : 0));
  b.set(target.subarray(0, 16), 0);
  if (lladdr) {
    b[16] = optionType;
    b[17] = 1;
    b.set(lladdr.subarray(0, 6), 18);
  }
  return b;
}
