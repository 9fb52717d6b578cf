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

import type { DgramStackBinding } from '../dgram/binding.ts';
import type { TcpLayer } from '../stack/tcp/index.ts';

/**
 * The stack side of a `net` module (see the module comment): the `dgram` binding (stack, clock, `kick`,
 * optional `hold` and `lookup`, src/dgram/binding.ts) plus the TCP layer, so one object serves `net`, `dgram`
 * and `bsd`.
 */
export interface NetStackBinding extends DgramStackBinding {
  /** Its TCP layer (registered with `stack.registerTransport(6, tcp)`). */
  readonly tcp: TcpLayer;
}
