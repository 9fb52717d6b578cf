/**
 * An in-memory UDP internet for running whole ZeroTier networks (a root and dozens of leaves)
 * in one process, deterministically, on a {@link FakeClock}.
 *
 * - Hosts have IPv4 and/or IPv6 addresses and bind sockets that implement {@link UdpBinding},
 *   the same interface `src/runtime` implements over `node:dgram`.
 * - A host may sit behind a NAT ({@link SimNat}): its addresses of the NAT's family are LAN
 *   addresses, reachable directly only from the same LAN; everything else leaves through the NAT,
 *   which rewrites the source to its public IP and a mapped port and filters what comes back
 *   (see `nat.ts`). Addresses of the other family are public (the usual NAT44 + global IPv6 home).
 *   Hosts can move (`moveHost`) and NATs reboot (`reboot`), as laptops and home routers do.
 * - Impairments (`link-conditions.ts`) apply per host (access link), per host pair (directional)
 *   or network-wide, and can change at run time; `cut` drops everything between two hosts (or
 *   around one) until `restore`.
 * - Every delivery is a deadline on the clock: `network.run(t)` or `clock.advance(ms)` delivers
 *   datagrams in time order (FIFO among equal times) and fires the nodes' own deadlines in between.
 *   Arrival times are rounded up to whole milliseconds, so `now` stays an integer for code that
 *   writes it into packets. Randomness comes from one seed, so a run is a function of the seed.
 * - NATs nest (`addNat(..., { behind })`): a home router behind carrier-grade NAT.
 *
 * IP TTL is modelled per router: each NAT crossed and the core take one, and a router drops a
 * datagram whose TTL runs out before forwarding (so before translating it); same-LAN and loopback
 * traffic crosses none. RENDEZVOUS's TTL-2 junk datagram (protocol.md §6.6) thus opens the
 * sender's NAT and dies in the core.
 *
 * @example
 * ```ts
 * const net = new UdpNetwork({ seed: 7, defaults: { delayMs: 20, jitterMs: 5, loss: 0.01 } });
 * const root = net.addHost('root', { addresses: ['198.51.100.1', '2001:db8::1'] });
 * const home = net.addNat('home', { type: 'port-restricted', publicIp: '203.0.113.1' });
 * const leaf = net.addHost('leaf', { addresses: ['10.0.0.2'], behind: home });
 * const r = root.bind(9993);
 * r.onMessage = (data, from, sock) => sock.send(data, from); // echo: from is 203.0.113.1:<mapped>
 * const l = leaf.bind(0);
 * l.onMessage = (data, from) => { ... };
 * l.send(new Uint8Array([1]), { ip: '198.51.100.1', port: 9993 });
 * net.run(1000);                 // or net.clock.advance(1000): deliveries and node timers interleave
 * net.cut('leaf', 'root');       // later: net.restore('leaf', 'root')
 * net.stats.dropped['nat-filter'];
 * ```
 * @module
 */

import { FakeClock } from './clock.ts';
import { familyOf, formatEndpoint, isLoopback, requireIp } from './ip.ts';
import { BandwidthQueue, composePath, type LinkConditions, validateConditions } from './link-conditions.ts';
import { type Seed, SeededRandom } from './random.ts';
import { type HostOptions, type NatOptions, SimHost, SimNat, type SimUdpSocket } from './sim-host.ts';
import type { UdpAddress } from './udp-binding.ts';

export type { LinkConditions } from './link-conditions.ts';
export type { FirewallOptions, FirewallType, NatMapping, NatType, PortAllocation } from './nat.ts';
export type { HostOptions, HostStats, NatOptions } from './sim-host.ts';
export { SimHost, SimNat, SimUdpSocket } from './sim-host.ts';
export type {
  UdpAddress,
  UdpBinding,
  UdpBindOptions,
  UdpMessageHandler,
  UdpSendOptions,
  UdpStack,
} from './udp-binding.ts';

