/**
 * `StackSocket`: a real `net.Socket` (subclass, so `instanceof net.Socket` holds for pg, http,
 * tls…) whose "handle" is a TCP connection of our user-space stack (architecture.md "Sockets are
 * thin adapters"; style.md §4: Node's net.js drives a native handle the same way).
 *
 * How the Duplex maps onto the connection (src/stack/tcp/README.md):
 * - read side: push-mode `ondata` copies each chunk into a Buffer and `push()`es it; when `push`
 *   returns false the connection is `pause()`d, so unread data stays in the TCP receive buffer and
 *   the advertised window closes — the peer slows to the reader's pace. `_read` resumes it.
 *   The peer's FIN (`onend`) is `push(null)`; with `allowHalfOpen` false Node's Duplex then ends
 *   our side too.
 * - write side: `_write` hands bytes to `conn.write`, which accepts what fits in the send buffer;
 *   the rest waits for `ondrain` and the write callback is held until all is accepted, so Node's
 *   Writable buffering gives `write() === false` and `'drain'` as with a kernel socket.
 * - `end()` → `_final` → `conn.shutdown()` (FIN); `destroy()` → `conn.close()` (FIN, or RST when
 *   unread data is pending, RFC 2525 §2.17); `resetAndDestroy()` → `conn.abort()` (RST).
 * - errors from the connection (`ECONNREFUSED`, `ECONNRESET`, `ETIMEDOUT`, `EHOSTUNREACH`) become
 *   Node errors with `code`/`errno`/`syscall`/`address`/`port`, then `'close'` with hadError true.
 *
 * Everything that may emit frames or move a timer ends with `binding.kick()`.
 * @module
 */

import { isIP, Socket, type SocketConnectOpts, type SocketConstructorOpts } from 'node:net';
import type { TcpConnection } from '../stack/tcp/index.ts';
import type { TcpErrorCode } from '../stack/tcp/options.ts';
import { formatIp, parseIp } from '../stack/wire/ip-address.ts';
import type { NetStackBinding } from './binding.ts';
import { codeError, netError } from './errors.ts';
import { chooseRoute } from './route-choice.ts';

/** Static slot of a per-binding Socket subclass (see `createNet`). */
export const kBinding: unique symbol = Symbol('zt.netBinding');

/** Node's private timeout symbol (net.Socket keeps its setTimeout timer there); cleared on destroy. */
const kTimeout = Object.getOwnPropertySymbols(new Socket()).find((s) => s.description === 'timeout');

/** Options of {@link StackSocket} beyond Node's `SocketConstructorOpts`. */
export interface StackSocketOptions extends SocketConstructorOpts {
  /** Disable Nagle from the start (Node's `noDelay`). */
  noDelay?: boolean;
  /** Enable keepalive from the start (Node's `keepAlive`, `keepAliveInitialDelay` in ms). */
  keepAlive?: boolean;
  /** Delay before the first keepalive probe (ms). */
  keepAliveInitialDelay?: number;
}

/** An address as `address()` reports it. */
export interface SocketAddress {
  address: string;
  family: string;
  port: number;
}

/** What the server side tracks of its sockets. */
export interface SocketOwner {
  /** Called once when an accepted socket is closed. */
  socketClosed(s: StackSocket): void;
}

/** Lookup result for `connect`. */
type Resolved = { ip: Uint8Array; address: string; family: 4 | 6 };

const familyName = (ip: Uint8Array): string => (ip.length === 4 ? 'IPv4' : 'IPv6');

/** Reads the binding of the concrete (per-binding) subclass. */
function bindingOf(ctor: unknown): NetStackBinding {
  const b = (ctor as { [kBinding]?: NetStackBinding })[kBinding];
  if (!b) throw new TypeError('StackSocket: use the Socket class of a net module made by createNet()');
  return b;
}

/**
 * A `net.Socket` over the user-space stack. Do not construct this class directly: use the
 * `Socket` class, `connect` or `createConnection` of a module made by `createNet(binding)`.
 */
export class StackSocket extends Socket {
  /** @internal */ readonly _zt: NetStackBinding;
  /** @internal the TCP connection (null before connect and after it is gone) */ _conn: TcpConnection | null =
    null;
  /** @internal */ _owner: SocketOwner | null = null;
  private _ztLocal: SocketAddress | null = null;
  private _ztRemote: SocketAddress | null = null;
  private _ztRead = 0;
  private _ztWritten = 0;
  private _ztWantRead = false;
  /** The peer's FIN has been pushed to the stream (all received data delivered). */
  private _ztEndPushed = false;
  /** The peer's FIN, held for a paused `'readable'` consumer until it reads and finds nothing (see `onend`). */
  private _ztEndHeld = false;
  /** TCP reported the connection closed. */
  private _ztClosed = false;
  private _ztPending: { data: Uint8Array; off: number; cb: (err?: Error | null) => void } | null = null;
  private _ztNoDelay: boolean;
  private _ztKeepAlive: { on: boolean; delay: number } | null;
  private _ztRelease: (() => void) | null = null;
  private _ztRefed = true;
  private _ztReset = false;
  private _ztConnected = false;

