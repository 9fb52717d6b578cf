/**
 * What a `dgram` module needs from whoever runs a {@link Stack} (a joined network in `src/runtime`, or a test
 * driver): the stack, its clock, and a way to re-arm the driver's one timer after a socket call moved
 * `stack.nextDeadline()` (architecture.md "Sans-I/O core and stack"). It is a structural subset of the `net`
 * module's `NetStackBinding` (src/net/binding.ts), so one binding object serves `net`, `dgram` and `bsd`.
 *
 * A node on several networks hands the node-level modules (`node.dgram`, `node.bsd`) a {@link StackSetBinding}
 * instead: the stacks of every joined network, among which each socket chooses by route (src/net/route-choice.ts).
 * @module
 */

import type { StackRef } from '../net/route-choice.ts';
import type { Stack } from '../stack/stack.ts';

/** The clock, timer and process-lifetime side shared by one-stack and several-stack bindings. */
export interface SocketHost {
  /** The driver's clock (ms, monotonic): the `now` it passes to `receiveFrame`/`poll`. */
  now(): number;
  /** Called after every socket call that may emit frames or move `stack.nextDeadline()`. */
  kick(): void;
  /**
   * Keeps the process alive while the returned function has not been called (a ref'd socket or server, like a
   * libuv handle). Optional: without it, sockets never hold the event loop.
   */
  hold?(): () => void;
  /**
   * Resolves host names that are not IP literals (Node's `dns.lookup` shape). Optional: without it, only IP
   * literals and `localhost` can be used (others fail with ENOTFOUND).
   */
  lookup?(
    hostname: string,
    options: { family?: number },
    callback: (err: Error | null, address: string, family: number) => void,
  ): void;
}

/** The stack side of a `dgram` module. */
export interface DgramStackBinding extends SocketHost {
  /** The stack whose UDP layer the sockets use. */
  readonly stack: Stack;
}

/**
 * Several stacks (one per joined network, in join order; read at each socket call, so networks joined or left
 * later are seen). `kick` re-arms the one driver that runs them all.
 */
export interface StackSetBinding<R extends StackRef = StackRef> extends SocketHost {
  stacks(): readonly R[];
}

/** What `createDgram` and the dgram `Socket` take: one stack or a set of them. */
export type DgramBinding = DgramStackBinding | StackSetBinding;

/** The stacks of a binding (a one-stack binding is its own {@link StackRef}). */
export function stacksOf<R extends StackRef>(b: R | StackSetBinding<R>): readonly R[] {
  return 'stacks' in b ? b.stacks() : [b];
}

/** Brings every stack of `b` to the driver's time before a call that may send (stacks use the last time seen). */
export function syncStacks(b: DgramBinding): number {
  const now = b.now();
  if ('stack' in b) b.stack.setTime(now);
  else for (const r of b.stacks()) r.stack.setTime(now);
  return now;
}
