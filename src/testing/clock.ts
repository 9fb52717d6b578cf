/**
 * A fake clock and deterministic scheduler of deadlines, so whole ZeroTier networks run in one
 * process without real time passing (architecture.md, "Sans-I/O core and stack": `runtime/` owns the
 * timers; in tests this clock stands in for it).
 *
 * Time is a plain number of milliseconds, like `Date.now()`. Deadlines that fall at the same
 * millisecond fire in the order they were scheduled, so a run is a pure function of what was
 * scheduled: no ties are broken by chance.
 *
 * A run is bounded (`maxEventsPerRun`): a zero-delay ping-pong between two nodes would otherwise
 * never let time advance, so the clock throws {@link EventLimitError} instead of hanging the test.
 * @module
 */

/** Identifies a scheduled deadline so it can be cancelled. Never 0, never reused by one clock. */
export type TimerId = number;

/**
 * What a node driver needs from time: the current time and one-shot deadlines. {@link FakeClock}
 * implements it for tests; `src/runtime` implements it over `Date.now()` and `setTimeout`.
 */
export interface Scheduler {
  /** Current time in ms (same epoch as `Date.now()` for real clocks; arbitrary for fake ones). */
  now(): number;
  /** Calls `fn` once at time `atMs` (or as soon as possible if `atMs` is already past). */
  schedule(atMs: number, fn: () => void): TimerId;
  /** Cancels a deadline; returns false if it already fired or was cancelled. */
  cancel(id: TimerId): boolean;
}

/** Thrown when one run fires more events than `maxEventsPerRun`: almost always a livelock. */
export class EventLimitError extends Error {
  override readonly name = 'EventLimitError';
  /** Stable code for `assert.throws(..., { code })`. */
  readonly code = 'ERR_EVENT_LIMIT';
  constructor(
    /** The limit that was exceeded. */
    readonly limit: number,
    /** Clock time at which the run stopped. */
    readonly atMs: number,
    /** Label of the event that would have exceeded the limit (if it had one). */
    readonly lastLabel: string | undefined,
  ) {
    super(
      `FakeClock: more than ${limit} events in one run (stopped at t=${atMs}ms` +
        `${lastLabel ? `, last event "${lastLabel}"` : ''}); probably a zero-delay loop. ` +
        'Raise maxEventsPerRun if the run is legitimately this busy.',
    );
  }
}

/** Options of {@link FakeClock}. */
export interface FakeClockOptions {
  /** Start time in ms (default 0; pass e.g. 1_700_000_000_000 to look like a real epoch). */
  start?: number;
  /** Cap on events fired by one `advance`/`runUntil`/`runAll` call (default 1,000,000). */
  maxEventsPerRun?: number;
}

interface Entry {
  at: number;
  seq: number;
  id: TimerId;
  fn: () => void;
  label: string | undefined;
  cancelled: boolean;
}

/** Min-heap order: earlier time first, then earlier scheduling (FIFO among equal times). */
function before(a: Entry, b: Entry): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}

/**
 * A deterministic fake clock: time only moves when the test calls {@link FakeClock.advance},
 * {@link FakeClock.runUntil}, {@link FakeClock.runNext} or {@link FakeClock.runAll}, and each
 * deadline fires with `now()` equal to its own time.
 */
export class FakeClock implements Scheduler {
  /** Cap on events per run; may be changed at any time. */
  maxEventsPerRun: number;
  /** Total events fired over the clock's life (useful in reports and benchmarks). */
  eventsFired = 0;
  private t: number;
  private seq = 0;
  private nextId = 1;
  private readonly heap: Entry[] = [];
  private readonly live = new Map<TimerId, Entry>();

  constructor(opts: FakeClockOptions = {}) {
    this.t = opts.start ?? 0;
    this.maxEventsPerRun = opts.maxEventsPerRun ?? 1_000_000;
    if (!Number.isFinite(this.t)) throw new RangeError('FakeClock: start must be a finite number');
    if (!(this.maxEventsPerRun > 0)) throw new RangeError('FakeClock: maxEventsPerRun must be > 0');
  }

