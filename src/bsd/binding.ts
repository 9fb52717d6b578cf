/**
 * What the BSD layer needs from whoever runs a {@link Stack}: the `dgram` binding plus the stack's TCP layer.
 * Structurally the same as the `net` module's `NetStackBinding` (src/net/binding.ts), so the runtime builds
 * one binding object per joined network and hands it to `net`, `dgram` and `bsd`.
 * @module
 */

import type { DgramStackBinding } from '../dgram/binding.ts';
import type { TcpLayer } from '../stack/tcp/index.ts';

/** The stack side of the BSD layer. */
export interface SocketStackBinding extends DgramStackBinding {
  /** The TCP layer registered with `stack.registerTransport(6, tcp)`. */
  readonly tcp: TcpLayer;
}