/** Why the network dropped a datagram. */
export type DropReason =
  /** random loss (`LinkConditions.loss`) */
  | 'loss'
  /** the two hosts are cut apart, or one is isolated */
  | 'cut'
  /** a NAT had no live mapping or its filter rejected the sender (or no hairpinning) */
  | 'nat-filter'
  /** the receiving host's stateful firewall had no permission for the sender */
  | 'firewall'
  /** no socket bound to the destination port/address */
  | 'no-listener'
  /** a socket is bound but has no `onMessage` handler */
  | 'no-handler'
  /** the destination address is not reachable from the sender (or no source address) */
  | 'no-route'
  /** the TTL ran out before the destination */
  | 'ttl'
  /** a bandwidth-limited queue was full */
  | 'queue'
  /** the datagram was larger than a segment's MTU */
  | 'mtu';

/** Every {@link DropReason}, for iterating counters. */
export const DROP_REASONS: readonly DropReason[] = [
  'loss',
  'cut',
  'nat-filter',
  'firewall',
  'no-listener',
  'no-handler',
  'no-route',
  'ttl',
  'queue',
  'mtu',
];

/** Network-wide counters. */
export interface UdpNetworkStats {
  /** Datagrams handed to `send` (each counts once, duplicates or not). */
  sent: number;
  /** Datagrams handed to an `onMessage` handler (duplicates count again). */
  delivered: number;
  /** Extra copies created by `duplicate`. */
  duplicated: number;
  bytesSent: number;
  bytesDelivered: number;
  /** Drops per reason. */
  dropped: Record<DropReason, number>;
}

/** One line of the trace: what happened to which datagram, when. */
export interface TraceEvent {
  readonly t: number;
  readonly kind: 'send' | 'deliver' | 'drop';
  /** Datagram number (1, 2, …, in send order; a duplicate keeps its original's number). */
  readonly id: number;
  /** Sending host. */
  readonly host: string;
  /** Source endpoint as the sender bound it (before NAT). */
  readonly src: string;
  /** Destination endpoint as the sender addressed it. */
  readonly dst: string;
  readonly size: number;
  /** Receiving host (`deliver` only). */
  readonly to?: string;
  /** Source endpoint as the receiver sees it (after NAT; `deliver` only). */
  readonly from?: string;
  /** Why it was dropped (`drop` only). */
  readonly reason?: DropReason;
}

/**
 * A tap sees every trace event with the datagram's bytes and its endpoints at that point: for
 * `send` and `drop` as the sender addressed it (before NAT), for `deliver` as the receiver gets it
 * (after NAT). Used by `PcapCapture`; `data` must not be modified.
 */
export type UdpTap = (e: TraceEvent, data: Uint8Array, src: UdpAddress, dst: UdpAddress) => void;

/**
 * One trace event as a line for logs and assertion messages, e.g.
 * `t=120 drop #5 a 10.0.0.2:9993 -> 203.0.113.2:9993 42B nat-filter`.
 */
export function formatTraceEvent(e: TraceEvent): string {
  const head = `t=${e.t} ${e.kind} #${e.id} ${e.host} ${e.src} -> ${e.dst} ${e.size}B`;
  if (e.kind === 'deliver') return `${head} at ${e.to} from ${e.from}`;
  if (e.kind === 'drop') return `${head} ${e.reason}`;
  return head;
}

/** Options of {@link UdpNetwork}. */
export interface UdpNetworkOptions {
  /** The clock to schedule deliveries on (default: a new FakeClock). */
  clock?: FakeClock;
  /** Seed of every random choice (loss, jitter, ephemeral ports, NAT ports). Default 1. */
  seed?: Seed;
  /** Conditions of the core for host pairs without their own setting (default: perfect). */
  defaults?: LinkConditions;
  /** Event cap per run of a clock created here (default 1,000,000). */
  maxEventsPerRun?: number;
  /** Record every event in {@link UdpNetwork.trace} (default false: traces grow fast). */
  trace?: boolean;
  /** Called for every trace event (whether or not `trace` is on). */
  onTrace?: (e: TraceEvent) => void;
}

/** Options of cut/restore/setLink. */
export interface DirectionOptions {
  /** Only the direction from the first host to the second (default: both directions). */
  oneWay?: boolean;
}

