/**
 * The receive buffer: a byte ring holding in-order data not yet read by the application, followed
 * by room for out-of-order segments, which are written straight to their final place (as smoltcp's
 * assembler does) so filling a hole needs no second copy. The out-of-order ranges are tracked as a
 * short sorted list; they also give the SACK blocks we send (RFC 2018 §4).
 *
 * Positions are absolute stream offsets (bytes since the peer's ISN + 1), so no sequence
 * wrap-around logic lives here. Storage grows lazily up to `capacity`.
 * @module
 */

import { BufferPool } from './buffer-pool.ts';

const MIN_STORAGE = 4096;
const EMPTY = new Uint8Array(0);
/** Most out-of-order ranges tracked; a segment that would need more is dropped (and counted). */
export const MAX_OOO_RANGES = 32;

/** In-order data plus out-of-order ranges, in one lazily grown ring. */
export class RecvBuffer {
  private buf: Uint8Array = EMPTY;
  private head = 0;
  /** In-order bytes ready for the application. */
  readable = 0;
  /** Stream offset of the first readable byte (bytes consumed by the application so far). */
  baseOff = 0;
  /** Out-of-order ranges beyond `endOff`, flat [start0, end0, start1, end1, …], sorted, disjoint. */
  readonly ranges: number[] = [];
  /** The range most recently extended (index into pairs), for the first SACK block. */
  lastRange = -1;

  /** @param capacity the receive buffer size: the most bytes held, readable plus out-of-order. */
  constructor(
    public capacity: number,
    /** Storage source; by default a private pool that keeps nothing (no module-level state). */
    private readonly pool: BufferPool = new BufferPool(0),
  ) {}

  /** Stream offset just past the in-order data: RCV.NXT as an offset. */
  get endOff(): number {
    return this.baseOff + this.readable;
  }

  /** Space beyond RCV.NXT that the window may offer. */
  get space(): number {
    return Math.max(0, this.capacity - this.readable);
  }

  /** Bytes of storage allocated (memory accounting). */
  get allocated(): number {
    return this.buf.length;
  }

  private grow(need: number): void {
    let size = Math.max(MIN_STORAGE, this.buf.length * 2);
    while (size < need) size *= 2;
    const nb = this.pool.get(size);
    const old = this.buf;
    const used = old.length;
    if (used > 0) {
      const first = used - this.head;
      nb.set(old.subarray(this.head), 0);
      if (this.head > 0) nb.set(old.subarray(0, this.head), first);
    }
    if (used > 0) this.pool.put(old);
    this.buf = nb;
    this.head = 0;
  }

  private put(pos: number, src: Uint8Array, start: number, len: number): void {
    if (pos + len > this.buf.length) this.grow(pos + len);
    const size = this.buf.length;
    let s = this.head + pos;
    if (s >= size) s -= size;
    const first = Math.min(len, size - s);
    this.buf.set(src.subarray(start, start + first), s);
    if (first < len) this.buf.set(src.subarray(start + first, start + len), 0);
  }

  /**
   * Stores `src[start..start+len)` at stream offset `off` (the caller has already trimmed it to
   * the window: `off >= endOff`, `off + len <= baseOff + capacity`). Returns the number of bytes
   * that became readable (0 for an out-of-order segment), or -1 when it had to be dropped because
   * too many holes are tracked.
   */
  write(off: number, src: Uint8Array, start: number, len: number): number {
    if (len <= 0) return 0;
    const end0 = this.endOff;
    const r = this.ranges;
    if (off === end0) {
      this.put(this.readable, src, start, len);
      let newEnd = off + len;
      // Absorb out-of-order ranges now reached.
      let k = 0;
      while (k < r.length && r[k] <= newEnd) {
        if (r[k + 1] > newEnd) newEnd = r[k + 1];
        k += 2;
      }
      if (k > 0) {
        r.splice(0, k);
        this.lastRange = -1;
      }
      const adv = newEnd - end0;
      this.readable += adv;
      return adv;
    }
    // Out of order: merge [off, off+len) into the sorted list.
    let s = off;
    let e = off + len;
    let i = 0;
    while (i < r.length && r[i + 1] < s) i += 2;
    let j = i;
    while (j < r.length && r[j] <= e) {
      if (r[j] < s) s = r[j];
      if (r[j + 1] > e) e = r[j + 1];
      j += 2;
    }
    if (j === i && r.length >= MAX_OOO_RANGES * 2) return -1;
    this.put(off - this.baseOff, src, start, len);
    r.splice(i, j - i, s, e);
    this.lastRange = i >> 1;
    return 0;
  }

  /** True when [start, end) is already held as out-of-order data (a duplicate segment). */
  holds(start: number, end: number): boolean {
    const r = this.ranges;
    for (let i = 0; i < r.length; i += 2) if (r[i] <= start && end <= r[i + 1]) return true;
    return false;
  }

  /** Copies up to `dst.length - dstOff` readable bytes into `dst` and consumes them; returns the count. */
  read(dst: Uint8Array, dstOff = 0, max = dst.length - dstOff): number {
    const n = Math.min(max, this.readable);
    if (n <= 0) return 0;
    const size = this.buf.length;
    const first = Math.min(n, size - this.head);
    dst.set(this.buf.subarray(this.head, this.head + first), dstOff);
    if (first < n) dst.set(this.buf.subarray(0, n - first), dstOff + first);
    this.consume(n);
    this.release(); // copied out: the storage can go back to the pool if empty
    return n;
  }

  /**
   * A view (no copy) of the next contiguous readable bytes (at most up to the ring's wrap point):
   * valid until the next write/consume. Empty when nothing is readable.
   */
  peekContiguous(): Uint8Array {
    if (this.readable === 0) return EMPTY;
    const n = Math.min(this.readable, this.buf.length - this.head);
    return this.buf.subarray(this.head, this.head + n);
  }

  /**
   * Drops `n` readable bytes (the application took them). Keeps the storage (views handed out by
   * `peekContiguous` stay valid); call `release` once they are no longer in use.
   */
  consume(n: number): void {
    n = Math.min(n, this.readable);
    this.readable -= n;
    this.baseOff += n;
    this.head += n;
    if (this.head >= this.buf.length) this.head -= this.buf.length;
    if (this.readable === 0 && this.ranges.length === 0) this.head = 0;
  }

  /** Frees the storage when nothing is held (idle connections cost no buffer memory). */
  release(): void {
    if (this.readable === 0 && this.ranges.length === 0 && this.buf.length > 0) {
      this.pool.put(this.buf);
      this.buf = EMPTY;
      this.head = 0;
    }
  }
}
