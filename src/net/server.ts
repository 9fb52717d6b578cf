/**
 * `StackServer`: Node's `net.Server` surface over a TCP listener of our stack — `listen(port, host,
 * backlog, cb)` / `listen({ port, host, backlog, signal })`, `address()`, `close()`,
 * `getConnections()`, `maxConnections`, `listening`, `ref`/`unref`, and the events `listening`,
 * `connection`, `close`, `error` (EADDRINUSE with syscall `listen`), `drop`.
 *
 * Port 0 picks a free port from the ephemeral range (49152–65535, as the TCP layer does for
 * active opens). A host of `0.0.0.0`, `::` or none listens on every address of the stack; the
 * address reported is then `::` (IPv6, as Node reports a dual-stack listener) or `0.0.0.0`.
 * @module
 */

import { EventEmitter } from 'node:events';
import { isIP } from 'node:net';
import type { TcpConnection, TcpListener } from '../stack/tcp/index.ts';
import { formatIp, parseIp } from '../stack/wire/ip-address.ts';
import type { NetStackBinding } from './binding.ts';
import { codeError, netError } from './errors.ts';
import type { SocketAddress, SocketOwner, StackSocket, StackSocketOptions } from './socket.ts';

/** Options of {@link StackServer} (Node's `net.createServer` options). */
export interface StackServerOptions {
  /** Keep accepted sockets writable after the peer's FIN (default false: end them too). */
  allowHalfOpen?: boolean;
  /** Accepted sockets start paused. */
  pauseOnConnect?: boolean;
  /** Disable Nagle on accepted sockets. */
  noDelay?: boolean;
  /** Enable keepalive on accepted sockets. */
  keepAlive?: boolean;
  /** First keepalive probe after this idle time (ms). */
  keepAliveInitialDelay?: number;
}

/** `listen()` options (Node's `ListenOptions` subset that applies to TCP). */
export interface StackListenOptions {
  port?: number;
  host?: string;
  backlog?: number;
  signal?: AbortSignal;
  ipv6Only?: boolean;
}

/** Ephemeral range for port 0 (RFC 6335 §6, the TCP layer's default). */
const EPHEMERAL_LOW = 49152;
const EPHEMERAL_HIGH = 65535;

/** A `net.Server`-compatible server. Create through `createServer` of a module made by `createNet`. */
export class StackServer extends EventEmitter implements SocketOwner {
  /** Refuse (RST, then `'drop'`) connections beyond this many; unset = unlimited. */
  maxConnections: number | undefined = undefined;
  private listener: TcpListener | null = null;
  private bound: SocketAddress | null = null;
  private readonly sockets = new Set<StackSocket>();
  private closing = false;
  private release: (() => void) | null = null;
  private refed = true;
  private nextPort: number;

  constructor(
    private readonly binding: NetStackBinding,
    private readonly SocketClass: new (o?: StackSocketOptions) => StackSocket,
    private readonly options: StackServerOptions = {},
    connectionListener?: (socket: StackSocket) => void,
  ) {
    super();
    if (connectionListener) this.on('connection', connectionListener);
    this.nextPort = EPHEMERAL_LOW;
  }

  /** True while listening. */
  get listening(): boolean {
    return this.listener !== null;
  }

  /**
   * Starts listening. Overloads as Node's: `listen(port[, host][, backlog][, cb])`,
   * `listen(options[, cb])`, `listen(cb)`. Errors (EADDRINUSE, EADDRNOTAVAIL) go to `'error'`.
   */
  // biome-ignore lint/suspicious/noExplicitAny: Node's overloads
  listen(...args: any[]): this {
    const cb = typeof args[args.length - 1] === 'function' ? (args.pop() as () => void) : undefined;
    let o: StackListenOptions;
    if (args[0] !== null && typeof args[0] === 'object') o = { ...args[0] };
    else {
      o = { port: args[0] === undefined ? 0 : Number(args[0]) };
      if (typeof args[1] === 'string') o.host = args[1];
      const bl = typeof args[1] === 'number' ? args[1] : args[2];
      if (typeof bl === 'number') o.backlog = bl;
    }
    const port = o.port === undefined || o.port === null ? 0 : Number(o.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      const e = new RangeError(`options.port should be >= 0 and < 65536. Received ${String(o.port)}.`);
      (e as RangeError & { code: string }).code = 'ERR_SOCKET_BAD_PORT';
      throw e;
    }
    if (this.listener)
      throw codeError(
        'ERR_SERVER_ALREADY_LISTEN',
        'Listen method has been called more than once without closing.',
      );
    if (o.signal?.aborted) return this;
    if (cb) this.once('listening', cb);
    const host = o.host ?? '';
    let address: Uint8Array | null = null;
    if (host !== '' && host !== '0.0.0.0' && host !== '::') {
      const lit = host === 'localhost' ? '127.0.0.1' : host;
      address = isIP(lit) ? parseIp(lit.split('%')[0]) : null;
      if (!address || !this.binding.stack.ip.isLocal(address)) {
        const e = netError(
          address ? 'EADDRNOTAVAIL' : 'ENOTFOUND',
          address ? 'listen' : 'getaddrinfo',
          host,
          port,
        );
        process.nextTick(() => this.emit('error', e));
        return this;
      }
    }
    const backlog = o.backlog !== undefined && o.backlog > 0 ? o.backlog : 511;
    const b = this.binding;
    b.stack.setTime(b.now());
    try {
      this.listener =
        port === 0 ? this.listenEphemeral(address, backlog) : b.tcp.listen(port, { address, backlog });
    } catch (err) {
      const code = (err as { code?: string }).code ?? 'EINVAL';
      const e = netError(code, 'listen', host || '::', port);
      process.nextTick(() => this.emit('error', e));
      return this;
    }
    const l = this.listener;
    const anyFamily = host === '0.0.0.0' ? 'IPv4' : 'IPv6';
    this.bound = address
      ? { address: formatIp(address), family: address.length === 4 ? 'IPv4' : 'IPv6', port: l.port }
      : { address: host === '0.0.0.0' ? '0.0.0.0' : '::', family: anyFamily, port: l.port };
    l.onconnection = (conn) => this.accept(conn);
    this.closing = false;
    if (this.refed && b.hold) this.release = b.hold();
    if (o.signal) o.signal.addEventListener('abort', () => this.close(), { once: true });
    process.nextTick(() => this.emit('listening'));
    return this;
  }