  constructor(options: StackSocketOptions = {}) {
    const { noDelay, keepAlive, keepAliveInitialDelay, ...rest } = options ?? {};
    if ((rest as { fd?: unknown }).fd !== undefined || (rest as { handle?: unknown }).handle !== undefined)
      throw new TypeError('StackSocket: fd/handle options are not supported on the virtual network');
    super(rest);
    this._zt = bindingOf(new.target);
    this._ztNoDelay = Boolean(noDelay);
    this._ztKeepAlive = keepAlive ? { on: true, delay: keepAliveInitialDelay ?? 0 } : null;
  }

  // ------------------------------------------------------------------ connect

  /**
   * Opens a connection. Overloads as Node's: `connect(options[, cb])`, `connect(port[, host][, cb])`.
   * Options used: `port`, `host` (IP literal, `localhost`, or a name the binding's `lookup` resolves),
   * `family`, `localAddress`, `localPort`, `lookup`, `noDelay`, `keepAlive`, `keepAliveInitialDelay`.
   * `path` (IPC) is refused with a TypeError.
   */
  // biome-ignore lint/suspicious/noExplicitAny: Node's overloads
  override connect(...args: any[]): this {
    let opts: SocketConnectOpts & Record<string, unknown>;
    let cb: (() => void) | undefined;
    if (args[0] !== null && typeof args[0] === 'object') {
      opts = args[0];
      cb = typeof args[1] === 'function' ? args[1] : undefined;
    } else {
      opts = { port: args[0] } as SocketConnectOpts & Record<string, unknown>;
      if (typeof args[1] === 'string') opts.host = args[1];
      cb = args.find((a) => typeof a === 'function');
    }
    if ((opts as { path?: unknown }).path !== undefined)
      throw new TypeError('StackSocket: IPC paths are not supported on the virtual network');
    const port = Number((opts as { port?: unknown }).port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      const e = new RangeError(
        `Port should be >= 0 and < 65536. Received ${String((opts as { port?: unknown }).port)}.`,
      );
      (e as RangeError & { code: string }).code = 'ERR_SOCKET_BAD_PORT';
      throw e;
    }
    if (this._conn || this._ztConnected)
      throw codeError('ERR_SOCKET_CONNECTING', 'Socket is already connected');
    if (cb) this.once('connect', cb);
    const o = opts as Record<string, unknown>;
    if (o.noDelay !== undefined) this._ztNoDelay = Boolean(o.noDelay);
    if (o.keepAlive) this._ztKeepAlive = { on: true, delay: Number(o.keepAliveInitialDelay ?? 0) };
    this._ztSetConnecting(true);
    this._ztHold();
    const host = typeof o.host === 'string' && o.host !== '' ? o.host : 'localhost';
    const family = Number(o.family ?? 0);
    this._ztResolve(host, family, o.lookup as LookupFn | undefined, (err, r) => {
      if (this.destroyed) return;
      if (err || !r) {
        this.destroy(err ?? netError('ENOTFOUND', 'getaddrinfo', host));
        return;
      }
      this._ztOpen(r, port, o.localAddress as string | undefined, o.localPort as number | undefined);
    });
    return this;
  }

  private _ztResolve(
    host: string,
    family: number,
    lookup: LookupFn | undefined,
    done: (err: Error | null, r?: Resolved) => void,
  ): void {
    const literal = (s: string): Resolved | null => {
      const v = isIP(s);
      const ip = v ? parseIp(s.split('%')[0]) : null;
      return ip ? { ip, address: formatIp(ip), family: v as 4 | 6 } : null;
    };
    const lit = literal(host);
    if (lit) {
      // Node connects to IP literals synchronously (no 'lookup' event).
      done(null, lit);
      return;
    }
    if (host === 'localhost' && !lookup && !this._zt.lookup) {
      process.nextTick(() => done(null, literal(family === 6 ? '::1' : '127.0.0.1') as Resolved));
      return;
    }
    const fn = lookup ?? this._zt.lookup?.bind(this._zt);
    if (!fn) {
      process.nextTick(() => done(netError('ENOTFOUND', 'getaddrinfo', host)));
      return;
    }
    fn(host, { family }, (err, address, fam) => {
      this.emit('lookup', err, address, fam, host);
      if (err) return done(err);
      const r = literal(address);
      done(r ? null : netError('ENOTFOUND', 'getaddrinfo', host), r ?? undefined);
    });
  }