type HostRef = SimHost | string;

/** Where a datagram is headed once routed. */
interface Route {
  /** Final host as far as known at send time (through NATs: {@link SimNat.likelyHost}). */
  peer: SimHost | undefined;
  /** What the datagram is addressed to in the scope where it ends: a host, or a NAT to enter. */
  entity: SimHost | SimNat;
  /** Destination address at `entity`. */
  ip: string;
  port: number;
  /** Source as the receiver will see it (after outbound NATs). */
  from: UdpAddress;
  /** TTL left on reaching `entity` (each inbound NAT takes one more on arrival). */
  ttl: number;
  /** Loopback or to itself: no impairments, no cut. */
  local: boolean;
  /** LAN the datagram ends in (selects that LAN's core conditions); undefined = the internet. */
  lan: SimNat | undefined;
}

interface InFlight {
  id: number;
  src: SimHost;
  /** Source as bound/selected before NAT, and destination as addressed (for traces). */
  srcIp: string;
  srcPort: number;
  to: UdpAddress;
  data: Uint8Array;
  route: Route;
}

/** See the module comment. */
export class UdpNetwork {
  /** The clock deliveries are scheduled on. */
  readonly clock: FakeClock;
  /** Root of every random stream of this network. */
  readonly random: SeededRandom;
  /** Counters (live object; see {@link UdpNetwork.resetStats}). */
  readonly stats: UdpNetworkStats = UdpNetwork.emptyStats();
  /** Recorded events when constructed with `trace: true`. */
  readonly trace: TraceEvent[] = [];
  /** Called for every trace event. */
  onTrace: ((e: TraceEvent) => void) | undefined;
  private readonly tracing: boolean;
  private readonly taps: UdpTap[] = [];
  private readonly linkRng: SeededRandom;
  private defaultCond: Readonly<LinkConditions> | undefined;
  private readonly hostsByName = new Map<string, SimHost>();
  private readonly natsByName = new Map<string, SimNat>();
  /** Public address → host or NAT. */
  private readonly publicIps = new Map<string, SimHost | SimNat>();
  /** Directed pair "a\u0000b" → core conditions. */
  private readonly pairCond = new Map<string, Readonly<LinkConditions>>();
  private readonly pairQueue = new Map<string, BandwidthQueue>();
  /** Directed cuts "a\u0000b", and isolated hosts. */
  private readonly cuts = new Set<string>();
  private readonly isolated = new Set<string>();
  /** Last scheduled arrival per directed (sender, destination) to keep FIFO under jitter. */
  private readonly lastArrival = new Map<string, number>();
  private nextId = 1;

  constructor(opts: UdpNetworkOptions = {}) {
    this.clock = opts.clock ?? new FakeClock({ maxEventsPerRun: opts.maxEventsPerRun });
    this.random = new SeededRandom(opts.seed ?? 1);
    this.linkRng = this.random.fork('links');
    this.defaultCond = opts.defaults ? validateConditions(opts.defaults) : undefined;
    this.tracing = opts.trace ?? false;
    this.onTrace = opts.onTrace;
  }

  /** Zeroed counters. */
  static emptyStats(): UdpNetworkStats {
    const dropped = {} as Record<DropReason, number>;
    for (const r of DROP_REASONS) dropped[r] = 0;
    return { sent: 0, delivered: 0, duplicated: 0, bytesSent: 0, bytesDelivered: 0, dropped };
  }

  /** Zeroes the network counters (host counters are left alone). */
  resetStats(): void {
    Object.assign(this.stats, UdpNetwork.emptyStats());
  }

  /** Sum of all drops. */
  get droppedTotal(): number {
    let n = 0;
    for (const r of DROP_REASONS) n += this.stats.dropped[r];
    return n;
  }

