/**
 * `ZeroTierNode`: a ZeroTier node in three lines (issue 6). It composes the layers below it:
 * a {@link NodeRunner} (VL1 on real UDP, the state store, one timer), the VL2 manager
 * ({@link Vl2}: join/leave, configs, membership, multicast), and per joined network an
 * {@link EthernetPort} bound to a user-space {@link Stack} with TCP — polled on the runner's one
 * timer (architecture.md: one timer per node) — then opens them as Node-style sockets (`node.net`, `node.dgram`, `node.http`,
 * `node.fetch`, `node.dispatcher`, `node.bsd`).
 *
 * ```ts
 * import { ZeroTierNode } from 'zerotier-sdk';
 * const node = await ZeroTierNode.start({ storage: './zt-state' });
 * const net = await node.join('8056c2e21c000001');
 * console.log(node.address, net.addresses);
 * ```
 * @module
 */

import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import type { NodeEvent, PeerInfo } from '../core/node-types.ts';
import type { NetworkInfo, Vl2Event } from '../core/vl2/network.ts';
import { Vl2 } from '../core/vl2/vl2.ts';
import { abortError, ZtError, type ZtErrorCode } from '../errors.ts';
import type { PortAddress } from '../link/ethernet-port.ts';
import { formatNetworkId, parseNetworkId } from '../protocol/address.ts';
import { NodeRunner, type RunnerClock, realClock, type StartInfo } from '../runtime/node-runner.ts';
import type { StateStore } from '../runtime/store.ts';
import { type NetworkSnapshot, ZeroTierNetwork } from './network.ts';
import { resolvePlanet, resolveStorage, type ZeroTierNodeOptions } from './options.ts';
import { Pinger, type PingOptions } from './ping.ts';
import { pooledRandom } from './random.ts';
import { NodeSockets } from './sockets.ts';

/** An assigned address appeared or went away (`'address'` event). */
export interface AddressEvent {
  /** Network id, 16 hex digits. */
  network: string;
  /** `ip/prefix`. */
  address: string;
  /** `'added'` or `'removed'`. */
  action: 'added' | 'removed';
}

/** A peer changed: its direct/relayed state or latency (`type: 'peer'`), or one of its paths (`type: 'path'`). */
export type PeerEvent = Extract<NodeEvent, { type: 'peer' } | { type: 'path' }>;

/** Events of a {@link ZeroTierNode}. */
export interface ZeroTierNodeEvents {
  /** An upstream (root) answered: the node is ONLINE (§9.2). */
  online: [];
  /** No upstream answered within the activity timeout. */
  offline: [];
  /** A joined network's status or config changed. */
  network: [NetworkSnapshot];
  /** An address was assigned to or removed from a joined network. */
  address: [AddressEvent];
  /** A peer became direct/relayed or changed latency, or one of its paths was learned/expired/preferred. */
  peer: [PeerEvent];
}

/** Options of {@link ZeroTierNode.join}. */
export interface JoinOptions {
  /** Aborts the wait (the network stays joined; `leave` it to drop it). */
  signal?: AbortSignal;
}

/** Network statuses that reject a pending {@link ZeroTierNode.join}, with their codes. */
const FAILED: Partial<Record<NetworkInfo['status'], ZtErrorCode>> = {
  ACCESS_DENIED: 'ERR_ZT_ACCESS_DENIED',
  NOT_FOUND: 'ERR_ZT_NOT_FOUND',
  CLIENT_TOO_OLD: 'ERR_ZT_CLIENT_TOO_OLD',
  AUTHENTICATION_REQUIRED: 'ERR_ZT_AUTHENTICATION_REQUIRED',
};

interface Joined {
  readonly net: ZeroTierNetwork;
  readonly pinger: Pinger;
  readonly waiters: Set<() => void>;
  addresses: readonly PortAddress[];
}

