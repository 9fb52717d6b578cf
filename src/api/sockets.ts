/**
 * The node-level socket modules (issue 6 "Node-native sockets"): `node.net`, `node.dgram`,
 * `node.http`, `node.fetch`, `node.dispatcher`, `node.bsd`, built on the per-network modules of
 * src/net, src/dgram and src/bsd (each bound to ONE stack) by choosing the network:
 * - outgoing TCP (`net.connect`, http agent, fetch): the joined network with the most specific
 *   route to the destination IP (a host name goes to the first network, whose lookup applies);
 * - listeners (`net.createServer`, `http.createServer`): one listener per joined network on the
 *   same port, fanned into one server object (`'connection'` from any network);
 * - `dgram` sockets and `bsd` descriptors span every joined network the same way: a send or
 *   connect leaves through the network that routes the destination (ENETUNREACH when none does),
 *   a wildcard bind or listen receives on every network joined at that time, a bind to an address
 *   uses that address's network (`node.network(id).dgram` / `.bsd` stay on one network).
 * All three use one rule, src/net/route-choice.ts (longest prefix over all joined networks).
 * Everything created here is closed by `node.stop()`.
 * @module
 */

import { EventEmitter } from 'node:events';
import type http from 'node:http';
import type https from 'node:https';
import { createRequire } from 'node:module';
import { isIP, type Socket } from 'node:net';
import type tls from 'node:tls';
import type { Agent, fetch as undiciFetch } from 'undici';
import type { TcpStackRef } from '../bsd/binding.ts';
import { BsdSockets } from '../bsd/sockets.ts';
import type { StackSetBinding } from '../dgram/binding.ts';
import {
  Socket as DgramSocket,
  type RemoteInfo,
  type SocketOptions,
  type SocketType,
} from '../dgram/index.ts';
import type { MultiUdp } from '../dgram/udp-endpoint.ts';
import { ZtError } from '../errors.ts';
import { loadUndici } from '../http/undici.ts';
import type { StackConnectOptions, StackServer, StackServerOptions, StackSocket } from '../net/index.ts';
import { chooseLocal, chooseRoute, nativeAddress } from '../net/route-choice.ts';
import { parseIp } from '../stack/wire/ip-address.ts';
import type { ZeroTierNetwork } from './network.ts';

/**
 * node:http, node:https and node:tls load on first use: a node that never serves or fetches over
 * HTTP should not pay for them (issue 6's idle-RSS target; undici likewise, src/http/undici.ts).
 */
const requireBuiltin = createRequire(import.meta.url);
const lazyHttp = () => requireBuiltin('node:http') as typeof http;
const lazyHttps = () => requireBuiltin('node:https') as typeof https;
const lazyTls = () => requireBuiltin('node:tls') as typeof tls;

/** Listen arguments normalized (Node's `listen` overloads). */
interface ListenArgs {
  port: number;
  host?: string;
  backlog?: number;
  cb?: () => void;
}

// biome-ignore lint/suspicious/noExplicitAny: Node's overloads
function listenArgs(args: any[]): ListenArgs {
  const a = [...args];
  const cb = typeof a[a.length - 1] === 'function' ? (a.pop() as () => void) : undefined;
  if (a[0] !== null && typeof a[0] === 'object')
    return { port: Number(a[0].port ?? 0), host: a[0].host, backlog: a[0].backlog, cb };
  const out: ListenArgs = { port: a[0] === undefined ? 0 : Number(a[0]), cb };
  if (typeof a[1] === 'string') out.host = a[1];
  const bl = typeof a[1] === 'number' ? a[1] : a[2];
  if (typeof bl === 'number') out.backlog = bl;
  return out;
}

/**
 * A `net.Server`-shaped server listening on every joined network (one stack listener each, same
 * port). Events: `listening`, `connection` (a `net.Socket`), `error`, `close`.
 */
export class MultiServer extends EventEmitter {
  private servers: StackServer[] = [];
  private readonly owner = new Map<StackServer, ZeroTierNetwork>();
  private bound: { address: string; family: string; port: number } | null = null;