  private _ztOpen(r: Resolved, port: number, localAddress?: string, localPort?: number): void {
    const b = this._zt;
    b.stack.setTime(b.now());
    let conn: TcpConnection;
    // The TCP layer would send the SYN into the void and time out after 75 s: answer as Linux does
    // (the one route rule of node.net, dgram and bsd: route-choice.ts).
    if (!chooseRoute([b], r.ip)) {
      const err = netError('ENETUNREACH', 'connect', r.address, port);
      process.nextTick(() => this.destroy(err));
      return;
    }
    try {
      const la = localAddress ? parseIp(localAddress) : null;
      if (localAddress && !la) throw netError('EINVAL', 'bind', localAddress);
      conn = b.tcp.connect(r.ip, port, {
        ...(la ? { localAddress: la } : {}),
        ...(localPort ? { localPort } : {}),
        noDelay: this._ztNoDelay,
      });
    } catch (e) {
      const code = (e as { code?: string }).code ?? 'EINVAL';
      const err = netError(code, 'connect', r.address, port);
      process.nextTick(() => this.destroy(err));
      return;
    }
    this._ztRemote = { address: r.address, family: familyName(r.ip), port };
    this._ztAttach(conn);
    b.kick();
  }

  /** @internal Binds this socket to a connection (active open, or accepted by a server). */
  _ztAttach(conn: TcpConnection, owner?: SocketOwner): void {
    this._conn = conn;
    this._ztLocal = {
      address: formatIp(conn.localAddress),
      family: familyName(conn.localAddress),
      port: conn.localPort,
    };
    this._ztRemote = {
      address: formatIp(conn.remoteAddress),
      family: familyName(conn.remoteAddress),
      port: conn.remotePort,
    };
    if (this._ztKeepAlive) conn.setKeepAlive(this._ztKeepAlive.on, this._ztKeepAlive.delay);
    if (this._ztNoDelay) conn.setNoDelay(true);
    conn.ondata = (chunk) => this._ztOnData(chunk);
    conn.onend = () => {
      // A consumer in paused mode that reads on 'readable' (undici's HTTP/1 client) may have taken
      // every byte and paused its parser for backpressure; 'end' at that moment makes undici 7
      // throw from its 'end' handler (nodejs/undici#5360, fixed only in undici 8, which needs Node
      // 22). TCP often hands the last data and the FIN over together, so the EOF waits until that
      // consumer reads and finds the buffer empty (its parser then runs): wake it with 'readable'.
      if (this.readableFlowing !== true && this.listenerCount('readable') > 0) {
        this._ztEndHeld = true;
        // Not from inside this call: onend can run within the consumer's own read() (a paused
        // connection resumed by _read delivers its last data and the FIN synchronously).
        process.nextTick(() => {
          if (this._ztEndHeld && !this.destroyed) this.emit('readable');
        });
        return;
      }
      this._ztPushEnd();
    };
    conn.ondrain = () => this._ztFlush();
    conn.onerror = (code) => this._ztOnError(code);
    conn.onclose = () => this._ztOnClose();
    if (owner) {
      // Accepted: already established (Node emits no 'connect' on server sockets).
      this._owner = owner;
      this._ztConnected = true;
      this._ztHold();
      if (!this._ztWantRead && !this.isPaused()) conn.pause();
    } else {
      conn.onconnect = () => {
        this._ztSetConnecting(false);
        this._ztConnected = true;
        this.emit('connect');
        this.emit('ready');
      };
    }
    // Until the stream asks for data (`_read`), keep it in the TCP buffer.
    if (!this._ztWantRead) conn.pause();
  }

  // ------------------------------------------------------------------ data path

  /** net.Socket's `connecting` is a plain field (typed readonly by @types/node). */
  private _ztSetConnecting(v: boolean): void {
    (this as { connecting: boolean }).connecting = v;
  }

  /** Restarts the `setTimeout` idle timer (net.Socket's `_unrefTimer`). */
  private _ztActivity(): void {
    (this as unknown as { _unrefTimer(): void })._unrefTimer();
  }