/**
 * A ZeroTier node with user-space TCP/IP: see the module documentation.
 *
 * @example Join a network and fetch a page from a member:
 * ```ts
 * import { ZeroTierNode } from 'zerotier-sdk';
 * const node = await ZeroTierNode.start({ storage: './zt-state', port: 0 });
 * node.on('online', () => console.log('online as', node.address));
 * const net = await node.join('8056c2e21c000001', { signal: AbortSignal.timeout(60_000) });
 * console.log(net.addresses);                          // ['10.147.17.12/24', 'fd80:56c2:…/88']
 * console.log(await node.ping('10.147.17.1'), 'ms');
 * const res = await node.fetch('http://10.147.17.1/');
 * console.log(res.status, await res.text());
 * await node.stop();
 * ```
 */
export class ZeroTierNode extends EventEmitter<ZeroTierNodeEvents> {
  /** The VL1 runner (UDP, state, timer). */
  readonly runner: NodeRunner;
  /** The VL2 manager. */
  readonly vl2: Vl2;
  /** What start found and did (identity, ports, planet). */
  readonly info: StartInfo;
  private readonly clock: RunnerClock;
  private readonly random: (n: number) => Uint8Array;
  /** The stacks' clock (and ping's): monotonic sub-ms on the real clock, else the test clock. */
  private readonly rttClock: () => number;
  private readonly store: StateStore;
  private readonly joined = new Map<bigint, Joined>();
  private readonly writes = new Set<Promise<void>>();
  private readonly sockets: NodeSockets;
  private running = true;
  private stopping: Promise<void> | undefined;

  private constructor(
    runner: NodeRunner,
    info: StartInfo,
    store: StateStore,
    o: ZeroTierNodeOptions,
    random: (n: number) => Uint8Array,
  ) {
    super();
    this.runner = runner;
    this.info = info;
    this.store = store;
    this.clock = o.clock ?? realClock;
    this.random = random;
    // Round trips in sub-millisecond resolution on the real clock; a test clock measures itself.
    this.rttClock = o.clock ? () => this.clock.now() : () => performance.now();
    const node = runner.node!;
    this.vl2 = new Vl2(node, {
      random: this.random,
      now: this.clock.now(),
      clock: () => this.clock.now(),
      event: (e) => this.onVl2Event(e),
      activityTimeoutMs: o.activityTimeoutMs,
    });
    runner.addPollable(this.vl2);
    runner.on('online', () => this.emit('online'));
    runner.on('offline', () => this.emit('offline'));
    runner.on('peer', (e) => this.emit('peer', e));
    runner.on('path', (e) => this.emit('peer', e));
    this.sockets = new NodeSockets(() => [...this.joined.values()].map((j) => j.net));
  }

  /**
   * Starts a node: loads (or creates) its identity from `storage`, binds UDP, and begins talking to
   * the roots of `planet` (default: the stored one, else ZeroTier's public planet).
   *
   * @example
   * ```ts
   * const node = await ZeroTierNode.start({ storage: new MemoryStore(), port: 0 });
   * ```
   * @throws TypeError for bad options; StateError / StoreError for unusable state; the bind error (EADDRINUSE).
   */
  static async start(options: ZeroTierNodeOptions): Promise<ZeroTierNode> {
    if (!options || typeof options !== 'object')
      throw new TypeError('ZeroTierNode.start: options are required');
    const store = resolveStorage(options.storage);
    const planet = await resolvePlanet(options.planet);
    const random = options.random ?? pooledRandom();
    const runner = new NodeRunner({
      store,
      planet,
      port: options.port ?? 0,
      secondaryPort: options.secondaryPort,
      bindAddress: options.bindAddress,
      advertiseInterfaces: options.advertiseInterfaces,
      activityTimeoutMs: options.activityTimeoutMs,
      physicalMtu: options.physicalMtu,
      udp: options.udp,
      clock: options.clock,
      random,
      role: 'leaf',
    });
    const info = await runner.start();
    const node = new ZeroTierNode(runner, info, store, options, random);
    if (options.rejoin) await node.rejoinSaved();
    return node;
  }

  /** Our ZeroTier address, 10 hex digits. */
  get address(): string {
    return this.info.address;
  }

