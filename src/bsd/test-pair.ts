/**
 * Test support (not exported by the package): two {@link Stack}s with TCP on an in-memory Ethernet segment,
 * driven by real timers, each exposed as a {@link SocketStackBinding} the way a runtime exposes a joined
 * network. Frames cross the segment asynchronously (setImmediate), so socket callbacks never re-enter the
 * sender, like a real network.
 * @module
 */

import { randomBytes } from 'node:crypto';
import { Stack } from '../stack/stack.ts';
import { TcpLayer } from '../stack/tcp/index.ts';
import type { SocketStackBinding } from './binding.ts';

/** One side of a {@link createTestPair} segment. */
export interface TestSide extends SocketStackBinding {
  readonly v4: string;
  readonly v6: string;
}

/** Two stacks A (10.9.0.1, fd09::1) and B (10.9.0.2, fd09::2) on one /24 + /64 segment. */
export interface TestPair {
  readonly a: TestSide;
  readonly b: TestSide;
  /** Frames carried so far (both directions). */
  readonly frames: () => number;
  /** Stops timers; call at the end of each test. */
  close(): void;
}

/** Builds a {@link TestPair}. `drop(frame)` may return true to lose a frame (tests of loss). */
export function createTestPair(opts: { drop?: (frame: Uint8Array) => boolean; mtu?: number } = {}): TestPair {
  const t0 = performance.now();
  const now = () => performance.now() - t0;
  let carried = 0;
  let closed = false;
  let timer: NodeJS.Timeout | null = null;
  let armedAt = Number.POSITIVE_INFINITY;
  let holds = 0;
  let keepAlive: NodeJS.Timeout | null = null;
  const pending: Array<[number, Uint8Array]> = [];
  let flushScheduled = false;

  const sides: Array<{ stack: Stack; tcp: TcpLayer }> = [];
  const flush = () => {
    flushScheduled = false;
    const batch = pending.splice(0);
    for (const [to, f] of batch) if (!closed) sides[to]?.stack.receiveFrame(f, now());
    rearm();
  };
  const rearm = () => {
    if (closed) return;
    let next = Number.POSITIVE_INFINITY;
    for (const s of sides) next = Math.min(next, s.stack.nextDeadline());
    if (next === Number.POSITIVE_INFINITY) return;
    if (timer && next >= armedAt) return;
    if (timer) clearTimeout(timer);
    armedAt = next;
    timer = setTimeout(
      () => {
        timer = null;
        armedAt = Number.POSITIVE_INFINITY;
        const t = now();
        for (const s of sides) if (s.stack.nextDeadline() <= t) s.stack.poll(t);
        rearm();
      },
      Math.max(0, next - now()),
    );
  };
  const mk = (i: number, v4: string, v6: string): TestSide => {
    const stack = new Stack({
      mac: new Uint8Array([0x02, 0, 0, 0, 0, i + 1]),
      mtu: opts.mtu ?? 2800,
      addresses: [
        { address: v4, prefixLength: 24 },
        { address: v6, prefixLength: 64 },
      ],
      random: (n) => randomBytes(n),
      onFrame: (f) => {
        if (closed || opts.drop?.(f)) return;
        carried++;
        pending.push([1 - i, f]);
        if (!flushScheduled) {
          flushScheduled = true;
          setImmediate(flush);
        }
      },
    });
    const tcp = new TcpLayer(stack.ip, { random: (n) => randomBytes(n) });
    stack.registerTransport(6, tcp);
    sides[i] = { stack, tcp };
    return {
      stack,
      tcp,
      v4,
      v6,
      now,
      kick: rearm,
      hold: () => {
        if (holds++ === 0) keepAlive = setInterval(() => {}, 1 << 30);
        let released = false;
        return () => {
          if (released) return;
          released = true;
          if (--holds === 0 && keepAlive) clearInterval(keepAlive);
        };
      },
    };
  };
  const a = mk(0, '10.9.0.1', 'fd09::1');
  const b = mk(1, '10.9.0.2', 'fd09::2');
  return {
    a,
    b,
    frames: () => carried,
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
      if (keepAlive) clearInterval(keepAlive);
    },
  };
}