  constructor(
    private readonly networks: () => ZeroTierNetwork[],
    private readonly options: StackServerOptions = {},
    connectionListener?: (s: Socket) => void,
    private readonly onClosed?: (s: MultiServer) => void,
    /** Told of each accepted socket and its network (the node closes them when the network is left). */
    private readonly onAccepted?: (c: StackSocket, n: ZeroTierNetwork) => void,
  ) {
    super();
    if (connectionListener) this.on('connection', connectionListener);
  }

  /** True while listening. */
  get listening(): boolean {
    return this.servers.length > 0;
  }

  /** `listen(port[, host][, backlog][, cb])` / `listen({ port, host, backlog }[, cb])`: on every joined network that has `host` (any when omitted). */
  // biome-ignore lint/suspicious/noExplicitAny: Node's overloads
  listen(...args: any[]): this {
    const o = listenArgs(args);
    if (this.servers.length > 0)
      throw Object.assign(new Error('Listen method has been called more than once without closing.'), {
        code: 'ERR_SERVER_ALREADY_LISTEN',
      });
    if (o.cb) this.once('listening', o.cb);
    const any = o.host === undefined || o.host === '' || o.host === '::' || o.host === '0.0.0.0';
    const nets = any ? this.networks() : listenNetworks(this.networks(), o.host!);
    if (nets.length === 0) {
      const e = new ZtError('ERR_ZT_NOT_JOINED', `listen: no joined network${any ? '' : ` has ${o.host}`}`);
      process.nextTick(() => this.emit('error', e));
      return this;
    }
    let port = o.port;
    for (const n of nets) {
      const s = n.net.createServer(this.options);
      s.on('connection', (c: StackSocket) => {
        this.onAccepted?.(c, n);
        this.emit('connection', c);
      });
      this.owner.set(s, n);
      s.on('error', (e: Error) => this.emit('error', e));
      s.listen({ port, host: o.host, backlog: o.backlog });
      const a = s.address();
      if (a) {
        port = a.port; // port 0: the first network's pick is used on the others
        this.bound ??= a;
      }
      this.servers.push(s);
    }
    process.nextTick(() => {
      if (this.servers.length > 0) this.emit('listening');
    });
    return this;
  }

  /** Stops listening on network `n` only (it was left); the others keep listening. */
  dropNetwork(n: ZeroTierNetwork): void {
    for (const [s, owner] of this.owner)
      if (owner === n) {
        this.owner.delete(s);
        this.servers = this.servers.filter((x) => x !== s);
        s.close();
      }
  }

  /** The bound address (port shared by every network), or null. */
  address(): { address: string; family: string; port: number } | null {
    return this.servers.length > 0 && this.bound ? { ...this.bound } : null;
  }

  /** Stops listening on every network; `'close'` once all their accepted sockets are closed. */
  close(cb?: (err?: Error) => void): this {
    const servers = this.servers;
    this.servers = [];
    this.owner.clear();
    this.bound = null;
    if (servers.length === 0) {
      if (cb)
        process.nextTick(() =>
          cb(Object.assign(new Error('Server is not running.'), { code: 'ERR_SERVER_NOT_RUNNING' })),
        );
      return this;
    }
    if (cb) this.once('close', () => cb());
    let left = servers.length;
    for (const s of servers)
      s.close(() => {
        if (--left === 0) this.emit('close');
      });
    this.onClosed?.(this);
    return this;
  }

  /** Open accepted sockets over all networks. */
  getConnections(cb: (err: Error | null, count: number) => void): this {
    let total = 0;
    let left = this.servers.length;
    if (left === 0) process.nextTick(() => cb(null, 0));
    for (const s of this.servers)
      s.getConnections((_e, n) => {
        total += n;
        if (--left === 0) cb(null, total);
      });
    return this;
  }

  /** Does not keep the process alive (the node's UDP sockets do while it runs). */
  unref(): this {
    for (const s of this.servers) s.unref();
    return this;
  }

  /** See {@link MultiServer.unref}. */
  ref(): this {
    for (const s of this.servers) s.ref();
    return this;
  }
}