  /** True while an upstream (root) answers (§9.2). */
  get online(): boolean {
    return this.running && this.runner.online;
  }

  /** True until {@link ZeroTierNode.stop}. */
  get isRunning(): boolean {
    return this.running;
  }

  /** Bound UDP ports, primary first. */
  get ports(): number[] {
    return this.runner.ports;
  }

  /** Snapshots of the joined networks. */
  get networks(): NetworkSnapshot[] {
    return [...this.joined.values()].map((j) => j.net.snapshot());
  }

  /** Known peers (like `zerotier-cli peers`). */
  peers(): PeerInfo[] {
    return this.runner.peers();
  }

  /** A joined network's handle (its stack, port and per-network sockets), or undefined. */
  network(nwid: bigint | string): ZeroTierNetwork | undefined {
    const id = toNwid(nwid);
    return this.joined.get(id)?.net;
  }

  /**
   * Joins a network and waits until it is OK and has addresses.
   *
   * @example
   * ```ts
   * const net = await node.join('ff0a000000000001');    // an ad-hoc IPv4 network (§1.2): no controller
   * console.log(net.status, net.addresses);             // 'OK' ['fc…/40', '10.x.y.z/8']
   * ```
   * @returns the network snapshot (`id, name, status, mac, mtu, addresses, routes`).
   * @throws ZtError `ERR_ZT_ACCESS_DENIED`, `ERR_ZT_NOT_FOUND`, `ERR_ZT_CLIENT_TOO_OLD`,
   *   `ERR_ZT_AUTHENTICATION_REQUIRED` (the network stays joined), `ABORT_ERR`,
   *   `ERR_ZT_NOT_JOINED` (left meanwhile), `ERR_ZT_NOT_RUNNING`; TypeError for a bad id.
   */
  async join(nwid: bigint | string, options: JoinOptions = {}): Promise<NetworkSnapshot> {
    const id = toNwid(nwid);
    this.assertRunning('join');
    const signal = options.signal;
    if (signal?.aborted) throw abortError(signal, 'join');
    let j = this.joined.get(id);
    if (!j) {
      const key = `networks.d/${formatNetworkId(id)}.conf`;
      let saved: Uint8Array | undefined;
      try {
        saved = await this.store.get(key);
      } catch {
        saved = undefined;
      }
      this.assertRunning('join');
      j = this.joined.get(id) ?? this.attach(id, saved);
    }
    const entry = j;
    return new Promise<NetworkSnapshot>((resolve, reject) => {
      const check = () => {
        const n = entry.net;
        const s = n.status;
        if (!this.running)
          finish(new ZtError('ERR_ZT_NOT_RUNNING', 'the node was stopped', { network: n.id }));
        else if (this.joined.get(id) !== entry)
          finish(new ZtError('ERR_ZT_NOT_JOINED', `network ${n.id} was left`, { network: n.id }));
        else if (s === 'OK' && n.portAddresses.length > 0) finish(null, n.snapshot());
        else if (FAILED[s]) finish(new ZtError(FAILED[s]!, `join ${n.id}: ${s}`, { network: n.id }));
      };
      const onAbort = () => finish(abortError(signal, 'join'));
      const finish = (err: Error | null, v?: NetworkSnapshot) => {
        entry.waiters.delete(check);
        signal?.removeEventListener('abort', onAbort);
        if (err) reject(err);
        else resolve(v!);
      };
      entry.waiters.add(check);
      signal?.addEventListener('abort', onAbort, { once: true });
      check();
    });
  }

  /**
   * Leaves a network: its sockets are destroyed (`ERR_ZT_NOT_JOINED`), listeners stop listening on
   * it (not on the other networks), its stack is detached, its port closed, its saved config deleted.
   * @returns false if it was not joined.
   */
  leave(nwid: bigint | string): boolean {
    const id = toNwid(nwid);
    const j = this.joined.get(id);
    if (!j) return false;
    const reason = new ZtError('ERR_ZT_NOT_JOINED', `network ${j.net.id} was left`, { network: j.net.id });
    this.sockets.closeNetwork(j.net, reason);
    this.detach(j, reason);
    this.joined.delete(id);
    this.onAddresses(j, []); // its addresses go with it
    this.vl2.leave(id, this.clock.now());
    for (const w of [...j.waiters]) w();
    this.runner.kick();
    return true;
  }