  /** Adds a NAT device. Its public IP must not be used by anything else. */
  addNat(name: string, opts: NatOptions): SimNat {
    if (this.natsByName.has(name)) throw new Error(`addNat: a NAT named "${name}" exists`);
    if (opts.behind && this.natsByName.get(opts.behind.name) !== opts.behind)
      throw new Error('addNat: behind must be a NAT of this network');
    const nat = new SimNat(name, opts, this.random.fork(`nat:${name}`));
    const scope = nat.outer ? nat.outer.lan : this.publicIps;
    if (scope.has(nat.publicIp)) throw new Error(`addNat: address ${nat.publicIp} is already in use`);
    scope.set(nat.publicIp, nat);
    this.natsByName.set(name, nat);
    return nat;
  }

  /** Adds a host. Names are unique; addresses must not clash in the scope they live in. */
  addHost(name: string, opts: HostOptions): SimHost {
    if (typeof name !== 'string' || name === '')
      throw new TypeError('addHost: name must be a non-empty string');
    if (this.hostsByName.has(name)) throw new Error(`addHost: a host named "${name}" exists`);
    if (!opts || !Array.isArray(opts.addresses) || opts.addresses.length === 0)
      throw new TypeError('addHost: addresses must be a non-empty array');
    const addrs = this.checkPlacement('addHost', opts, undefined);
    const host = new SimHost(
      this,
      name,
      addrs,
      opts.behind,
      opts.conditions,
      this.random.fork(`host:${name}`),
    );
    host.firewall = opts.firewall;
    this.register(host);
    this.hostsByName.set(name, host);
    return host;
  }

  /**
   * Moves a host to other addresses and/or behind another NAT (or none), as when a laptop changes
   * networks: its sockets stay bound, sockets bound to a vanished address can no longer send,
   * and datagrams in flight to an old address are dropped (`no-route`). ZeroTier must then
   * re-learn its paths (protocol.md §9.3, §9.6).
   */
  moveHost(host: HostRef, opts: Pick<HostOptions, 'addresses' | 'behind'>): void {
    const h = this.ref(host);
    const addrs = this.checkPlacement('moveHost', opts, h);
    this.unregister(h);
    h._place(addrs, opts.behind);
    this.register(h);
  }

  private checkPlacement(
    what: string,
    opts: Pick<HostOptions, 'addresses' | 'behind'>,
    self: SimHost | undefined,
  ): string[] {
    if (!opts || !Array.isArray(opts.addresses) || opts.addresses.length === 0)
      throw new TypeError(`${what}: addresses must be a non-empty array`);
    const nat = opts.behind;
    if (nat && this.natsByName.get(nat.name) !== nat)
      throw new Error(`${what}: behind must be a NAT of this network`);
    const addrs = opts.addresses.map((a) => requireIp(a, what));
    for (const a of addrs) {
      if (isLoopback(a) || a === '0.0.0.0' || a === '::')
        throw new TypeError(`${what}: ${a} cannot be a host address`);
      const lan = nat && familyOf(a) === nat.family;
      const owner = lan ? nat.lan.get(a) : this.publicIps.get(a);
      if (owner !== undefined && owner !== self) throw new Error(`${what}: address ${a} is already in use`);
    }
    return addrs;
  }

  private register(host: SimHost): void {
    for (const a of host.addresses) {
      if (host.nat && familyOf(a) === host.nat.family) host.nat.lan.set(a, host);
      else this.publicIps.set(a, host);
    }
  }

  private unregister(host: SimHost): void {
    for (const a of host.addresses) {
      if (host.nat && familyOf(a) === host.nat.family) host.nat.lan.delete(a);
      else if (this.publicIps.get(a) === host) this.publicIps.delete(a);
    }
  }

  /** The host named `name` (throws if none). */
  host(name: string): SimHost {
    const h = this.hostsByName.get(name);
    if (!h) throw new Error(`no host named "${name}"`);
    return h;
  }

  /** Every host, in creation order. */
  hosts(): SimHost[] {
    return [...this.hostsByName.values()];
  }

  /** Core conditions for pairs without their own setting. */
  get defaults(): Readonly<LinkConditions> | undefined {
    return this.defaultCond;
  }
  set defaults(c: LinkConditions | undefined) {
    this.defaultCond = c ? validateConditions(c) : undefined;
  }

