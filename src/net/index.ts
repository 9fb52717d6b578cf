/**
 * A `node:net`-compatible module bound to one user-space stack (issue 6, "Node-native sockets").
 *
 * ```ts
 * import { createNet } from './net/index.ts';
 * const net = createNet({ stack, tcp, now, kick, hold });   // see binding.ts; src/testing/stack-pair.ts
 * const server = net.createServer((s) => s.pipe(s)).listen(7, () => {
 *   const c = net.connect(7, '10.0.0.1', () => c.end('hello'));
 *   c.on('data', (d) => console.log(String(d)));
 * });
 * ```
 * Sockets are real `net.Socket`s (`instanceof net.Socket` holds), so `http.Server`
 * (`server.emit('connection', socket)`), `tls.connect({ socket })`, undici, ws and pg accept them.
 * @module
 */

import { isIP, isIPv4, isIPv6, Socket as NodeSocket } from 'node:net';
import type { NetStackBinding } from './binding.ts';
import { StackServer, type StackServerOptions } from './server.ts';
import { kBinding, StackSocket, type StackSocketOptions } from './socket.ts';

export type { NetStackBinding } from './binding.ts';
export { codeError, type NetError, netError } from './errors.ts';
export { type StackListenOptions, StackServer, type StackServerOptions } from './server.ts';
export { type SocketAddress, StackSocket, type StackSocketOptions } from './socket.ts';

/** Connect options accepted by {@link NetModule.connect} (Node's `NetConnectOpts` for TCP). */
export interface StackConnectOptions extends StackSocketOptions {
  port: number;
  host?: string;
  family?: number;
  localAddress?: string;
  localPort?: number;
  lookup?: (
    hostname: string,
    options: { family?: number },
    callback: (err: Error | null, address: string, family: number) => void,
  ) => void;
  /** Socket idle timeout (ms), as `socket.setTimeout` (Node's `timeout` option). */
  timeout?: number;
}

/** The `net`-like module returned by {@link createNet}. */
export interface NetModule {
  /** `new net.Socket()` for this stack (call `connect` on it, as pg does). */
  readonly Socket: new (
    options?: StackSocketOptions,
  ) => StackSocket;
  /** The server class (`new Server(options?, connectionListener?)`). */
  readonly Server: new (
    options?: StackServerOptions | ((s: StackSocket) => void),
    connectionListener?: (s: StackSocket) => void,
  ) => StackServer;
  /** `net.createServer([options][, connectionListener])`. */
  createServer(
    options?: StackServerOptions | ((s: StackSocket) => void),
    connectionListener?: (s: StackSocket) => void,
  ): StackServer;
  /** `net.connect(options[, cb])` / `net.connect(port[, host][, cb])`. */
  connect(options: StackConnectOptions, cb?: () => void): StackSocket;
  connect(port: number, host?: string, cb?: () => void): StackSocket;
  connect(port: number, cb?: () => void): StackSocket;
  /** Same as {@link NetModule.connect}. */
  createConnection: NetModule['connect'];
  /** Node's `net.isIP`, `isIPv4`, `isIPv6`. */
  isIP: typeof isIP;
  isIPv4: typeof isIPv4;
  isIPv6: typeof isIPv6;
  /** The binding these sockets run on. */
  readonly binding: NetStackBinding;
}

/** Builds a `net` module whose sockets and servers run on `binding`'s stack. */
export function createNet(binding: NetStackBinding): NetModule {
  if (
    !binding?.stack ||
    !binding.tcp ||
    typeof binding.kick !== 'function' ||
    typeof binding.now !== 'function'
  )
    throw new TypeError('createNet: binding needs stack, tcp, now() and kick()');

  class Socket extends StackSocket {
    static readonly [kBinding] = binding;
  }

  class Server extends StackServer {
    constructor(
      options?: StackServerOptions | ((s: StackSocket) => void),
      connectionListener?: (s: StackSocket) => void,
    ) {
      if (typeof options === 'function') super(binding, Socket, {}, options);
      else super(binding, Socket, options ?? {}, connectionListener);
    }
  }

  // biome-ignore lint/suspicious/noExplicitAny: Node's overloads
  const connect = (...args: any[]): StackSocket => {
    const o = args[0] !== null && typeof args[0] === 'object' ? (args[0] as StackConnectOptions) : null;
    const s = new Socket(
      o
        ? {
            allowHalfOpen: o.allowHalfOpen,
            noDelay: o.noDelay,
            keepAlive: o.keepAlive,
            keepAliveInitialDelay: o.keepAliveInitialDelay,
          }
        : {},
    );
    if (o?.timeout) s.setTimeout(o.timeout);
    return s.connect(...args);
  };

  return {
    Socket,
    Server,
    createServer: (options, connectionListener) => new Server(options, connectionListener),
    connect: connect as NetModule['connect'],
    createConnection: connect as NetModule['connect'],
    isIP,
    isIPv4,
    isIPv6,
    binding,
  };
}

/** True when `s` is a socket of any stack-bound net module (and so also a `node:net` Socket). */
export function isStackSocket(s: unknown): s is StackSocket {
  return s instanceof StackSocket && s instanceof NodeSocket;
}
