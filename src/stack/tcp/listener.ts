/**
 * A listening endpoint (RFC 9293 §3.10.1 passive OPEN) with its backlog: connections in the
 * handshake plus established ones not yet accepted.
 * @module
 */

import type { IpAddress } from '../types.ts';
import type { TcpConnection, TcpListenerRef } from './connection.ts';
import type { TcpConnectionOptions } from './options.ts';

/** A listening endpoint (passive open). Create with `TcpLayer.listen`. */
export class TcpListener implements TcpListenerRef {
  /** Called for each connection that completed the handshake. Without it, use `accept()`. */
  onconnection: ((c: TcpConnection) => void) | null = null;
  /** @internal children in SYN-RECEIVED or established-but-not-accepted */
  pending = 0;
  /** @internal established, waiting for `accept()` */
  readonly queue: TcpConnection[] = [];
  /** False after `close()`. */
  listening = true;
  /** @internal */
  readonly children = new Set<TcpConnection>();

  /** @internal */
  constructor(
    private readonly layer: { unlisten(l: TcpListener): void },
    /** Local address, or null for any of ours. */
    readonly address: IpAddress | null,
    /** Local port. */
    readonly port: number,
    /** Most connections in handshake or awaiting accept (RFC 9293 §3.10.1 "listen queue"). */
    readonly backlog: number,
    /** @internal options for accepted connections */
    readonly opts: Required<TcpConnectionOptions>,
  ) {}

  /** Takes the next established connection (pull mode), or null. */
  accept(): TcpConnection | null {
    const c = this.queue.shift() ?? null;
    if (c) {
      this.pending--;
      this.children.delete(c);
      c.listener = null;
    }
    return c;
  }

  /** @internal */
  childEstablished(c: TcpConnection): void {
    if (!this.listening) {
      c.abort();
      return;
    }
    if (this.onconnection) {
      this.pending--;
      this.children.delete(c);
      c.listener = null;
      this.onconnection(c);
    } else this.queue.push(c);
  }

  /** @internal */
  childGone(c: TcpConnection): void {
    if (this.children.delete(c)) {
      this.pending--;
      const i = this.queue.indexOf(c);
      if (i >= 0) this.queue.splice(i, 1);
    }
  }

  /** Stops listening; connections not yet accepted are reset. */
  close(): void {
    if (!this.listening) return;
    this.listening = false;
    this.layer.unlisten(this);
    for (const c of [...this.children]) c.abort();
  }
}