  /** Sets the core conditions between two hosts (both directions unless `oneWay`). */
  setLink(a: HostRef, b: HostRef, c: LinkConditions, opts: DirectionOptions = {}): void {
    const v = validateConditions(c);
    for (const k of this.pairKeys(a, b, opts)) this.pairCond.set(k, v);
  }

  /** Removes a pair setting (the pair falls back to the network defaults). */
  clearLink(a: HostRef, b: HostRef, opts: DirectionOptions = {}): void {
    for (const k of this.pairKeys(a, b, opts)) this.pairCond.delete(k);
  }

  /**
   * Drops everything between `a` and `b` (both directions unless `oneWay`), including
   * datagrams already in flight; without `b`, isolates `a` from every other host.
   */
  cut(a: HostRef, b?: HostRef, opts: DirectionOptions = {}): void {
    if (b === undefined) this.isolated.add(this.ref(a).name);
    else for (const k of this.pairKeys(a, b, opts)) this.cuts.add(k);
  }

  /** Undoes {@link UdpNetwork.cut} with the same arguments. */
  restore(a: HostRef, b?: HostRef, opts: DirectionOptions = {}): void {
    if (b === undefined) this.isolated.delete(this.ref(a).name);
    else for (const k of this.pairKeys(a, b, opts)) this.cuts.delete(k);
  }

  /** True if datagrams from `a` to `b` are currently dropped by a cut or an isolation. */
  isCut(a: HostRef, b: HostRef): boolean {
    return this.cutBetween(this.ref(a).name, this.ref(b).name);
  }

  private cutBetween(x: string, y: string): boolean {
    if (this.isolated.size && (this.isolated.has(x) || this.isolated.has(y))) return true;
    return this.cuts.size > 0 && this.cuts.has(`${x}\u0000${y}`);
  }

  /** Registers a {@link UdpTap}; returns the function that removes it. */
  addTap(tap: UdpTap): () => void {
    this.taps.push(tap);
    return () => {
      const i = this.taps.indexOf(tap);
      if (i >= 0) this.taps.splice(i, 1);
    };
  }

  /** Delivers everything due up to `untilMs` (and fires other deadlines on the clock). */
  run(untilMs: number): number {
    return this.clock.runUntil(untilMs);
  }

  /** Runs until `cond()` holds or `maxMs` pass (see {@link FakeClock.waitFor}); returns `cond()`. */
  waitFor(cond: () => boolean, maxMs: number): boolean {
    return this.clock.waitFor(cond, maxMs);
  }

  /** Advances the clock by `ms`. */
  advance(ms: number): number {
    return this.clock.advance(ms);
  }