/** The networks a listener on `host` (an IP literal) uses: the one that has the address (route-choice.ts). */
function listenNetworks(nets: ZeroTierNetwork[], host: string): ZeroTierNetwork[] {
  const ip = parseIp(host.split('%')[0]);
  const owner = ip ? chooseLocal(nets, nativeAddress(ip)) : null;
  return owner === 'all' ? nets : owner ? [owner] : [];
}

/** The `net` module of a node. */
export interface NodeNet {
  /** `net.createServer([options][, listener])`: listens on every joined network. */
  createServer(
    options?: StackServerOptions | ((s: Socket) => void),
    connectionListener?: (s: Socket) => void,
  ): MultiServer;
  /** `net.connect(options[, cb])` / `(port[, host][, cb])` through the network that routes the host. */
  connect(options: StackConnectOptions, cb?: () => void): StackSocket;
  connect(port: number, host?: string, cb?: () => void): StackSocket;
  /** Same as {@link NodeNet.connect}. */
  createConnection: NodeNet['connect'];
  isIP: typeof isIP;
}

/** The `http` helpers of a node. */
export interface NodeHttp {
  /** A real `http.Server` whose `listen()` listens on every joined network. */
  createServer(
    options?: http.ServerOptions | http.RequestListener,
    handler?: http.RequestListener,
  ): http.Server;
  /** An `http.Agent` whose connections go over the joined networks: `http.request(url, { agent })`. */
  readonly agent: http.Agent;
}

/** The `https` helpers of a node. */
export interface NodeHttps {
  /** A real `https.Server` (TLS over our TCP) whose `listen()` listens on every joined network. */
  createServer(options: https.ServerOptions, handler?: http.RequestListener): https.Server;
  /** An `https.Agent` whose connections go over the joined networks (TLS options as `https.Agent`'s). */
  createAgent(options?: https.AgentOptions): https.Agent;
}

/** The `dgram` module of a node (sockets over every joined network, choosing by route). */
export interface NodeDgram {
  createSocket(
    type: SocketType | SocketOptions,
    listener?: (msg: Buffer, rinfo: RemoteInfo) => void,
  ): DgramSocket;
}

/** Owns the node-level socket modules and what they created. */
export class NodeSockets {
  private readonly servers = new Set<MultiServer>();
  private readonly httpServers = new Set<http.Server | https.Server>();
  /** Sockets made here, with the network each runs on. */
  private readonly tcpSockets = new Map<StackSocket, ZeroTierNetwork>();
  private readonly udpSockets = new Set<DgramSocket>();
  private bsdRef: BsdSockets | undefined;
  /** The stacks of every joined network, for `node.dgram` and `node.bsd` (one driver runs them all). */
  private readonly stackSet: StackSetBinding<TcpStackRef> = {
    stacks: () => this.networks().map((n) => n.binding),
    now: () => this.networks()[0]?.binding.now() ?? 0,
    kick: () => this.networks()[0]?.binding.kick(),
  };
  private agentRef: http.Agent | undefined;
  private dispatcherRef: Agent | undefined;
  private readonly dispatchers = new Set<Agent>();

  constructor(private readonly networks: () => ZeroTierNetwork[]) {}

  private first(what: string): ZeroTierNetwork {
    const n = this.networks()[0];
    if (!n) throw new ZtError('ERR_ZT_NOT_JOINED', `${what}: no joined network`);
    return n;
  }

  /**
   * The network with the most specific route to `host` (route-choice.ts); a name, or an address no network
   * routes, goes to the first network (its lookup applies; its socket answers ENETUNREACH).
   */
  pick(host: string | undefined, what: string): ZeroTierNetwork {
    const nets = this.networks();
    if (nets.length === 0) throw new ZtError('ERR_ZT_NOT_JOINED', `${what}: no joined network`);
    const ip = host ? parseIp(host.split('%')[0]) : null;
    if (!ip) return nets[0];
    return chooseRoute(nets, nativeAddress(ip)) ?? nets[0];
  }

  private track(s: StackSocket, n: ZeroTierNetwork): StackSocket {
    this.tcpSockets.set(s, n);
    s.once('close', () => this.tcpSockets.delete(s));
    return s;
  }

