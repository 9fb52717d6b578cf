/**
 * A per-layer pool of buffer storage in power-of-two size classes. Send and receive rings take
 * their storage from it when data arrives and give it back as soon as they are empty, so an idle
 * connection holds no buffer memory (issue 5: "<= 16 KiB per idle connection beyond its buffers")
 * while a busy one does not pay an allocation (and GC) per burst.
 * @module
 */

const MIN_CLASS = 12; // 4 KiB
const MAX_CLASS = 24; // 16 MiB

/** Free lists of Uint8Array storage by size class. */
export class BufferPool {
  private readonly free: Uint8Array[][] = [];
  /** Bytes currently parked in free lists. */
  pooledBytes = 0;

  /** @param maxPooledBytes bound on parked storage (default 8 MiB); beyond it, storage is left to GC. */
  constructor(readonly maxPooledBytes = 8 << 20) {
    for (let i = 0; i <= MAX_CLASS; i++) this.free.push([]);
  }

  /** Storage of at least `size` bytes (a power of two >= 4 KiB); its contents are arbitrary. */
  get(size: number): Uint8Array {
    if (size > 1 << MAX_CLASS) return new Uint8Array(size);
    const cls = size <= 1 << MIN_CLASS ? MIN_CLASS : 32 - Math.clz32(size - 1);
    const list = this.free[cls];
    const b = list.pop();
    if (b) {
      this.pooledBytes -= b.length;
      return b;
    }
    return new Uint8Array(1 << cls);
  }

  /** Returns storage obtained from `get`. */
  put(b: Uint8Array): void {
    const n = b.length;
    if (n < 1 << MIN_CLASS || (n & (n - 1)) !== 0 || n > 1 << MAX_CLASS) return;
    if (this.pooledBytes + n > this.maxPooledBytes) return;
    this.free[31 - Math.clz32(n)].push(b);
    this.pooledBytes += n;
  }
}
