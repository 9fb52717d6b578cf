/**
 * `http`, `https` and `fetch` over a stack-bound `net` module (issue 6: `node.http.createServer`,
 * `node.http.agent`, `node.fetch`, `node.dispatcher`). Nothing here parses HTTP: Node's own
 * `http.Server` and `http.Agent`, and undici, run unchanged over our sockets
 * (ecosystem-notes.md §3):
 * - servers: a real `http.Server` / `https.Server` whose `listen` opens a {@link StackServer} and
 *   feeds each accepted socket to it with `emit('connection', socket)` (TLS servers wrap it);
 * - clients: an `http.Agent` / `https.Agent` whose `createConnection` returns our socket (wrapped by
 *   `tls.connect({ socket })` for https);
 * - fetch: an undici `Agent` whose `connect` returns our socket (TLS done here for `https:`),
 *   created on first use: undici is loaded only then (≈ 22 MB of RSS, see `undici.ts`).
 * @module
 */

import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import * as tls from 'node:tls';
import type { Agent as UndiciAgent, fetch as undiciFetch } from 'undici';
import type { NetModule, StackServer, StackSocket } from '../net/index.ts';
import { loadUndici } from './undici.ts';

/** The module returned by {@link createHttp}. */
export interface HttpModule {
  /** A real `http.Server` whose `listen()` listens on the virtual network. */
  createServer(handler?: http.RequestListener): http.Server;
  createServer(options: http.ServerOptions, handler?: http.RequestListener): http.Server;
  /** A real `https.Server` (TLS in Node's own code) listening on the virtual network. */
  createHttpsServer(options: https.ServerOptions, handler?: http.RequestListener): https.Server;
  /** An `http.Agent` subclass whose sockets are ours (keep-alive by default). */
  readonly Agent: new (
    options?: http.AgentOptions,
  ) => http.Agent;
  /** An `https.Agent` subclass: TLS over our sockets. */
  readonly HttpsAgent: new (
    options?: https.AgentOptions,
  ) => https.Agent;
  /** A shared keep-alive agent for `http.request(url, { agent })`. */
  readonly agent: http.Agent;
  /** A shared https agent. */
  readonly httpsAgent: https.Agent;
  /** `http.request` with {@link HttpModule.agent} (or `https.request` with the https agent for https URLs). */
  request(
    url: string | URL,
    options?: http.RequestOptions,
    cb?: (res: http.IncomingMessage) => void,
  ): http.ClientRequest;
  /** `request` + `end()`. */
  get(
    url: string | URL,
    options?: http.RequestOptions,
    cb?: (res: http.IncomingMessage) => void,
  ): http.ClientRequest;
  /** An undici dispatcher connecting through our sockets: `fetch(url, { dispatcher })` (loads undici on first use). */
  readonly dispatcher: UndiciAgent;
  /** undici's `fetch` with {@link HttpModule.dispatcher}. */
  fetch(
    input: Parameters<typeof undiciFetch>[0],
    init?: Parameters<typeof undiciFetch>[1],
  ): ReturnType<typeof undiciFetch>;
  /** Closes the shared agents and the dispatcher. */
  close(): Promise<void>;
}

/** Options of {@link createHttp}. */
export interface CreateHttpOptions {
  /** TLS options for https clients (agent and fetch), e.g. `{ ca }` or `{ rejectUnauthorized: false }`. */
  tls?: tls.ConnectionOptions;
}

/** Makes `server.listen(...)` listen on our stack; `close()` and `address()` follow it. */
function bindServer<S extends http.Server>(server: S, net: NetModule): S {
  let inner: StackServer | null = null;
  const nodeClose = server.close.bind(server);
  // biome-ignore lint/suspicious/noExplicitAny: Node's listen overloads
  (server as any).listen = (...args: any[]) => {
    if (inner?.listening)
      throw Object.assign(new Error('Listen method has been called more than once without closing.'), {
        code: 'ERR_SERVER_ALREADY_LISTEN',
      });
    inner = net.createServer({ noDelay: (server as { noDelay?: boolean }).noDelay !== false });
    inner.on('connection', (s: StackSocket) => server.emit('connection', s));
    inner.on('listening', () => server.emit('listening'));
    inner.on('error', (e: Error) => server.emit('error', e));
    inner.on('drop', (d: unknown) => server.emit('drop', d));
    if (server.maxConnections) inner.maxConnections = server.maxConnections;
    inner.listen(...args);
    return server;
  };
  server.address = (): AddressInfo | string | null => inner?.address() ?? null;
  Object.defineProperty(server, 'listening', { configurable: true, get: () => inner?.listening ?? false });
  (server as { close: unknown }).close = (cb?: (err?: Error) => void) => {
    const i = inner;
    inner = null;
    if (!i?.listening) {
      if (cb)
        process.nextTick(() =>
          cb(Object.assign(new Error('Server is not running.'), { code: 'ERR_SERVER_NOT_RUNNING' })),
        );
      return server;
    }
    i.close();
    // Node's close: stop idle keep-alive connections, emit 'close' once none is left.
    nodeClose(() => undefined);
    if (cb) server.once('close', () => cb());
    return server;
  };
  return server;
}