  /** Current fake time in ms. */
  now(): number {
    return this.t;
  }

  /**
   * Calls `fn` at `atMs`. A time in the past is clamped to now (the event fires in the next run,
   * after everything already due now). `label` only appears in {@link EventLimitError} messages.
   */
  schedule(atMs: number, fn: () => void, label?: string): TimerId {
    // Infinity would fire in runAll() and leave the clock at Infinity: refuse it loudly.
    if (!Number.isFinite(atMs)) throw new RangeError(`FakeClock.schedule: time must be finite, got ${atMs}`);
    if (typeof fn !== 'function') throw new TypeError('FakeClock.schedule: fn must be a function');
    const e: Entry = {
      at: Math.max(atMs, this.t),
      seq: this.seq++,
      id: this.nextId++,
      fn,
      label,
      cancelled: false,
    };
    this.push(e);
    this.live.set(e.id, e);
    return e.id;
  }

  /** Calls `fn` after `delayMs` (clamped to ≥ 0). */
  after(delayMs: number, fn: () => void, label?: string): TimerId {
    return this.schedule(this.t + Math.max(0, delayMs), fn, label);
  }

  /** Cancels a pending deadline. Returns false if it already fired or was cancelled. */
  cancel(id: TimerId): boolean {
    const e = this.live.get(id);
    if (!e) return false;
    e.cancelled = true; // lazy deletion: skipped when it reaches the top of the heap
    this.live.delete(id);
    return true;
  }

  /** Number of deadlines scheduled and not yet fired or cancelled. */
  get pending(): number {
    return this.live.size;
  }

  /** Time of the earliest pending deadline, or `undefined` when nothing is scheduled. */
  nextDeadline(): number | undefined {
    this.dropCancelledTop();
    return this.heap.length ? this.heap[0].at : undefined;
  }

  /**
   * Fires every deadline up to and including `untilMs` in time order, then sets the time to
   * `untilMs` (never backwards). Returns how many events fired.
   */
  runUntil(untilMs: number): number {
    if (Number.isNaN(untilMs)) throw new RangeError('FakeClock.runUntil: time is NaN');
    let n = 0;
    for (;;) {
      this.dropCancelledTop();
      if (this.heap.length === 0 || this.heap[0].at > untilMs) break;
      this.fireTop(++n);
    }
    if (untilMs > this.t) this.t = untilMs;
    return n;
  }

  /** Moves time forward by `ms`, firing what falls due on the way. Returns how many events fired. */
  advance(ms: number): number {
    if (!(ms >= 0)) throw new RangeError('FakeClock.advance: ms must be >= 0');
    return this.runUntil(this.t + ms);
  }

  /** Fires the single earliest deadline (moving time to it). Returns false if nothing is pending. */
  runNext(): boolean {
    this.dropCancelledTop();
    if (this.heap.length === 0) return false;
    this.fireTop(1);
    return true;
  }

  /**
   * Fires deadlines until none is left (or the next one is later than `maxTimeMs`, when given).
   * Periodic timers never run out, so pass `maxTimeMs` when nodes are running. Returns the count.
   */
  runAll(maxTimeMs = Number.POSITIVE_INFINITY): number {
    let n = 0;
    for (;;) {
      this.dropCancelledTop();
      if (this.heap.length === 0 || this.heap[0].at > maxTimeMs) return n;
      this.fireTop(++n);
    }
  }

  /**
   * Fires deadlines one at a time until `cond()` holds (checked before starting and after every
   * event) or the next deadline lies beyond `maxMs` from now. Returns `cond()`. Time stops at the
   * event that made `cond()` true, or at now + `maxMs` when it never did — so "wait until both
   * nodes are online, at most 30 s" is one call, exact to the event.
   */
  waitFor(cond: () => boolean, maxMs: number): boolean {
    if (!(maxMs >= 0)) throw new RangeError('FakeClock.waitFor: maxMs must be >= 0');
    if (cond()) return true;
    const end = this.t + maxMs;
    let n = 0;
    for (;;) {
      this.dropCancelledTop();
      if (this.heap.length === 0 || this.heap[0].at > end) {
        if (end > this.t) this.t = end;
        return cond();
      }
      this.fireTop(++n);
      if (cond()) return true;
    }
  }

