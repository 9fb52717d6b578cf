/**
 * Byte helpers shared by every layer. Everything on the wire is a `Uint8Array`;
 * Node `Buffer`s are accepted wherever a `Uint8Array` is (Buffer is a subclass).
 * @module
 */

const HEX = '0123456789abcdef';

/** Lowercase hex of `b` (or of `b[start..end)`). */
export function toHex(b: Uint8Array, start = 0, end = b.length): string {
  let s = '';
  for (let i = start; i < end; i++) s += HEX[b[i] >> 4] + HEX[b[i] & 15];
  return s;
}

/** Parses hex (either case, even length). Throws `TypeError` on anything else: use for trusted/API input only. */
export function fromHex(hex: string): Uint8Array {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex))
    throw new TypeError('fromHex: not an even-length hex string');
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.substr(i * 2, 2), 16);
  return out;
}

/** Concatenates arrays into one new array (control plane only: the data path writes in place). */
export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Byte-wise equality. */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Constant-time equality for MACs and signatures (time depends on length only). */
export function equalBytesCT(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i] ^ b[i];
  return d === 0;
}

/** A `DataView` over exactly the bytes of `b` (respects `byteOffset`, which Buffers from pools have). */
export function viewOf(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

/** Reads a big-endian 40-bit unsigned integer (a ZeroTier address) as a number (exact: < 2^53). */
export function readU40(b: Uint8Array, o: number): number {
  return b[o] * 0x100000000 + (((b[o + 1] << 24) | (b[o + 2] << 16) | (b[o + 3] << 8) | b[o + 4]) >>> 0);
}

/** Writes a 40-bit unsigned integer big-endian. */
export function writeU40(b: Uint8Array, o: number, v: number): void {
  b[o] = Math.floor(v / 0x100000000) & 0xff;
  b[o + 1] = (v >>> 24) & 0xff;
  b[o + 2] = (v >>> 16) & 0xff;
  b[o + 3] = (v >>> 8) & 0xff;
  b[o + 4] = v & 0xff;
}

/** Reads a big-endian u64 as a bigint. */
export function readU64(b: Uint8Array, o: number): bigint {
  return viewOf(b).getBigUint64(o, false);
}

/** Writes a u64 (bigint, taken mod 2^64) big-endian. */
export function writeU64(b: Uint8Array, o: number, v: bigint): void {
  viewOf(b).setBigUint64(o, BigInt.asUintN(64, v), false);
}