  private listenEphemeral(address: Uint8Array | null, backlog: number): TcpListener {
    const span = EPHEMERAL_HIGH - EPHEMERAL_LOW + 1;
    for (let i = 0; i < span; i++) {
      const port = this.nextPort;
      this.nextPort = port === EPHEMERAL_HIGH ? EPHEMERAL_LOW : port + 1;
      try {
        return this.binding.tcp.listen(port, { address, backlog });
      } catch (e) {
        if ((e as { code?: string }).code !== 'EADDRINUSE') throw e;
      }
    }
    throw netError('EADDRINUSE', 'listen');
  }

  private accept(conn: TcpConnection): void {
    if (this.maxConnections !== undefined && this.sockets.size >= this.maxConnections) {
      const la = formatIp(conn.localAddress);
      const ra = formatIp(conn.remoteAddress);
      const fam = conn.localAddress.length === 4 ? 'IPv4' : 'IPv6';
      conn.abort();
      this.binding.kick();
      this.emit('drop', {
        localAddress: la,
        localPort: conn.localPort,
        localFamily: fam,
        remoteAddress: ra,
        remotePort: conn.remotePort,
        remoteFamily: fam,
      });
      return;
    }
    const o = this.options;
    const s = new this.SocketClass({
      allowHalfOpen: Boolean(o.allowHalfOpen),
      noDelay: o.noDelay,
      keepAlive: o.keepAlive,
      keepAliveInitialDelay: o.keepAliveInitialDelay,
    });
    s._ztAttach(conn, this);
    (s as unknown as { server: unknown; _server: unknown }).server = this;
    this.sockets.add(s);
    if (o.pauseOnConnect) s.pause();
    this.emit('connection', s);
    // `new tls.TLSSocket(sock, { isServer: true })` (and so https.Server) treats a socket without a
    // native `_handle` as still connecting and waits for its 'connect' event before writing. A
    // kernel-accepted socket never emits one; ours does, once, for whoever waits for it.
    process.nextTick(() => {
      if (!s.destroyed && s.listenerCount('connect') > 0) s.emit('connect');
    });
  }

  /** @internal an accepted socket closed. */
  socketClosed(s: StackSocket): void {
    this.sockets.delete(s);
    this.maybeEmitClose();
  }

  private maybeEmitClose(): void {
    if (this.closing && this.sockets.size === 0) {
      this.closing = false;
      process.nextTick(() => this.emit('close'));
    }
  }

  /** `{ address, family, port }` while listening, else null. */
  address(): SocketAddress | null {
    return this.listener && this.bound ? { ...this.bound } : null;
  }

  /**
   * Stops accepting; `'close'` follows once every accepted socket has closed. `cb` gets
   * ERR_SERVER_NOT_RUNNING when the server was not listening.
   */
  close(cb?: (err?: Error) => void): this {
    if (!this.listener) {
      if (cb) process.nextTick(() => cb(codeError('ERR_SERVER_NOT_RUNNING', 'Server is not running.')));
      return this;
    }
    if (cb) this.once('close', () => cb());
    this.listener.close();
    this.listener = null;
    this.binding.kick();
    const r = this.release;
    this.release = null;
    r?.();
    this.closing = true;
    this.maybeEmitClose();
    return this;
  }

  /** Counts open accepted sockets (asynchronously, as Node does). */
  getConnections(cb: (err: Error | null, count: number) => void): this {
    const n = this.sockets.size;
    process.nextTick(() => cb(null, n));
    return this;
  }

  /** Lets the process exit while listening. */
  unref(): this {
    this.refed = false;
    const r = this.release;
    this.release = null;
    r?.();
    return this;
  }

  /** Keeps the process alive while listening (the default). */
  ref(): this {
    this.refed = true;
    if (this.listener && !this.release && this.binding.hold) this.release = this.binding.hold();
    return this;
  }

  /** `await using server = …` closes it. */
  [Symbol.asyncDispose](): Promise<void> {
    return new Promise((resolve) => {
      if (!this.listener) resolve();
      else this.close(() => resolve());
    });
  }
}
