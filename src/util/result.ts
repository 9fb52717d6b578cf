/**
 * The decode convention of every wire codec: decoders never throw on hostile input,
 * they return `{ ok: false, reason }` with a short, stable reason string that the
 * caller counts (architecture.md, "Two kinds of errors").
 * @module
 */

/** Outcome of decoding untrusted bytes. */
export type Decoded<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly reason: string };

/** Wraps a successful decode. */
export function ok<T>(value: T): Decoded<T> {
  return { ok: true, value };
}

/** Wraps a failed decode with a short reason such as `'truncated'` or `'bad-type'`. */
export function fail<T = never>(reason: string): Decoded<T> {
  return { ok: false, reason };
}

/**
 * A cursor over untrusted bytes for codecs that read field by field. Reads past the
 * end set `overrun` (and return zeros) instead of throwing, so a codec reads every
 * field and checks `r.overrun` once at the end.
 */
export class Reader {
  /** Current offset into `buf`. */
  pos: number;
  /** True once any read went past `end`. */
  overrun = false;
  private readonly dv: DataView;

  constructor(
    readonly buf: Uint8Array,
    start = 0,
    readonly end = buf.length,
  ) {
    this.pos = start;
    this.dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  /** Bytes left before `end`. */
  get remaining(): number {
    return Math.max(0, this.end - this.pos);
  }

  private take(n: number): number {
    const p = this.pos;
    if (n < 0 || p + n > this.end) {
      this.overrun = true;
      this.pos = this.end;
      return -1;
    }
    this.pos = p + n;
    return p;
  }

  u8(): number {
    const p = this.take(1);
    return p < 0 ? 0 : this.buf[p];
  }
  u16(): number {
    const p = this.take(2);
    return p < 0 ? 0 : this.dv.getUint16(p, false);
  }
  u32(): number {
    const p = this.take(4);
    return p < 0 ? 0 : this.dv.getUint32(p, false);
  }
  u64(): bigint {
    const p = this.take(8);
    return p < 0 ? 0n : this.dv.getBigUint64(p, false);
  }
  i64(): bigint {
    const p = this.take(8);
    return p < 0 ? 0n : this.dv.getBigInt64(p, false);
  }
  /** A 40-bit ZeroTier address as a number. */
  u40(): number {
    const p = this.take(5);
    return p < 0 ? 0 : this.buf[p] * 0x100000000 + this.dv.getUint32(p + 1, false);
  }
  /** A subarray view (no copy) of the next `n` bytes; empty on overrun. */
  bytes(n: number): Uint8Array {
    const p = this.take(n);
    return p < 0 ? new Uint8Array(0) : this.buf.subarray(p, p + n);
  }
  skip(n: number): void {
    this.take(n);
  }
}

/**
 * A growable writer for control-plane encoders (the data path writes into
 * preallocated buffers instead).
 */
export class Writer {
  private buf: Uint8Array;
  private dv: DataView;
  /** Bytes written so far. */
  length = 0;

  constructor(initial = 256) {
    this.buf = new Uint8Array(initial);
    this.dv = new DataView(this.buf.buffer);
  }

  // Callers must take the offset from room() before touching buf/dv: room() may replace them.
  private room(n: number): number {
    const p = this.length;
    if (p + n > this.buf.length) {
      let size = this.buf.length * 2;
      while (size < p + n) size *= 2;
      const nb = new Uint8Array(size);
      nb.set(this.buf.subarray(0, p));
      this.buf = nb;
      this.dv = new DataView(nb.buffer);
    }
    this.length = p + n;
    return p;
  }

  u8(v: number): this {
    const p = this.room(1);
    this.buf[p] = v;
    return this;
  }
  u16(v: number): this {
    const p = this.room(2);
    this.dv.setUint16(p, v, false);
    return this;
  }
  u32(v: number): this {
    const p = this.room(4);
    this.dv.setUint32(p, v >>> 0, false);
    return this;
  }
  u64(v: bigint): this {
    const p = this.room(8);
    this.dv.setBigUint64(p, BigInt.asUintN(64, v), false);
    return this;
  }
  i64(v: bigint): this {
    const p = this.room(8);
    this.dv.setBigInt64(p, BigInt.asIntN(64, v), false);
    return this;
  }
  /** A 40-bit ZeroTier address. */
  u40(v: number): this {
    const p = this.room(5);
    this.buf[p] = Math.floor(v / 0x100000000) & 0xff;
    this.dv.setUint32(p + 1, v >>> 0, false);
    return this;
  }
  bytes(b: Uint8Array): this {
    const p = this.room(b.length);
    this.buf.set(b, p);
    return this;
  }
  /** Overwrites a u16 at an earlier offset (length prefixes written after the body). */
  patchU16(at: number, v: number): void {
    this.dv.setUint16(at, v, false);
  }
  /** A copy of what was written. */
  finish(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}
