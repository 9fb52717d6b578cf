/**
 * FRAME (0x06), EXT_FRAME (0x07) and OK(EXT_FRAME) (protocol.md §6.7, §6.8, §6.4).
 *
 * FRAME: `nwid u64 || ethertype u16 || payload` — the hot path; {@link frameView}
 * reads it without allocating.
 *
 * EXT_FRAME: `nwid u64 || flags u8 || [COM if flags & 0x01] || dest MAC[6] || src MAC[6] ||
 * ethertype u16 || payload`.
 * @module
 */

import { type Decoded, fail, ok, Reader, type Writer } from '../../util/result.ts';
import { macFromBytes, macToBytes } from '../address.ts';
import { CertificateOfMembership } from '../credentials/com.ts';

/** FRAME: offset of the network ID. */
export const FRAME_NWID = 0;
/** FRAME: offset of the ethertype. */
export const FRAME_ETHERTYPE = 8;
/** FRAME: offset of the Ethernet payload. */
export const FRAME_PAYLOAD = 10;

/** EXT_FRAME flag: COM attached (deprecated, still parsed). */
export const EXT_FRAME_FLAG_COM = 0x01;
/** EXT_FRAME flag: ACK requested, reply OK(EXT_FRAME) with the nwid. */
export const EXT_FRAME_FLAG_ACK = 0x10;
/** EXT_FRAME flags bits 1..3: rule-generated copy subtype (receivers ignore it). */
export const EXT_FRAME_SUBTYPE_MASK = 0x0e;

/** FRAME payload. */
export interface Frame {
  readonly nwid: bigint;
  readonly etherType: number;
  /** Ethernet payload (no Ethernet header). A view into the packet when decoded. */
  readonly data: Uint8Array;
}

/** Writes a FRAME payload. */
export function encodeFrame(w: Writer, v: Frame): void {
  w.u64(v.nwid).u16(v.etherType).bytes(v.data);
}

/** Decodes a FRAME payload; `data` is a view (no copy). Reason: `frame-truncated`. */
export function decodeFrame(payload: Uint8Array): Decoded<Frame> {
  if (payload.length < FRAME_PAYLOAD) return fail('frame-truncated');
  const r = new Reader(payload);
  return ok({ nwid: r.u64(), etherType: r.u16(), data: payload.subarray(FRAME_PAYLOAD) });
}

/**
 * Zero-copy read of a FRAME for the data path: fills `out` and returns true, or false if
 * too short. Avoids the BigInt: `nwidHi`/`nwidLo` are the two u32 halves of the nwid.
 */
export function frameView(
  payload: Uint8Array,
  out: { nwidHi: number; nwidLo: number; etherType: number; data: Uint8Array },
): boolean {
  if (payload.length < FRAME_PAYLOAD) return false;
  const p = payload;
  out.nwidHi = ((p[0] << 24) | (p[1] << 16) | (p[2] << 8) | p[3]) >>> 0;
  out.nwidLo = ((p[4] << 24) | (p[5] << 16) | (p[6] << 8) | p[7]) >>> 0;
  out.etherType = (p[8] << 8) | p[9];
  out.data = p.subarray(FRAME_PAYLOAD);
  return true;
}

/**
 * Data-path encoder: writes the 10-byte FRAME header (`nwid`, `etherType`) at `buf[off]`
 * so the caller can place the Ethernet payload right after it (at `off + FRAME_PAYLOAD`)
 * in a preallocated packet buffer, with no intermediate copy. Returns that payload offset.
 */
export function writeFrameHeader(buf: Uint8Array, off: number, nwid: bigint, etherType: number): number {
  if (off < 0 || off + FRAME_PAYLOAD > buf.length) throw new RangeError('writeFrameHeader: buffer too small');
  new DataView(buf.buffer, buf.byteOffset, buf.byteLength).setBigUint64(off, BigInt.asUintN(64, nwid), false);
  buf[off + 8] = (etherType >> 8) & 0xff;
  buf[off + 9] = etherType & 0xff;
  return off + FRAME_PAYLOAD;
}

/** EXT_FRAME payload. */
export interface ExtFrame {
  readonly nwid: bigint;
  /** All flag bits as sent; bit 0x01 is implied by `com` when encoding. */
  readonly flags: number;
  /** Attached COM (deprecated). */
  readonly com?: CertificateOfMembership;
  readonly destMac: number;
  readonly srcMac: number;
  readonly etherType: number;
  /** View into the packet when decoded. */
  readonly data: Uint8Array;
}

/** Writes an EXT_FRAME payload. The COM flag is set iff `com` is given. */
export function encodeExtFrame(w: Writer, v: ExtFrame): void {
  const flags = (v.flags & ~EXT_FRAME_FLAG_COM) | (v.com ? EXT_FRAME_FLAG_COM : 0);
  w.u64(v.nwid).u8(flags);
  if (v.com) v.com.encode(w);
  w.bytes(macToBytes(v.destMac)).bytes(macToBytes(v.srcMac)).u16(v.etherType).bytes(v.data);
}

/** Decodes an EXT_FRAME payload. Reasons: `extframe-truncated`, `extframe-com-<reason>`. */
export function decodeExtFrame(payload: Uint8Array): Decoded<ExtFrame> {
  const r = new Reader(payload);
  const nwid = r.u64();
  const flags = r.u8();
  if (r.overrun) return fail('extframe-truncated');
  let com: CertificateOfMembership | undefined;
  if (flags & EXT_FRAME_FLAG_COM) {
    const c = CertificateOfMembership.decode(r);
    if (!c.ok) return fail(`extframe-com-${c.reason}`);
    com = c.value;
  }
  const macs = r.bytes(12);
  const etherType = r.u16();
  if (r.overrun) return fail('extframe-truncated');
  return ok({
    nwid,
    flags,
    ...(com && { com }),
    destMac: macFromBytes(macs, 0),
    srcMac: macFromBytes(macs, 6),
    etherType,
    data: payload.subarray(r.pos),
  });
}

/** OK(EXT_FRAME) body: the network ID (sent only when the EXT_FRAME had flag 0x10). */
export interface OkExtFrame {
  readonly nwid: bigint;
}

/** Writes an OK(EXT_FRAME) body. */
export function encodeOkExtFrame(w: Writer, v: OkExtFrame): void {
  w.u64(v.nwid);
}

/** Reads an OK(EXT_FRAME) body. Reason: `okextframe-truncated`. */
export function readOkExtFrame(r: Reader): Decoded<OkExtFrame> {
  const nwid = r.u64();
  return r.overrun ? fail('okextframe-truncated') : ok({ nwid });
}