  /**
   * A re-armable single deadline, the shape a sans-I/O node driver needs ("call me back at my
   * `nextDeadline()`"): `arm(t)` replaces any earlier arming, `disarm()` cancels it.
   */
  timer(fn: () => void, label?: string): ReArmableTimer {
    return new ReArmableTimer(this, fn, label);
  }

  private fireTop(countThisRun: number): void {
    const e = this.heap[0];
    if (countThisRun > this.maxEventsPerRun) throw new EventLimitError(this.maxEventsPerRun, this.t, e.label);
    this.pop();
    this.live.delete(e.id);
    this.t = e.at;
    this.eventsFired++;
    e.fn();
  }

  private dropCancelledTop(): void {
    while (this.heap.length && this.heap[0].cancelled) this.pop();
  }

  private push(e: Entry): void {
    const h = this.heap;
    let i = h.length;
    h.push(e);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(e, h[p])) break;
      h[i] = h[p];
      i = p;
    }
    h[i] = e;
  }

  private pop(): void {
    const h = this.heap;
    const last = h.pop()!;
    if (h.length === 0) return;
    let i = 0;
    const n = h.length;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && before(h[r], h[l]) ? r : l;
      if (!before(h[c], last)) break;
      h[i] = h[c];
      i = c;
    }
    h[i] = last;
  }
}

/** See {@link FakeClock.timer}. Works with any {@link Scheduler}. */
export class ReArmableTimer {
  private id: TimerId | 0 = 0;
  private at: number | undefined;

  constructor(
    private readonly scheduler: Scheduler & {
      schedule(atMs: number, fn: () => void, label?: string): TimerId;
    },
    private readonly fn: () => void,
    private readonly label?: string,
  ) {}

  /** Time the timer is armed for, or `undefined`. */
  get armedAt(): number | undefined {
    return this.at;
  }

  /**
   * Arms (or re-arms) the timer for `atMs`; re-arming for the same time is a no-op. `undefined`
   * or a non-finite time (a node saying "no deadline") disarms it.
   */
  arm(atMs: number | undefined): void {
    if (this.at === atMs && this.id) return;
    this.disarm();
    if (atMs === undefined || !Number.isFinite(atMs)) return;
    this.at = atMs;
    this.id = this.scheduler.schedule(
      atMs,
      () => {
        this.id = 0;
        this.at = undefined;
        this.fn();
      },
      this.label,
    );
  }

  /** Cancels the pending deadline, if any. */
  disarm(): void {
    if (this.id) this.scheduler.cancel(this.id);
    this.id = 0;
    this.at = undefined;
  }
}

/**
 * A {@link FakeClock} seen through a runner's clock interface (`now` / `schedule` / `cancel`, the
 * shape of `RunnerClock` in src/runtime/node-runner.ts) that counts the timers it has outstanding:
 * tests of "one timer per node" read {@link CountingClock.outstanding} and the high-water mark.
 */
export class CountingClock {
  /** Timers scheduled and neither fired nor cancelled. */
  readonly outstanding = new Set<TimerId>();
  /** The most timers ever outstanding at once. */
  maxOutstanding = 0;
  /** Timers that have fired. */
  fired = 0;

  /** `label` tags this clock's timers in the fake clock's event log. */
  constructor(
    private readonly clock: FakeClock,
    private readonly label?: string,
  ) {}

  now(): number {
    return this.clock.now();
  }

  schedule(atMs: number, fn: () => void): TimerId {
    const id = this.clock.schedule(
      atMs,
      () => {
        this.outstanding.delete(id);
        this.fired++;
        fn();
      },
      this.label,
    );
    this.outstanding.add(id);
    this.maxOutstanding = Math.max(this.maxOutstanding, this.outstanding.size);
    return id;
  }

  cancel(id: TimerId): void {
    this.clock.cancel(id);
    this.outstanding.delete(id);
  }
}
