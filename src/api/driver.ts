/**
 * The one timer of a node's VL2 manager and its networks' stacks (architecture.md "runtime/ owns one
 * timer per node"). The {@link NodeRunner} keeps its own single timer for the VL1 node; this driver
 * keeps ONE more for everything above it: `vl2.poll(now)` and each joined network's
 * `stack.poll(now)`, armed at the earliest of their `nextDeadline()`s.
 *
 * Sans-I/O pieces move their deadlines when called (a socket write, an inbound frame, a join), so
 * whoever calls them calls {@link Driver.kick} afterwards: the timer is re-armed only if the new
 * deadline is earlier than the armed one (an early wake-up is harmless, polls are idempotent).
 * A cap ({@link MAX_DELAY}) re-checks everything regularly, so a deadline moved by a path that forgot
 * to kick is late by at most that much.
 *
 * Each pollable may run on its own timebase: VL2 needs the node's wall clock (HELLO timestamps are
 * absolute), while the stacks want a monotonic sub-millisecond clock (`performance.now`): with
 * whole milliseconds, sub-ms round trips measure 0 or 1 ms and TCP's RTT-based decisions (HyStart++
 * slow-start exit, RACK) misfire. Deadlines are converted through each pollable's own `now`.
 * @module
 */

import type { RunnerClock } from '../runtime/node-runner.ts';

/** Longest sleep: VL2 timers are seconds apart, so a 1 s re-check costs nothing and bounds any missed kick. */
export const MAX_DELAY = 1_000;

/** Something with deadlines the driver polls. */
export interface Pollable {
  poll(now: number): void;
  nextDeadline(): number;
}

/** One timer over a changing set of {@link Pollable}s. */
export class Driver {
  /** Pollables and the clock their deadlines are in. */
  private readonly items = new Map<Pollable, () => number>();
  private timer: unknown;
  private armedAt = Number.POSITIVE_INFINITY;
  private stopped = false;
  private polling = false;

  constructor(
    private readonly clock: RunnerClock,
    /** Called when a poll throws (the driver keeps running). */
    private readonly onError: (e: unknown) => void = () => {},
  ) {}

  /** Adds a pollable (polled from the next tick on); `now` is its timebase (default: the driver's clock). */
  add(p: Pollable, now: () => number = () => this.clock.now()): void {
    this.items.set(p, now);
    this.kick();
  }

  /** Removes a pollable. */
  delete(p: Pollable): void {
    this.items.delete(p);
  }

  /** Re-arms the timer if some deadline moved earlier than the armed one. */
  kick(): void {
    if (this.stopped || this.polling) return;
    const now = this.clock.now();
    let due = now + MAX_DELAY;
    for (const [p, pnow] of this.items) {
      const d = now + (p.nextDeadline() - pnow());
      if (d < due) due = d;
    }
    if (this.timer !== undefined && this.armedAt <= due) return;
    this.cancel();
    this.armedAt = due;
    this.timer = this.clock.schedule(Math.max(due, now), this.fire);
  }

  private readonly fire = (): void => {
    this.timer = undefined;
    this.armedAt = Number.POSITIVE_INFINITY;
    if (this.stopped) return;
    const now = this.clock.now();
    this.polling = true;
    for (const [p, pnow] of this.items) {
      try {
        const t = pnow();
        if (p.nextDeadline() <= t) p.poll(t);
      } catch (e) {
        this.onError(e);
      }
    }
    this.polling = false;
    // A deadline still in the past after its poll must not become a zero-delay loop: 1 ms at least.
    if (this.overdue()) {
      this.armedAt = now + 1;
      this.timer = this.clock.schedule(now + 1, this.fire);
    } else this.kick();
  };

  private overdue(): boolean {
    for (const [p, pnow] of this.items) if (p.nextDeadline() <= pnow()) return true;
    return false;
  }

  private cancel(): void {
    if (this.timer !== undefined) this.clock.cancel(this.timer as never);
    this.timer = undefined;
    this.armedAt = Number.POSITIVE_INFINITY;
  }

  /** True while a timer is armed (tests: nothing is left after {@link Driver.stop}). */
  get armed(): boolean {
    return this.timer !== undefined;
  }

  /** Clears the timer; later kicks do nothing. */
  stop(): void {
    this.stopped = true;
    this.cancel();
    this.items.clear();
  }
}
