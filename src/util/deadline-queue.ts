/**
 * One queue of deadlines for many timers: an indexed binary min-heap. Each entry remembers its
 * heap slot, so re-arming or cancelling a timer is O(log n) without searching, and a layer with
 * 10 000 connections keeps one queue (its earliest deadline is what the driver sleeps until)
 * instead of one `setTimeout` per segment or per connection (issue 5, "timers").
 *
 * Sans-I/O: the queue never reads a clock; callers pass `now`.
 * @module
 */

/** An object that can sit in a `DeadlineQueue`. Initialise `heapIndex` to -1. */
export interface DeadlineEntry {
  /** The time (ms) this entry is due; `Infinity` when not queued. Maintained by the queue. */
  deadlineAt: number;
  /** Slot in the heap, -1 when not queued. Maintained by the queue; do not write it. */
  heapIndex: number;
}

/** An indexed min-heap of entries ordered by `deadlineAt`. */
export class DeadlineQueue<T extends DeadlineEntry> {
  private readonly heap: T[] = [];

  /** Number of queued entries. */
  get size(): number {
    return this.heap.length;
  }

  /** The earliest deadline, or `Infinity` when empty. */
  peek(): number {
    return this.heap.length > 0 ? this.heap[0].deadlineAt : Number.POSITIVE_INFINITY;
  }

  /** Queues `e` at `at`, moving it if already queued; `at = Infinity` (or NaN) removes it. */
  set(e: T, at: number): void {
    if (!(at < Number.POSITIVE_INFINITY)) {
      this.remove(e);
      return;
    }
    const i = e.heapIndex;
    if (i < 0) {
      e.deadlineAt = at;
      e.heapIndex = this.heap.length;
      this.heap.push(e);
      this.up(e.heapIndex);
      return;
    }
    const old = e.deadlineAt;
    if (old === at) return;
    e.deadlineAt = at;
    if (at < old) this.up(i);
    else this.down(i);
  }

  /** Removes `e` if queued. */
  remove(e: T): void {
    const i = e.heapIndex;
    if (i < 0) return;
    const last = this.heap.pop() as T;
    e.heapIndex = -1;
    e.deadlineAt = Number.POSITIVE_INFINITY;
    if (last !== e) {
      this.heap[i] = last;
      last.heapIndex = i;
      this.up(i);
      this.down(last.heapIndex);
    }
  }

  /** Removes and returns the earliest entry if it is due at `now` (deadline <= now), else undefined. */
  popDue(now: number): T | undefined {
    if (this.heap.length === 0 || this.heap[0].deadlineAt > now) return undefined;
    const e = this.heap[0];
    this.remove(e);
    return e;
  }

  private up(i: number): void {
    const h = this.heap;
    const e = h[i];
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pe = h[p];
      if (pe.deadlineAt <= e.deadlineAt) break;
      h[i] = pe;
      pe.heapIndex = i;
      i = p;
    }
    h[i] = e;
    e.heapIndex = i;
  }

  private down(i: number): void {
    const h = this.heap;
    const n = h.length;
    const e = h[i];
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && h[r].deadlineAt < h[l].deadlineAt ? r : l;
      if (h[c].deadlineAt >= e.deadlineAt) break;
      h[i] = h[c];
      h[i].heapIndex = i;
      i = c;
    }
    h[i] = e;
    e.heapIndex = i;
  }
}
