/**
 * A listening stream socket over several stacks (`node.bsd` on a node with several networks): a wildcard
 * `listen` listens on every joined network at the same port, as a Linux listener bound to INADDR_ANY accepts
 * on every interface; a listener bound to one address listens on that address's network only
 * (src/net/route-choice.ts `chooseLocal`). Accepted connections say which stack they came from, so that
 * leaving a network can end exactly its connections.
 * @module
 */

import type { Stack } from '../stack/stack.ts';
import type { TcpConnection, TcpConnectionOptions, TcpListener } from '../stack/tcp/index.ts';
import type { IpAddress } from '../stack/types.ts';
import type { TcpStackRef } from './binding.ts';

/** Called with each established connection and the stack it lives on. */
export type ConnectionHandler = (c: TcpConnection, stack: Stack) => void;

/** The stack listeners of one BSD listening socket. */
export class ListenerSet {
  private readonly parts: Array<{ stack: Stack; l: TcpListener }> = [];
  private handler: ConnectionHandler | null = null;
  /** Next part `accept` looks at first (fair among networks). */
  private next = 0;

  /**
   * Listens on `port` on every stack of `on`; throws what `TcpLayer.listen` throws (e.g. `EADDRINUSE`) after
   * closing the listeners already opened.
   */
  constructor(
    on: readonly TcpStackRef[],
    port: number,
    opts: { address: IpAddress | null; backlog: number } & TcpConnectionOptions,
  ) {
    try {
      for (const r of on) this.parts.push({ stack: r.stack, l: r.tcp.listen(port, opts) });
    } catch (err) {
      this.close();
      throw err;
    }
  }

  /** Push mode: established connections go to `h` (null: they wait in the stacks' queues for {@link accept}). */
  set onconnection(h: ConnectionHandler | null) {
    this.handler = h;
    for (const p of this.parts) p.l.onconnection = h ? (c) => h(c, p.stack) : null;
  }

  /** See the setter. */
  get onconnection(): ConnectionHandler | null {
    return this.handler;
  }

  /** Pull mode: the next established connection of any network (round robin), or null. */
  accept(): { c: TcpConnection; stack: Stack } | null {
    const n = this.parts.length;
    for (let i = 0; i < n; i++) {
      const p = this.parts[(this.next + i) % n];
      const c = p.l.accept();
      if (c) {
        this.next = (this.next + i + 1) % n;
        return { c, stack: p.stack };
      }
    }
    return null;
  }

  /** Stops listening everywhere; connections not yet accepted are reset. */
  close(): void {
    for (const p of this.parts.splice(0)) p.l.close();
  }

  /** A network was left: stop listening on it only. */
  drop(stack: Stack): void {
    const i = this.parts.findIndex((p) => p.stack === stack);
    if (i < 0) return;
    this.parts[i].l.close();
    this.parts.splice(i, 1);
    this.next = 0;
  }
}
