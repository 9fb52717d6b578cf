/**
 * The send buffer: a byte ring that holds data from SND.UNA to the end of what the application
 * wrote (RFC 9293 §3.3.1). Its storage grows lazily (doubling) up to `capacity`, so an idle
 * connection costs no buffer memory (issue 5: "<= 16 KiB per idle connection beyond its buffers").
 * Writes copy once into the ring; segments copy once out of it into the transmit scratch buffer.
 * @module
 */

import { BufferPool } from './buffer-pool.ts';

const MIN_STORAGE = 4096;
const EMPTY = new Uint8Array(0);

/** A growable byte ring with a fixed maximum capacity. */
export class SendBuffer {
  private buf: Uint8Array = EMPTY;
  private head = 0;
  /** Bytes held. */
  length = 0;

  /** @param capacity the most bytes it will hold (the socket's send buffer size). */
  constructor(
    public capacity: number,
    /** Storage source; by default a private pool that keeps nothing (no module-level state). */
    private readonly pool: BufferPool = new BufferPool(0),
  ) {}

  /** Room left before `capacity`. */
  get free(): number {
    return Math.max(0, this.capacity - this.length);
  }

  /** Bytes of storage currently allocated (for memory accounting). */
  get allocated(): number {
    return this.buf.length;
  }

  private grow(need: number): void {
    let size = Math.max(MIN_STORAGE, this.buf.length * 2);
    while (size < need) size *= 2;
    const nb = this.pool.get(size);
    this.copyOut(0, this.length, nb, 0);
    if (this.buf.length > 0) this.pool.put(this.buf);
    this.buf = nb;
    this.head = 0;
  }

  /** Appends up to `free` bytes of `src[start..end)`; returns how many were taken. */
  write(src: Uint8Array, start = 0, end = src.length): number {
    const n = Math.min(end - start, this.free);
    if (n <= 0) return 0;
    if (this.length + n > this.buf.length) this.grow(this.length + n);
    const size = this.buf.length;
    let tail = this.head + this.length;
    if (tail >= size) tail -= size;
    const first = Math.min(n, size - tail);
    this.buf.set(first === src.length && start === 0 ? src : src.subarray(start, start + first), tail);
    if (first < n) this.buf.set(src.subarray(start + first, start + n), 0);
    this.length += n;
    return n;
  }

  /** Copies `len` bytes starting `pos` bytes after the head into `dst[dstOff..]` (no consume). */
  copyOut(pos: number, len: number, dst: Uint8Array, dstOff: number): void {
    const size = this.buf.length;
    if (len <= 0) return;
    let s = this.head + pos;
    if (s >= size) s -= size;
    const first = Math.min(len, size - s);
    dst.set(this.buf.subarray(s, s + first), dstOff);
    if (first < len) dst.set(this.buf.subarray(0, len - first), dstOff + first);
  }

  /** Drops `n` bytes from the head (they were acknowledged). Returns the storage to the pool when emptied. */
  consume(n: number): void {
    if (n <= 0) return;
    if (n >= this.length) {
      this.length = 0;
      this.head = 0;
      this.release();
      return;
    }
    this.length -= n;
    this.head += n;
    if (this.head >= this.buf.length) this.head -= this.buf.length;
  }

  /** Frees the storage (connection closed or idle). */
  release(): void {
    if (this.length === 0 && this.buf.length > 0) {
      this.pool.put(this.buf);
      this.buf = EMPTY;
      this.head = 0;
    }
  }
}