  /** @internal Called by {@link SimUdpSocket.send} with validated arguments. */
  _transmit(sock: SimUdpSocket, data: Uint8Array, to: UdpAddress, ttl: number): void {
    const now = this.clock.now();
    const src = sock.host;
    const size = data.length;
    this.stats.sent++;
    this.stats.bytesSent += size;
    src.stats.sent++;
    src.stats.bytesSent += size;
    const srcIp = src._sourceIp(sock, to.ip);
    const d: InFlight = {
      id: this.nextId++,
      src,
      srcIp: srcIp ?? sock.localAddress.ip,
      srcPort: sock.localAddress.port,
      to,
      data,
      route: undefined as unknown as Route,
    };
    this.emit(d, 'send');
    if (srcIp === undefined) {
      this.drop(d, 'no-route');
      return;
    }
    const route = this.route(src, { ip: srcIp, port: sock.localAddress.port }, to, ttl, now);
    if (typeof route === 'string') {
      this.drop(d, route);
      return;
    }
    d.route = route;
    if (src._fw && !route.local) src._fw.outbound(sock.localAddress.port, to, now);
    let arrival = now;
    let duplicate = false;
    if (!route.local) {
      const peer = route.peer;
      if (peer ? this.cutBetween(src.name, peer.name) : this.isolated.has(src.name)) {
        this.drop(d, 'cut');
        return;
      }
      const coreKey = `${src.name}\u0000${peer ? peer.name : route.ip}`;
      const core = this.pairCond.get(coreKey) ?? (route.lan ? route.lan.lanConditions : this.defaultCond);
      const pc = composePath([src.conditions, core, peer?.conditions]);
      if (size > pc.mtu) {
        this.drop(d, 'mtu');
        return;
      }
      if (this.linkRng.chance(pc.loss)) {
        this.drop(d, 'loss');
        return;
      }
      // Bandwidth: sender uplink, core, receiver downlink, each its own FIFO queue.
      let t: number | undefined = now;
      if (src.conditions?.bandwidthBps) t = src._up.enqueue(t, size, src.conditions);
      if (t !== undefined && core?.bandwidthBps) {
        let q = this.pairQueue.get(coreKey);
        if (!q) {
          q = new BandwidthQueue();
          this.pairQueue.set(coreKey, q);
        }
        t = q.enqueue(t, size, core);
      }
      if (t !== undefined && peer?.conditions?.bandwidthBps) t = peer._down.enqueue(t, size, peer.conditions);
      if (t === undefined) {
        this.drop(d, 'queue');
        return;
      }
      arrival = t + pc.delayMs + (pc.jitterMs > 0 ? this.linkRng.float() * pc.jitterMs : 0);
      arrival = Math.ceil(arrival);
      const fifoKey = `${src.name}\u0000${route.ip}|${route.port}`;
      if (this.linkRng.chance(pc.reorder)) {
        arrival += Math.ceil(pc.reorderDelayMs); // held back; later datagrams may overtake it
      } else {
        arrival = Math.max(arrival, this.lastArrival.get(fifoKey) ?? arrival);
        this.lastArrival.set(fifoKey, arrival);
      }
      duplicate = this.linkRng.chance(pc.duplicate);
    }
    // new Uint8Array(x) copies; Buffer#slice would only make a view of the caller's memory.
    d.data = new Uint8Array(data);
    this.clock.schedule(arrival, () => this.deliver(d), 'datagram');
    if (duplicate) {
      this.stats.duplicated++;
      const copy: InFlight = { ...d, data: new Uint8Array(data) };
      this.clock.schedule(arrival, () => this.deliver(copy), 'datagram');
    }
  }

  /**
   * Walks the datagram out of its LAN(s): within a scope (a NAT's LAN, or the internet) it goes
   * straight to the entity owning the address; otherwise it leaves through the scope's NAT,
   * which translates the source. Each router (NAT or the core) takes one TTL and, like a real
   * router, drops the datagram before forwarding (so before translating) when the TTL runs out.
   */
  private route(
    src: SimHost,
    from: UdpAddress,
    to: UdpAddress,
    ttl: number,
    now: number,
  ): Route | DropReason {
    if (isLoopback(to.ip) || src.hasAddress(to.ip)) {
      return { peer: src, entity: src, ip: to.ip, port: to.port, from, ttl, local: true, lan: undefined };
    }
    let scope = src.isLanAddress(from.ip) ? src.nat : undefined;
    for (;;) {
      if (scope === undefined) {
        const e = this.publicIps.get(to.ip);
        if (e === undefined) return 'no-route';
        if (ttl <= 1) return 'ttl'; // the core router
        return this.routeTo(e, to, from, ttl - 1, undefined, now);
      }
      const e = scope.lan.get(to.ip);
      if (e !== undefined) return this.routeTo(e, to, from, ttl, scope, now); // same LAN: no router
      if (ttl <= 1) return 'ttl';
      ttl--;
      if (to.ip === scope.publicIp) {
        // Hairpin: out through the NAT and straight back in. Arrival processing will take a TTL
        // for entering the NAT again; it is one router, so give that one back.
        if (!scope.hairpin) return 'nat-filter';
        const port = scope.table.outbound(from, to, now);
        if (port === undefined) return 'nat-filter';
        return this.routeTo(scope, to, { ip: scope.publicIp, port }, ttl + 1, scope, now);
      }
      const port = scope.table.outbound(from, to, now);
      if (port === undefined) return 'nat-filter'; // public ports exhausted
      from = { ip: scope.publicIp, port };
      scope = scope.outer;
    }
  }