  /** `node.net`. */
  readonly net: NodeNet = (() => {
    // biome-ignore lint/suspicious/noExplicitAny: Node's overloads
    const connect = (...args: any[]): StackSocket => {
      const host: string | undefined =
        args[0] !== null && typeof args[0] === 'object'
          ? args[0].host
          : typeof args[1] === 'string'
            ? args[1]
            : undefined;
      const n = this.pick(host, 'connect');
      return this.track((n.net.connect as (...a: unknown[]) => StackSocket)(...args), n);
    };
    return {
      createServer: (options, connectionListener) => {
        const closed = (x: MultiServer) => this.servers.delete(x);
        const accepted = (c: StackSocket, n: ZeroTierNetwork) => this.track(c, n);
        const s =
          typeof options === 'function'
            ? new MultiServer(this.networks, {}, options, closed, accepted)
            : new MultiServer(this.networks, options ?? {}, connectionListener, closed, accepted);
        s.on('listening', () => this.servers.add(s));
        return s;
      },
      connect: connect as NodeNet['connect'],
      createConnection: connect as NodeNet['connect'],
      isIP,
    };
  })();

  /** `node.http`. */
  get http(): NodeHttp {
    const self = this;
    return {
      createServer(
        options?: http.ServerOptions | http.RequestListener,
        handler?: http.RequestListener,
      ): http.Server {
        const server =
          typeof options === 'function' || options === undefined
            ? lazyHttp().createServer(options as http.RequestListener | undefined)
            : lazyHttp().createServer(options, handler);
        return self.wrapHttpServer(server);
      },
      get agent(): http.Agent {
        return self.agent;
      },
    };
  }

  /** `node.https`. */
  get https(): NodeHttps {
    return {
      createServer: (options, handler) => this.wrapHttpServer(lazyHttps().createServer(options, handler)),
      createAgent: (options = {}) => {
        const agent = new (lazyHttps().Agent)({ keepAlive: true, ...options });
        // biome-ignore lint/suspicious/noExplicitAny: https.Agent's createConnection is untyped here
        (agent as any).createConnection = (o: tls.ConnectionOptions & { host?: string; port?: number }) =>
          lazyTls().connect({
            ...o,
            socket: this.net.connect({ host: o.host ?? 'localhost', port: Number(o.port ?? 443) }),
          });
        return agent;
      },
    };
  }

  /**
   * An undici Agent connecting over the joined networks, with TLS options for https (e.g. `ca` for
   * a private CA, `rejectUnauthorized: false` for a self-signed test server).
   */
  createDispatcher(tlsOptions: tls.ConnectionOptions = {}): Agent {
    const agent: Agent = new (loadUndici().Agent)({
      connect: (o, cb) => {
        let done = false;
        const finish = (err: Error | null, s?: Socket) => {
          if (done) return;
          done = true;
          if (err) cb(err, null);
          else cb(null, s!);
        };
        try {
          const host = o.hostname.startsWith('[') ? o.hostname.slice(1, -1) : o.hostname;
          const secure = o.protocol === 'https:';
          const port = Number(o.port) || (secure ? 443 : 80);
          const raw = this.net.connect({ host, port });
          if (!secure) {
            raw.once('connect', () => finish(null, raw));
            raw.once('error', (e) => finish(e));
            return;
          }
          const t = lazyTls().connect({
            ...tlsOptions,
            socket: raw,
            servername: o.servername || tlsOptions.servername || (isIP(host) ? undefined : host),
            ALPNProtocols: ['http/1.1'],
          });
          t.once('secureConnect', () => finish(null, t));
          t.once('error', (e) => finish(e));
        } catch (e) {
          finish(e as Error);
        }
      },
    });
    this.dispatchers.add(agent);
    return agent;
  }

