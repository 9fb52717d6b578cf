/**
 * Two user-space stacks on an in-memory Ethernet link, each run by a real-timer driver — the
 * smallest world in which `src/net` sockets (and http, tls, undici, ws, pg over them) can be tested
 * without ZeroTier underneath.
 *
 * The driver does what a runtime does for a joined network (architecture.md "Sans-I/O core and
 * stack"): ONE timer armed at `stack.nextDeadline()`, re-armed after every socket call (`kick`),
 * `stack.poll(now)` when it fires. Frames are not delivered synchronously from `onFrame` (that would
 * re-enter the other stack in the middle of the sender's processing): they queue and are delivered
 * in a batch on `setImmediate`, which also lets Node's streams run between batches.
 *
 * ```ts
 * const pair = createStackPair();
 * const netA = createNet(pair.a), netB = createNet(pair.b);
 * netB.createServer((s) => s.pipe(s)).listen(7);
 * netA.connect(7, pair.b.v4, () => …);
 * pair.close();
 * ```
 * @module
 */

import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { NetStackBinding } from '../net/binding.ts';
import { Stack } from '../stack/stack.ts';
import { TcpLayer, type TcpLayerOptions } from '../stack/tcp/index.ts';

/** The clock of the drivers: ms since process start (monotonic). */
const clock = (): number => performance.now();

/**
 * A real-timer driver for one {@link Stack} and its TCP layer; it is the {@link NetStackBinding}
 * the `net` module needs.
 */
export class StackTimerDriver implements NetStackBinding {
  private timer: NodeJS.Timeout | null = null;
  private armedAt = Number.POSITIVE_INFINITY;
  private holds = 0;
  private keeper: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(
    /** The stack. */
    readonly stack: Stack,
    /** Its TCP layer. */
    readonly tcp: TcpLayer,
  ) {}

  /** The driver's clock (ms). */
  now(): number {
    return clock();
  }

  /** Re-arms the one timer at the stack's deadline if that moved earlier. */
  kick(): void {
    if (this.stopped) return;
    const d = this.stack.nextDeadline();
    if (d >= this.armedAt) return;
    if (this.timer) clearTimeout(this.timer);
    this.armedAt = d;
    if (d === Number.POSITIVE_INFINITY) {
      this.timer = null;
      return;
    }
    // Capped so that a far deadline is re-checked; early wake-ups are harmless (poll is idempotent).
    const delay = Math.min(Math.max(0, d - clock()), 60_000);
    this.timer = setTimeout(() => this.fire(), delay);
    this.timer.unref();
  }

  private fire(): void {
    this.timer = null;
    this.armedAt = Number.POSITIVE_INFINITY;
    if (this.stopped) return;
    const now = clock();
    if (this.stack.nextDeadline() <= now) this.stack.poll(now);
    this.kick();
  }

  /** Keeps the event loop alive until the returned function is called (ref'd sockets/servers). */
  hold(): () => void {
    if (this.holds++ === 0 && !this.stopped) this.keeper = setInterval(() => {}, 1 << 30);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      if (--this.holds === 0 && this.keeper) {
        clearInterval(this.keeper);
        this.keeper = null;
      }
    };
  }

  /** Number of outstanding holds (for tests of ref/unref). */
  get holdCount(): number {
    return this.holds;
  }

  /** Stops the timer; later kicks do nothing. */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.keeper) clearInterval(this.keeper);
    this.timer = this.keeper = null;
  }
}

/** One side of a {@link StackPair}. */
export interface StackPairSide extends NetStackBinding {
  readonly stack: Stack;
  readonly tcp: TcpLayer;
  readonly driver: StackTimerDriver;
  /** Its IPv4 address (text). */
  readonly v4: string;
  /** Its IPv6 (ULA) address (text). */
  readonly v6: string;
}

/** Options of {@link createStackPair}. */
export interface StackPairOptions {
  /** Link MTU (default 2800, ZeroTier's). */
  mtu?: number;
  /** TCP layer options for both sides (random is supplied). */
  tcp?: Omit<TcpLayerOptions, 'random'>;
  /** Drop every frame for which this returns true (direction 0: a→b, 1: b→a). */
  drop?: (dir: 0 | 1, frame: Uint8Array) => boolean;
}

/** Two stacks on an in-memory link, with drivers. */
export interface StackPair {
  readonly a: StackPairSide;
  readonly b: StackPairSide;
  /** Frames carried so far (both directions). */
  readonly framesCarried: () => number;
  /** Stops both drivers and the link. */
  close(): void;
}

/** Builds two stacks (10.77.0.1/24 + fd77::1/64 and 10.77.0.2/24 + fd77::2/64) linked in memory. */
export function createStackPair(opts: StackPairOptions = {}): StackPair {
  const queues: [Uint8Array[], Uint8Array[]] = [[], []];
  let scheduled = false;
  let closed = false;
  let carried = 0;
  const sides: StackPairSide[] = [];

  const flush = (): void => {
    scheduled = false;
    if (closed) return;
    // One batch per turn of the event loop: stream callbacks (process.nextTick) run in between.
    const now = clock();
    for (const dir of [0, 1] as const) {
      const q = queues[dir];
      if (q.length === 0) continue;
      queues[dir] = [];
      const dst = sides[1 - dir];
      for (const f of q) {
        carried++;
        dst.stack.receiveFrame(f, now);
      }
    }
    for (const s of sides) s.driver.kick();
    if (queues[0].length > 0 || queues[1].length > 0) schedule();
  };
  const schedule = (): void => {
    if (!scheduled && !closed) {
      scheduled = true;
      setImmediate(flush);
    }
  };

  const mk = (dir: 0 | 1, host: number): StackPairSide => {
    const stack = new Stack({
      mac: new Uint8Array([0x02, 0x77, 0, 0, 0, host]),
      mtu: opts.mtu ?? 2800,
      addresses: [
        { address: `10.77.0.${host}`, prefixLength: 24 },
        { address: `fd77::${host}`, prefixLength: 64 },
      ],
      onFrame: (f) => {
        if (closed || opts.drop?.(dir, f)) return;
        queues[dir].push(f);
        schedule();
      },
      random: (n) => randomBytes(n),
    });
    const tcp = new TcpLayer(stack.ip, { ...opts.tcp, random: (n) => randomBytes(n) });
    stack.registerTransport(6, tcp);
    stack.setTime(clock());
    tcp.poll(clock());
    const driver = new StackTimerDriver(stack, tcp);
    return {
      stack,
      tcp,
      driver,
      v4: `10.77.0.${host}`,
      v6: `fd77::${host}`,
      now: () => driver.now(),
      kick: () => driver.kick(),
      hold: () => driver.hold(),
    };
  };
  sides.push(mk(0, 1), mk(1, 2));
  for (const s of sides) s.driver.kick();
  return {
    a: sides[0],
    b: sides[1],
    framesCarried: () => carried,
    close() {
      closed = true;
      for (const s of sides) s.driver.stop();
    },
  };
}
