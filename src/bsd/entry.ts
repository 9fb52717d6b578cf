/**
 * The state behind one BSD file descriptor: its options and either a TCP listener, a TCP connection or a UDP
 * endpoint of the stack. `sockets.ts` implements the calls; this file holds the per-socket state and the
 * readiness rules shared by the blocking calls and `poll` (Linux's `tcp_poll` / `udp_poll` semantics).
 * @module
 */

import type { UdpEndpoint } from '../dgram/udp-endpoint.ts';
import type { Stack } from '../stack/stack.ts';
import type { TcpConnection } from '../stack/tcp/index.ts';
import { AF_INET, POLLERR, POLLHUP, POLLIN, POLLOUT, POLLRDHUP, SOCK_STREAM } from './constants.ts';
import type { ListenerSet } from './listener-set.ts';

/** A received datagram waiting for `recvfrom`. */
export interface QueuedDatagram {
  readonly data: Uint8Array;
  readonly address: Uint8Array;
  readonly port: number;
}

/** `SO_LINGER`. */
export interface Linger {
  /** Non-zero: linger on close. */
  l_onoff: number;
  /** Seconds; with `l_onoff` set, 0 means "reset the connection on close" (the only effect here). */
  l_linger: number;
}

/** Linux's default socket buffer sizes as `getsockopt` reports them. */
export const DEFAULT_RCVBUF = 212_992;
/** See {@link DEFAULT_RCVBUF}. */
export const DEFAULT_SNDBUF = 212_992;

/** One open socket. */
export class Entry {
  closed = false;
  nonblocking: boolean;
  /** Re-checks of calls blocked on this socket (and of polls watching it); run on every change. */
  readonly waiters = new Set<() => void>();
  // --- options (SOL_SOCKET, IPPROTO_TCP, IPPROTO_IP/IPV6)
  reuseAddr = false;
  keepAlive = false;
  keepIdle = 7200;
  keepIntvl = 75;
  keepCnt = 9;
  noDelay = false;
  userTimeout = 0;
  rcvbuf = DEFAULT_RCVBUF;
  sndbuf = DEFAULT_SNDBUF;
  /** Set when SO_RCVBUF/SO_SNDBUF were set: they then size the TCP buffers. */
  rcvbufSet = false;
  sndbufSet = false;
  linger: Linger = { l_onoff: 0, l_linger: 0 };
  rcvTimeo = 0;
  sndTimeo = 0;
  v6only = false;
  tos = 0;
  /** SO_ERROR: a pending asynchronous error (errno), cleared when read. */
  error = 0;
  // --- addresses
  /** Bound local address (null = any) and port (0 = not bound). */
  localAddr: Uint8Array | null = null;
  localPort = 0;
  /** The port was chosen by us (bind to 0 or listen unbound): another may be picked if it turns out taken. */
  autoPort = false;
  // --- TCP
  listener: ListenerSet | null = null;
  /** Capacity of {@link acceptQueue} (our part of the listen queue). */
  backlog = 0;
  /** Established connections waiting for `accept` (push mode of the listener). */
  readonly acceptQueue: Entry[] = [];
  conn: TcpConnection | null = null;
  /** The stack {@link conn} lives on (several networks: the one it was routed or accepted on). */
  connStack: Stack | null = null;
  /** The handshake completed (the connection may have ended since). */
  connected = false;
  /** The connection ended for the application (onclose). */
  connClosed = false;
  /** The peer's FIN arrived after all its data was read. */
  eof = false;
  shutRd = false;
  shutWr = false;
  /** Bytes taken out of the connection by MSG_PEEK and not yet consumed. */
  peeked: Uint8Array = new Uint8Array(0);
  // --- UDP
  udp: UdpEndpoint | null = null;
  readonly dgrams: QueuedDatagram[] = [];
  queuedBytes = 0;

  constructor(
    /** The descriptor (-1 while waiting in a listener's accept queue). */
    public fd: number,
    /** AF_INET or AF_INET6. */
    readonly domain: number,
    /** SOCK_STREAM or SOCK_DGRAM. */
    readonly type: number,
    /** IPPROTO_TCP or IPPROTO_UDP. */
    readonly protocol: number,
    nonblocking: boolean,
  ) {
    this.nonblocking = nonblocking;
  }

  /** Address length for this socket's family (4 or 16). */
  get addrLen(): number {
    return this.domain === AF_INET ? 4 : 16;
  }

  /** A connect is under way (SYN-SENT / SYN-RECEIVED). */
  get connecting(): boolean {
    return this.conn !== null && !this.connected && !this.connClosed;
  }

  /** Bytes a `recv` could return now. */
  get readable(): number {
    return this.peeked.length + (this.conn ? this.conn.readableLength : 0);
  }

  /**
   * The poll events of this socket now (Linux `tcp_poll`/`datagram_poll`): POLLIN for data, EOF, a pending
   * error or an acceptable connection; POLLOUT for room to write; POLLERR for SO_ERROR; POLLHUP when both
   * directions are finished (or before any connect, as Linux reports for an idle stream socket).
   */
  revents(): number {
    let ev = 0;
    if (this.error) ev |= POLLERR;
    if (this.type === SOCK_STREAM) {
      if (this.listener) return ev | (this.acceptQueue.length > 0 ? POLLIN : 0);
      const c = this.conn;
      if (!c) return ev | POLLOUT | POLLHUP; // never connected
      if (this.connecting) return ev;
      if (this.readable > 0 || this.eof || this.shutRd || this.connClosed) ev |= POLLIN;
      if (this.eof || this.connClosed) ev |= POLLRDHUP;
      if (this.connClosed || (this.eof && this.shutWr)) ev |= POLLHUP;
      if (this.connClosed && this.error)
        ev |= POLLOUT; // a failed connect reports writable + error, as Linux
      else if (!this.shutWr && !this.connClosed && c.writableSpace > 0) ev |= POLLOUT;
      return ev;
    }
    if (this.dgrams.length > 0) ev |= POLLIN;
    if (!this.shutWr) ev |= POLLOUT;
    return ev;
  }
}