  private routeTo(
    e: SimHost | SimNat,
    to: UdpAddress,
    from: UdpAddress,
    ttl: number,
    lan: SimNat | undefined,
    now: number,
  ): Route {
    const peer = e instanceof SimNat ? e.likelyHost(to.port, now) : e;
    return { peer, entity: e, ip: to.ip, port: to.port, from, ttl, local: false, lan };
  }

  private deliver(d: InFlight): void {
    const now = this.clock.now();
    const r = d.route;
    let e = r.entity;
    let ip = r.ip;
    let port = r.port;
    let ttl = r.ttl;
    if (!r.local && !(e instanceof SimNat)) {
      // Still the owner of that address? (The host may have moved while this was in flight.)
      if ((r.lan ? r.lan.lan.get(ip) : this.publicIps.get(ip)) !== e) {
        this.drop(d, 'no-route');
        return;
      }
    }
    while (e instanceof SimNat) {
      // Filtering happens on arrival: the mapping may have opened or expired while in flight.
      if (ttl <= 1) {
        this.drop(d, 'ttl');
        return;
      }
      ttl--;
      const inside = e.table.inbound(port, r.from, now);
      const next = inside && e.lan.get(inside.ip);
      if (!inside || !next) {
        this.drop(d, 'nat-filter');
        return;
      }
      ip = inside.ip;
      port = inside.port;
      e = next;
    }
    const host = e;
    if (!r.local && this.cutBetween(d.src.name, host.name)) {
      this.drop(d, 'cut');
      return;
    }
    // The firewall guards what comes from outside the host's LAN (same-LAN traffic reaches the
    // host directly: the route ends at the host itself, inside a LAN).
    const fromOwnLan = r.entity === host && r.lan !== undefined;
    if (host._fw && !r.local && !fromOwnLan && !host._fw.admits(port, r.from, now)) {
      this.drop(d, 'firewall');
      return;
    }
    const sock = host._socketFor(ip, port);
    if (!sock) {
      this.drop(d, 'no-listener');
      return;
    }
    const handler = sock.onMessage;
    if (!handler) {
      this.drop(d, 'no-handler');
      return;
    }
    const size = d.data.length;
    this.stats.delivered++;
    this.stats.bytesDelivered += size;
    host.stats.received++;
    host.stats.bytesReceived += size;
    if (this.tracing || this.onTrace || this.taps.length)
      this.emit(d, 'deliver', undefined, host.name, { ip, port });
    handler(d.data, r.from, sock);
  }

  private drop(d: InFlight, reason: DropReason): void {
    this.stats.dropped[reason]++;
    this.emit(d, 'drop', reason);
  }

  private emit(
    d: InFlight,
    kind: TraceEvent['kind'],
    reason?: DropReason,
    to?: string,
    at?: UdpAddress,
  ): void {
    if (!this.tracing && !this.onTrace && this.taps.length === 0) return;
    const e: TraceEvent = {
      t: this.clock.now(),
      kind,
      id: d.id,
      host: d.src.name,
      src: formatEndpoint(d.srcIp, d.srcPort),
      dst: formatEndpoint(d.to.ip, d.to.port),
      size: d.data.length,
      ...(to !== undefined ? { to, from: formatEndpoint(d.route.from.ip, d.route.from.port) } : {}),
      ...(reason !== undefined ? { reason } : {}),
    };
    if (this.tracing) this.trace.push(e);
    this.onTrace?.(e);
    if (this.taps.length) {
      const src = at ? d.route.from : { ip: d.srcIp, port: d.srcPort };
      for (const tap of [...this.taps]) tap(e, d.data, src, at ?? d.to);
    }
  }

  private ref(h: HostRef): SimHost {
    if (h instanceof SimHost) {
      if (this.hostsByName.get(h.name) !== h) throw new Error(`host "${h.name}" is not on this network`);
      return h;
    }
    return this.host(h);
  }

  private pairKeys(a: HostRef, b: HostRef, opts: DirectionOptions): string[] {
    const x = this.ref(a).name;
    const y = this.ref(b).name;
    return opts.oneWay ? [`${x}\u0000${y}`] : [`${x}\u0000${y}`, `${y}\u0000${x}`];
  }
}