  private _ztOnData(chunk: Uint8Array): void {
    this._ztRead += chunk.length;
    this._ztActivity();
    if (!this.push(Buffer.from(chunk))) {
      this._ztWantRead = false;
      this._conn?.pause();
    }
  }

  /** Ends the readable side (the peer's FIN) and finishes a close that waited for it. */
  private _ztPushEnd(): void {
    this._ztEndPushed = true;
    this.push(null);
    this.read(0);
    // The connection may have closed (TIME-WAIT) while the last data still waited for the reader.
    if (this._ztClosed) this._ztOnClose();
  }

  /**
   * A read that finds nothing buffered releases a held FIN (see `onend`), on the next tick: the
   * reader (undici's parser resuming) must finish its own call before 'end' can reach it.
   */
  override read(size?: number): ReturnType<Socket['read']> {
    if (this._ztEndHeld && size === undefined && this.readableLength === 0) {
      this._ztEndHeld = false;
      process.nextTick(() => {
        if (!this.destroyed && !this._ztEndPushed) this._ztPushEnd();
      });
    }
    return super.read(size);
  }

  /** @internal Node's Readable asks for more: let the connection deliver again (window reopens). */
  override _read(_n: number): void {
    this._ztWantRead = true;
    const c = this._conn;
    if (c?.paused) {
      c.resume();
      this._zt.kick();
    }
  }

  /** @internal */
  override _write(chunk: Buffer | string, encoding: BufferEncoding, cb: (err?: Error | null) => void): void {
    const data = typeof chunk === 'string' ? Buffer.from(chunk, encoding) : chunk;
    if (!this._conn) {
      if (this.connecting) {
        // Still resolving: Node buffers the write until 'connect' too.
        const retry = () => {
          this.off('close', onClose);
          this._write(data, encoding, cb);
        };
        const onClose = () => {
          this.off('connect', retry);
          cb(
            codeError(
              'ERR_SOCKET_CLOSED_BEFORE_CONNECTION',
              'Socket closed before the connection was established',
            ),
          );
        };
        this.once('connect', retry);
        this.once('close', onClose);
        return;
      }
      cb(codeError('ERR_SOCKET_CLOSED', 'Socket is closed'));
      return;
    }
    this._ztPending = { data, off: 0, cb };
    this._ztFlush();
  }

  /** @internal */
  override _writev(
    chunks: Array<{ chunk: Buffer | string; encoding: BufferEncoding }>,
    cb: (err?: Error | null) => void,
  ): void {
    const bufs = chunks.map((c) =>
      typeof c.chunk === 'string' ? Buffer.from(c.chunk, c.encoding) : c.chunk,
    );
    this._write(bufs.length === 1 ? bufs[0] : Buffer.concat(bufs), 'latin1', cb);
  }

  /** Hands pending bytes to the connection; completes the write callback once all are accepted. */
  private _ztFlush(): void {
    const p = this._ztPending;
    const c = this._conn;
    if (!p || !c) return;
    let n: number;
    try {
      n = c.write(p.data, p.off, p.data.length);
    } catch {
      this._ztPending = null;
      p.cb(netError('EPIPE', 'write', this._ztRemote?.address, this._ztRemote?.port));
      return;
    }
    p.off += n;
    this._ztWritten += n;
    if (n > 0) this._ztActivity();
    this._zt.kick();
    if (p.off >= p.data.length) {
      this._ztPending = null;
      p.cb();
    }
  }

  /** @internal `end()`: FIN after the queued data (half-close). */
  override _final(cb: (err?: Error | null) => void): void {
    if (this.connecting) {
      this.once('connect', () => this._final(cb));
      return;
    }
    const c = this._conn;
    if (c && c.state !== 'Closed') {
      c.shutdown();
      this._zt.kick();
    }
    cb();
  }

  private _ztOnError(code: TcpErrorCode): void {
    const syscall = this._ztConnected ? (code === 'ECONNRESET' ? 'read' : 'write') : 'connect';
    const r = this._ztRemote;
    this._conn = null;
    this.destroy(netError(code, syscall, r?.address, r?.port));
  }

  private _ztOnClose(): void {
    this._ztClosed = true;
    // Both FINs exchanged can happen while received data still waits, paused, in the TCP buffer
    // (TIME-WAIT keeps it): keep the connection until the peer's FIN has been pushed, or that data
    // would be lost. Aborted connections are destroyed by their error first.
    if (!this._ztEndPushed && !this.destroyed) return;
    this._conn = null;
    // The connection is gone (both FINs exchanged, or aborted): finish the stream if Node has not.
    if (!this.destroyed && this.readableEnded && this.writableFinished) this.destroy();
  }

