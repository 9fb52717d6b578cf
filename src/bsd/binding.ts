/**
 * What the BSD layer needs from whoever runs a {@link Stack}: the `dgram` binding plus the stack's TCP layer.
 * Structurally the same as the `net` module's `NetStackBinding` (src/net/binding.ts), so the runtime builds
 * one binding object per joined network and hands it to `net`, `dgram` and `bsd`. The node-level `node.bsd`
 * gets a {@link StackSetBinding} of every joined network instead, and chooses among them by route
 * (src/net/route-choice.ts).
 * @module
 */

import type { StackSetBinding } from '../dgram/binding.ts';
import type { NetStackBinding } from '../net/binding.ts';
import type { StackRef } from '../net/route-choice.ts';
import type { TcpLayer } from '../stack/tcp/index.ts';

/** A stack with its TCP layer (one joined network). */
export interface TcpStackRef extends StackRef {
  /** The TCP layer registered with `stack.registerTransport(6, tcp)`. */
  readonly tcp: TcpLayer;
}

/** The stack side of the BSD layer: the `net` module's binding (one object serves `net`, `dgram` and `bsd`). */
export type SocketStackBinding = NetStackBinding;

/** What {@link BsdSockets} takes: one stack, or the stacks of every joined network. */
export type BsdBinding = SocketStackBinding | StackSetBinding<TcpStackRef>;