/** Builds http/https/fetch bound to `net` (see the module comment). */
export function createHttp(net: NetModule, options: CreateHttpOptions = {}): HttpModule {
  const tlsDefaults = options.tls ?? {};

  class Agent extends http.Agent {
    constructor(opts: http.AgentOptions = {}) {
      super({ keepAlive: true, ...opts });
    }
    override createConnection(
      opts: http.ClientRequestArgs & { host?: string; port?: number | string },
    ): Duplex {
      return net.connect({
        host: opts.host ?? 'localhost',
        port: Number(opts.port ?? 80),
        localAddress: opts.localAddress,
      });
    }
  }

  class HttpsAgent extends https.Agent {
    constructor(opts: https.AgentOptions = {}) {
      super({ keepAlive: true, ...tlsDefaults, ...opts } as https.AgentOptions);
    }
    override createConnection(
      opts: tls.ConnectionOptions & { host?: string; port?: number | string },
    ): Duplex {
      const host = opts.host ?? 'localhost';
      const socket = net.connect({ host, port: Number(opts.port ?? 443) });
      return tls.connect({
        ...opts,
        socket,
        servername: opts.servername ?? (net.isIP(host) ? undefined : host),
      });
    }
  }

  const agent = new Agent();
  const httpsAgent = new HttpsAgent();

  const makeDispatcher = (): UndiciAgent =>
    new (loadUndici().Agent)({
      connect(opts, cb) {
        const port = Number(opts.port) || (opts.protocol === 'https:' ? 443 : 80);
        // undici keeps IPv6 literals bracketed as in the URL.
        const host = opts.hostname.replace(/^\[(.*)\]$/, '$1');
        const socket = net.connect({ host, port, noDelay: true });
        let done = false;
        const fail = (err: Error) => {
          if (done) return;
          done = true;
          cb(err, null);
        };
        if (opts.protocol === 'https:') {
          const t = tls.connect({
            ...tlsDefaults,
            socket,
            host, // the name (or IP) the certificate is checked against
            servername: opts.servername || (net.isIP(host) ? undefined : host),
            ALPNProtocols: ['http/1.1'],
          });
          t.once('error', fail);
          t.once('secureConnect', () => {
            if (done) return;
            done = true;
            t.off('error', fail);
            cb(null, t);
          });
          return;
        }
        socket.once('error', fail);
        socket.once('connect', () => {
          if (done) return;
          done = true;
          socket.off('error', fail);
          cb(null, socket);
        });
      },
    });

  let dispatcher: UndiciAgent | undefined;
  const getDispatcher = (): UndiciAgent => {
    dispatcher ??= makeDispatcher();
    return dispatcher;
  };

  const request = (
    url: string | URL,
    opts: http.RequestOptions = {},
    cb?: (res: http.IncomingMessage) => void,
  ): http.ClientRequest => {
    const u = new URL(String(url));
    if (u.protocol === 'https:') return https.request(u, { agent: httpsAgent, ...opts }, cb);
    return http.request(u, { agent, ...opts }, cb);
  };

  return {
    // biome-ignore lint/suspicious/noExplicitAny: Node's overloads
    createServer: ((a?: any, b?: any) =>
      bindServer(http.createServer(a, b), net)) as HttpModule['createServer'],
    createHttpsServer: (opts, handler) => bindServer(https.createServer(opts, handler), net),
    Agent,
    HttpsAgent,
    agent,
    httpsAgent,
    request,
    get(url, opts, cb) {
      const r = request(url, opts, cb);
      r.end();
      return r;
    },
    get dispatcher() {
      return getDispatcher();
    },
    fetch: (input, init) => loadUndici().fetch(input, { ...init, dispatcher: getDispatcher() }),
    async close() {
      agent.destroy();
      httpsAgent.destroy();
      // Never used: nothing to close, and no reason to load undici now.
      if (dispatcher) await dispatcher.close();
    },
  };
}