  /** @internal */
  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    this._ztSetConnecting(false);
    if (kTimeout) clearTimeout((this as unknown as Record<symbol, NodeJS.Timeout | undefined>)[kTimeout]);
    const c = this._conn;
    this._conn = null;
    if (c) {
      c.onconnect = c.ondata = c.onend = c.ondrain = null;
      c.onerror = null;
      c.onclose = null;
      if (this._ztReset) c.abort();
      else c.close();
      this._zt.kick();
    }
    const p = this._ztPending;
    this._ztPending = null;
    if (p) p.cb(err ?? codeError('ERR_SOCKET_CLOSED', 'Socket is closed'));
    this._ztUnhold();
    const hadError = Boolean(err);
    if (hadError) (this as unknown as { _hadError: boolean })._hadError = true;
    cb(err);
    // Like a libuv handle's close callback: a later turn of the loop, after 'end'/'finish' listeners
    // and the promise continuations they trigger have run.
    setImmediate(() => {
      this.emit('close', hadError);
      this._owner?.socketClosed(this);
      this._owner = null;
    });
  }

  /** Aborts the connection with a RST (RFC 9293 §3.10.5) and destroys the socket. */
  override resetAndDestroy(): this {
    if (!this._conn && !this.connecting) {
      this.destroy(codeError('ERR_SOCKET_CLOSED', 'Socket is closed'));
      return this;
    }
    this._ztReset = true;
    this.destroy();
    return this;
  }

  // ------------------------------------------------------------------ options

  /** Disables (true, the default) or enables Nagle's algorithm. */
  override setNoDelay(noDelay = true): this {
    this._ztNoDelay = Boolean(noDelay);
    if (this._conn) {
      this._conn.setNoDelay(this._ztNoDelay);
      this._zt.kick();
    }
    return this;
  }

  /** Enables keepalive probes after `initialDelay` ms idle (RFC 1122 §4.2.3.6). */
  override setKeepAlive(enable = false, initialDelay = 0): this {
    this._ztKeepAlive = { on: Boolean(enable), delay: initialDelay };
    if (this._conn) {
      this._conn.setKeepAlive(Boolean(enable), initialDelay > 0 ? initialDelay : undefined);
      this._zt.kick();
    }
    return this;
  }

  /** Lets the process exit while this socket is open (when the binding supports holding). */
  override unref(): this {
    this._ztRefed = false;
    this._ztUnhold();
    return this;
  }

  /** Keeps the process alive while this socket is open (the default). */
  override ref(): this {
    this._ztRefed = true;
    if (this._conn || this.connecting) this._ztHold();
    return this;
  }

  private _ztHold(): void {
    if (this._ztRefed && !this._ztRelease && this._zt.hold) this._ztRelease = this._zt.hold();
  }

  private _ztUnhold(): void {
    const r = this._ztRelease;
    this._ztRelease = null;
    r?.();
  }

  /** @internal used by net.Socket's `address()`, `localAddress`, `localPort`, `localFamily`. */
  _getsockname(): SocketAddress | Record<string, never> {
    return this._ztLocal ? { ...this._ztLocal } : {};
  }

  /** @internal used by net.Socket's `remoteAddress`, `remotePort`, `remoteFamily`. */
  _getpeername(): SocketAddress | Record<string, never> {
    return this._ztConnected || this._conn ? { ...(this._ztRemote as SocketAddress) } : {};
  }

  /** The TCP connection's counters (srtt, cwnd, retransmits…), or null when not connected. */
  tcpStats(): ReturnType<TcpConnection['stats']> | null {
    return this._conn ? this._conn.stats() : null;
  }

  static {
    // net.Socket defines these as prototype getters reading `_handle`; ours read the connection.
    Object.defineProperty(StackSocket.prototype, 'bytesRead', {
      configurable: true,
      get(this: StackSocket) {
        return this._ztRead;
      },
    });
    Object.defineProperty(StackSocket.prototype, 'bytesWritten', {
      configurable: true,
      get(this: StackSocket) {
        return (
          this._ztWritten +
          (this._ztPending ? this._ztPending.data.length - this._ztPending.off : 0) +
          this.writableLength
        );
      },
    });
    Object.defineProperty(StackSocket.prototype, 'pending', {
      configurable: true,
      get(this: StackSocket) {
        return !this._ztConnected || this.connecting;
      },
    });
  }
}

/** Node's `dns.lookup`-shaped resolver accepted in `connect({ lookup })`. */
type LookupFn = (
  hostname: string,
  options: { family?: number },
  callback: (err: Error | null, address: string, family: number) => void,
) => void;