  /** Makes `server.listen`/`close`/`address`/`listening` use a {@link MultiServer}. */
  private wrapHttpServer<S extends http.Server | https.Server>(server: S): S {
    let multi: MultiServer | null = null;
    const origClose = server.close;
    // biome-ignore lint/suspicious/noExplicitAny: Node's overloads
    (server as any).listen = (...args: any[]) => {
      const o = listenArgs(args);
      if (o.cb) server.once('listening', o.cb);
      multi = this.net.createServer({});
      multi.on('connection', (c: Socket) => server.emit('connection', c));
      multi.on('error', (e: Error) => server.emit('error', e));
      multi.on('listening', () => server.emit('listening'));
      multi.listen({ port: o.port, host: o.host, backlog: o.backlog });
      this.httpServers.add(server);
      return server;
    };
    server.address = () => multi?.address() ?? null;
    Object.defineProperty(server, 'listening', { get: () => multi?.listening ?? false, configurable: true });
    server.close = (cb?: (err?: Error) => void) => {
      const m = multi;
      multi = null;
      this.httpServers.delete(server);
      // http.Server's own close clears its connection-tracking interval and idle connections;
      // with no native handle it then reports ERR_SERVER_NOT_RUNNING, which is not an error here.
      origClose.call(server, () => {});
      if (m) m.close(() => cb?.());
      else if (cb) process.nextTick(() => cb(new ZtError('ERR_ZT_NOT_RUNNING', 'Server is not running.')));
      return server;
    };
    return server;
  }

  /** `node.http.agent`. */
  get agent(): http.Agent {
    if (!this.agentRef) {
      const agent = new (lazyHttp().Agent)({ keepAlive: true });
      // biome-ignore lint/suspicious/noExplicitAny: http.Agent's createConnection is untyped here
      (agent as any).createConnection = (o: { host?: string; port?: number | string }, cb?: () => void) =>
        this.net.connect({ host: o.host ?? 'localhost', port: Number(o.port ?? 80) }, cb);
      this.agentRef = agent;
    }
    return this.agentRef;
  }

  /** `node.dispatcher`: an undici Agent connecting over the joined networks (TLS for https). */
  get dispatcher(): Agent {
    this.dispatcherRef ??= this.createDispatcher();
    return this.dispatcherRef;
  }

  /** `node.fetch(url, init)`: undici's fetch with {@link NodeSockets.dispatcher}. */
  readonly fetch = (url: string | URL, init: Parameters<typeof undiciFetch>[1] = {}) =>
    loadUndici().fetch(url, { ...init, dispatcher: this.dispatcher });

  /** `node.dgram`: sockets over every joined network. */
  readonly dgram: NodeDgram = {
    createSocket: (type, listener) => {
      this.first('dgram.createSocket');
      const s = new DgramSocket(this.stackSet, type, listener);
      this.udpSockets.add(s);
      s.once('close', () => this.udpSockets.delete(s));
      return s;
    },
  };

  /** `node.bsd`: BSD calls over every joined network. */
  get bsd(): BsdSockets {
    this.first('bsd');
    this.bsdRef ??= new BsdSockets(this.stackSet);
    return this.bsdRef;
  }

  /**
   * Network `n` was left: its listeners stop (servers keep listening on the other networks), and
   * its TCP sockets are destroyed with `reason`, its UDP sockets closed — their stack is gone.
   */
  closeNetwork(n: ZeroTierNetwork, reason: Error): void {
    for (const s of this.servers) s.dropNetwork(n);
    for (const [s, owner] of [...this.tcpSockets]) if (owner === n) s.destroy(reason);
    for (const s of [...this.udpSockets]) {
      const h = s.handle as MultiUdp;
      h.dropStack(n.stack);
      // Bound to an address of that network only: nothing is left to send or receive on.
      if (h.localPort !== 0 && h.stackCount === 0)
        try {
          s.close();
        } catch {
          // already closed
        }
    }
    this.bsdRef?.dropStack(n.stack);
  }

  /** Closes every server and socket made here (node.stop). */
  async close(): Promise<void> {
    for (const s of [...this.httpServers]) {
      s.closeAllConnections?.();
      s.close();
    }
    for (const s of [...this.servers]) s.close();
    for (const s of [...this.tcpSockets.keys()]) s.destroy();
    for (const s of [...this.udpSockets])
      try {
        s.close();
      } catch {
        // already closed
      }
    this.bsdRef?.closeAll();
    this.agentRef?.destroy();
    this.dispatcherRef = undefined;
    const ds = [...this.dispatchers];
    this.dispatchers.clear();
    await Promise.all(ds.map((d) => d.destroy().catch(() => undefined)));
  }
}