  /**
   * Sends one ICMP (IPv4) or ICMPv6 echo request through the network that routes `ip`.
   *
   * @example
   * ```ts
   * const ms = await node.ping('10.147.17.1', { timeout: 2000 });
   * ```
   * @returns the round trip in ms.
   * @throws ZtError `ERR_ZT_NO_ROUTE` (no joined network routes `ip`), `ERR_ZT_PING_TIMEOUT`, `ABORT_ERR`.
   */
  ping(ip: string, options: PingOptions = {}): Promise<number> {
    this.assertRunning('ping');
    const j = this.route(ip);
    if (!j)
      return Promise.reject(
        new ZtError('ERR_ZT_NO_ROUTE', `ping ${ip}: no joined network routes it`, { address: ip }),
      );
    return j.pinger.ping(ip, options);
  }

  /** A `node:net`-compatible module over the joined networks (connect: by route; listen: on all). */
  get net(): NodeSockets['net'] {
    return this.sockets.net;
  }

  /** A `node:dgram`-compatible module over the joined networks. */
  get dgram(): NodeSockets['dgram'] {
    return this.sockets.dgram;
  }

  /** `http.createServer` listening on the joined networks, and an `agent` for `http.request`. */
  get http(): NodeSockets['http'] {
    return this.sockets.http;
  }

  /** `https.createServer` listening on the joined networks (TLS over our TCP), and `createAgent` for `https.request`. */
  get https(): NodeSockets['https'] {
    return this.sockets.https;
  }

  /**
   * A new undici Agent over the joined networks with TLS options, for `fetch(url, { dispatcher })`.
   *
   * @example
   * ```ts
   * import { fetch } from 'undici';
   * const dispatcher = node.createDispatcher({ ca: myPrivateCa });
   * const res = await fetch('https://10.147.17.1/', { dispatcher });
   * ```
   */
  createDispatcher(
    tlsOptions?: Parameters<NodeSockets['createDispatcher']>[0],
  ): ReturnType<NodeSockets['createDispatcher']> {
    return this.sockets.createDispatcher(tlsOptions);
  }

  /** `fetch(url, init)` over the joined networks (undici with {@link ZeroTierNode.dispatcher}). */
  get fetch(): NodeSockets['fetch'] {
    return this.sockets.fetch;
  }

  /** An undici Agent whose connections go over the joined networks: `fetch(url, { dispatcher })`. */
  get dispatcher(): NodeSockets['dispatcher'] {
    return this.sockets.dispatcher;
  }

  /** BSD-style calls (numeric fds, errno results) over every joined network, chosen by route. */
  get bsd(): NodeSockets['bsd'] {
    return this.sockets.bsd;
  }

  /**
   * Stops the node: sockets and servers are closed, timers cleared, UDP unbound, pending state
   * written. Networks are not left (their configs stay saved). `ZeroTierNode.start` with the same
   * storage afterwards gives the same identity.
   */
  stop(): Promise<void> {
    this.stopping ??= this.doStop();
    return this.stopping;
  }

