/**
 * What the socket layer needs from whoever runs a {@link Stack}: the stack, its TCP layer, a clock,
 * and a way to re-arm the one timer after an API call moved the stack's deadline.
 *
 * The stack is sans-I/O (architecture.md "Sans-I/O core and stack"): it never reads a clock or arms
 * a timer. A driver — `src/runtime` for a joined network, `src/testing/stack-pair.ts` in tests —
 * feeds it frames and runs `stack.poll(now)` at `stack.nextDeadline()`. Socket calls (`write`,
 * `connect`, `end`…) can emit frames and move that deadline earlier, so the sockets call
 * {@link NetStackBinding.kick} after each of them, as Node's net.js lets libuv re-arm its loop.
 * @module
 */

import type { Stack } from '../stack/stack.ts';
import type { TcpLayer } from '../stack/tcp/index.ts';

/** The stack side of a `net` module (see the module comment). */
export interface NetStackBinding {
  /** The stack whose addresses the sockets use. */
  readonly stack: Stack;
  /** Its TCP layer (registered with `stack.registerTransport(6, tcp)`). */
  readonly tcp: TcpLayer;
  /** The driver's clock (ms, monotonic): the `now` it passes to `receiveFrame`/`poll`. */
  now(): number;
  /** Called after every socket API call: re-arm the timer if `stack.nextDeadline()` moved earlier. */
  kick(): void;
  /**
   * Keeps the process alive while the returned function has not been called (a ref'd socket or
   * server, like a libuv handle). Optional: without it, sockets never hold the event loop.
   */
  hold?(): () => void;
  /**
   * Resolves host names that are not IP literals (Node's `dns.lookup` shape). Optional: without it,
   * only IP literals and `localhost` can be used (others fail with ENOTFOUND).
   */
  lookup?(
    hostname: string,
    options: { family?: number },
    callback: (err: Error | null, address: string, family: number) => void,
  ): void;
}