  private async doStop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    const reason = new ZtError('ERR_ZT_NOT_RUNNING', 'the node was stopped');
    await this.sockets.close();
    for (const j of this.joined.values()) {
      this.detach(j, reason);
      j.net.port.close();
      for (const w of [...j.waiters]) w();
    }
    this.joined.clear();
    this.runner.deletePollable(this.vl2);
    await this.runner.stop();
    while (this.writes.size > 0) await Promise.all([...this.writes]);
    this.runner.removeAllListeners();
  }

  // ---------------------------------------------------------------------------------------------

  /** Joins (without waiting) every network saved in `networks.d/`; unreadable entries are skipped. */
  private async rejoinSaved(): Promise<void> {
    let keys: string[];
    try {
      keys = await this.store.list('networks.d/');
    } catch {
      return;
    }
    for (const k of keys) {
      const m = /^(?:networks\.d\/)?([0-9a-f]{16})\.conf$/.exec(k);
      const id = m ? parseNetworkId(m[1]) : null;
      if (id === null || id === 0n || this.joined.has(id)) continue;
      let saved: Uint8Array | undefined;
      try {
        saved = await this.store.get(`networks.d/${m![1]}.conf`);
      } catch {
        saved = undefined;
      }
      if (this.running && !this.joined.has(id)) this.attach(id, saved);
    }
  }

  private assertRunning(what: string): void {
    if (!this.running) throw new ZtError('ERR_ZT_NOT_RUNNING', `${what}: the node is not running`);
  }

  /** The joined network with the most specific route to `ip` (ties: the first joined). */
  private route(ip: string): Joined | undefined {
    let best: Joined | undefined;
    let bestLen = -1;
    for (const j of this.joined.values()) {
      const len = j.net.routePrefix(ip);
      if (len > bestLen) {
        best = j;
        bestLen = len;
      }
    }
    return best;
  }

  private attach(id: bigint, saved: Uint8Array | undefined): Joined {
    // The network is created inside vl2.join and may report its status at once (ad-hoc configs
    // are synthesized in the constructor): the entry must exist before the first event lands.
    const network = this.vl2.join(id, this.clock.now(), saved);
    const net = new ZeroTierNetwork(network, this.runner, this.rttClock, this.random);
    const pinger = new Pinger(net.stack, this.clock, this.random, () => this.runner.kick(), this.rttClock);
    const j: Joined = { net, pinger, waiters: new Set(), addresses: [] };
    this.joined.set(id, j);
    const onAddresses = (next: readonly PortAddress[]) => this.onAddresses(j, next);
    network.port.on('addresses', onAddresses);
    onAddresses(network.port.addresses);
    // The status event of the constructor went by before the entry existed: report it now.
    this.emit('network', net.snapshot());
    this.runner.kick();
    return j;
  }

  private detach(j: Joined, reason: Error): void {
    j.pinger.close(reason);
    j.net.detach();
    j.net.port.removeAllListeners('addresses');
  }

  private onAddresses(j: Joined, next: readonly PortAddress[]): void {
    const key = (a: PortAddress) => `${a.address}/${a.prefixLength}`;
    const before = new Set(j.addresses.map(key));
    const after = new Set(next.map(key));
    j.addresses = next;
    const network = formatNetworkId(j.net.nwid);
    for (const a of before)
      if (!after.has(a)) this.emit('address', { network, address: a, action: 'removed' });
    for (const a of after) if (!before.has(a)) this.emit('address', { network, address: a, action: 'added' });
    for (const w of [...j.waiters]) w();
  }

  private onVl2Event(e: Vl2Event): void {
    if (e.type === 'persist') {
      const w = (e.data === null ? this.store.delete(e.key) : this.store.put(e.key, e.data)).then(
        () => undefined,
        (err: Error) => {
          this.runner.emit('warning', `could not persist ${e.key}: ${err.message}`);
        },
      );
      this.writes.add(w);
      void w.finally(() => this.writes.delete(w));
      return;
    }
    if (e.type !== 'network') return;
    const id = parseNetworkId(e.network.id);
    const j = id === null ? undefined : this.joined.get(id);
    if (!j) return; // during attach: reported once the entry exists
    this.emit('network', j.net.snapshot());
    for (const w of [...j.waiters]) w();
    this.runner.kick();
  }
}

function toNwid(nwid: bigint | string): bigint {
  const id = typeof nwid === 'string' ? parseNetworkId(nwid) : nwid;
  if (typeof id !== 'bigint' || id <= 0n || id > 0xffffffffffffffffn)
    throw new TypeError(`not a network id (16 hex digits or a 64-bit bigint): ${String(nwid)}`);
  return id;
}
