/**
 * The VL1 node core, sans-I/O (protocol.md §3, §4.5, §6, §7.2, §9; architecture.md "Sans-I/O
 * core"). The runtime feeds it datagrams (`receive`), calls `poll` at `nextDeadline()`, and
 * carries out what it asks through {@link NodeIo}: datagrams to send and events. After every
 * `receive`, `poll` or send the deadline may have moved: re-arm the one timer from
 * `nextDeadline()`.
 *
 * ```ts
 * const node = new Node({ identity, planet: defaultPlanet(), random: (n) => randomBytes(n), now: Date.now() }, {
 *   send: (socket, to, data, ttl) => sockets[socket].send(data, to, ttl),
 *   event: (e) => console.log(e),
 * });
 * node.addLocalSocket(0, bound);                 // then for each datagram:
 * node.receive(0, from, datagram, Date.now());   // and at node.nextDeadline(): node.poll(Date.now())
 * ```
 *
 * Read first: the receive pipeline is `switch.ts` (relaying in `relay.ts`, VL1 verbs in
 * `vl1-verbs.ts`); the 5 s tick in `ping.ts`; external addresses and PUSH_DIRECT_PATHS in
 * `surface.ts`; per-peer state in `peer.ts`/`path.ts`; planet/moons/upstreams in
 * `topology.ts`; packet assembly in `outgoing.ts`; API types in `node-types.ts`. This file owns
 * the public API, sending/routing and WHOIS.
 * @module
 */
import { formatAddress } from '../protocol/address.ts';
import { fragmentPacket, Reassembler } from '../protocol/fragment.ts';
import type { Identity } from '../protocol/identity.ts';
import { type InetAddress, IpScope, ipScope } from '../protocol/inet-address.ts';
import { encodeUserMessage } from '../protocol/verbs/user-message.ts';
import { Verb } from '../protocol/verbs/verb.ts';
import { encodeWhois } from '../protocol/verbs/whois.ts';
import type { World } from '../protocol/world.ts';
import { Writer } from '../util/result.ts';
import {
  DEFAULT_ACTIVITY_TIMEOUT,
  MAX_WHOIS_RETRIES,
  PING_CHECK_INTERVAL,
  QUEUE_TIMEOUT,
  TRUST_EXPIRATION,
  TX_QUEUE_LIMIT,
  UNKNOWN_LATENCY,
  WHOIS_RETRY_DELAY,
} from './constants.ts';
import { Counters, type DropReason } from './counters.ts';
import { ExpectingReplies } from './expecting-replies.ts';
import type { NodeEvent, NodeIo, NodeOptions, PeerInfo, SendOptions, Vl2Handler } from './node-types.ts';
import { allocOutgoing, assembleHello, assemblePacketArgs } from './outgoing.ts';
import { type Path, pathKey } from './path.ts';
import { Peer } from './peer.ts';
import { decodePeerCache, encodePeerCache } from './peer-cache.ts';
import { PhysicalMtu } from './phys-mtu.ts';
import { pingTick } from './ping.ts';
import { SourceRateGate, TokenBucket } from './rate-limit.ts';
import { Switch } from './switch.ts';
import { moonKey, Topology } from './topology.ts';

/** Default send options, shared (a `= {}` default would allocate an object per packet). */
const NO_OPTS: SendOptions = Object.freeze({});

/** Bytes of randomness drawn at a time for packet IDs (128 IDs). */
const PACKET_ID_POOL = 1024;

interface QueuedTx {
  readonly dest: number;
  readonly verb: number;
  readonly payload: Uint8Array;
  readonly opts: SendOptions;
  readonly time: number;
}

interface PendingWhois {
  lastSent: number;
  retries: number;
}

interface SurfaceEntry {
  readonly address: InetAddress;
  readonly time: number;
}

export type {
  NodeEvent,
  NodeIo,
  NodeOptions,
  PathInfo,
  PeerInfo,
  SendOptions,
  Vl2Handler,
  Vl2Packet,
} from './node-types.ts';

/** A ZeroTier VL1 node. See the module documentation. */
export class Node {
  /** Our identity (with private key). */
  readonly identity: Identity;
  /** Counters: received/sent per verb, drops per reason. */
  readonly counters = new Counters();
  /** @internal */ readonly io: NodeIo;
  /** @internal */ readonly topology: Topology;
  /**
   * @internal Fragment reassembly (§3.3). It keeps references to the datagrams given to
   * {@link Node.receive} instead of copying each piece: the node owns what it is given (it also
   * parks packets by reference), and node:dgram gives every message its own Buffer.
   */
  readonly reassembler = new Reassembler({ retainDatagrams: true, alloc: allocOutgoing });
  /** @internal */ readonly expecting = new ExpectingReplies();
  /** @internal */ readonly identityGate = new SourceRateGate();
  /** @internal Global cap on identity proof-of-work checks (see rate-limit.ts). */
  readonly identityBudget: TokenBucket;
  /** @internal */ readonly random: (n: number) => Uint8Array;
  /** @internal */ readonly activityTimeout: number;
  /** @internal */ readonly allowLoopback: boolean;
  /** @internal */ readonly isRoot: boolean;
  /** @internal Path MTU per destination (§3.3, option `physicalMtu`). */
  readonly physicalMtu: PhysicalMtu;
  /** @internal Local sockets by id. */
  readonly sockets = new Map<number, InetAddress>();
  /** @internal The receive pipeline. */
  readonly sw: Switch;
  /** @internal VL2's hook. */
  vl2: Vl2Handler | undefined;
  /** @internal Pending WHOIS by address. */
  readonly whois = new Map<number, PendingWhois>();
  /** @internal Last RENDEZVOUS per pair (root role). */
  readonly unites = new Map<string, number>();
  /** @internal Paths that carried trust-established traffic, path key → time (§3.4). */
  readonly trustedPaths = new Map<string, number>();
  /** @internal External addresses reported by peers (§9.6), key = reporter|socket|scope|family. */
  readonly surface = new Map<string, SurfaceEntry>();
  private readonly txQueue: QueuedTx[] = [];
  /** @internal Local interface addresses to advertise (§9.4 step 3). */
  interfaceAddresses: InetAddress[] = [];
  private lastPingCheck = Number.NEGATIVE_INFINITY;
  private isOnline = false;
  /** @internal Peer-cache paths to try once at the first tick (§7.4). */
  readonly cachedPaths = new Map<number, InetAddress[]>();
  private lastNow: number;
  /** Random bytes for packet IDs, and how far they are used (see {@link Node.packetId}). */
  private idPool: Uint8Array = new Uint8Array(0);
  private idAt = 0;

  /** @throws TypeError if the identity has no private key. */
  constructor(opts: NodeOptions, io: NodeIo) {
    if (!opts.identity.hasPrivate) throw new TypeError('Node: identity must include the private key');
    this.identity = opts.identity;
    this.io = io;
    this.random = opts.random;
    this.activityTimeout = opts.activityTimeoutMs ?? DEFAULT_ACTIVITY_TIMEOUT;
    this.allowLoopback = opts.allowLoopbackPaths ?? true;
    this.physicalMtu = new PhysicalMtu(opts.physicalMtu);
    this.identityBudget = new TokenBucket(opts.identityChecks?.burst, opts.identityChecks?.perSecond);
    this.lastNow = opts.now;
    this.topology = new Topology(opts.identity.address, opts.planet, opts.moons ?? []);
    this.isRoot = opts.role === 'root' || this.topology.isRootOfAWorld();
    this.sw = new Switch(this);
    this.ensureUpstreamPeers();
    for (const blob of opts.peerCache ?? []) this.loadCachedPeer(blob);
  }

  // ---- public API ------------------------------------------------------------------------------

  /** Our 40-bit address. */
  get address(): number {
    return this.identity.address;
  }

  /** ONLINE: an upstream answered within the activity timeout (roots: once a socket is bound). */
  get online(): boolean {
    return this.isOnline;
  }

  /** The planet currently held. */
  get planet(): World {
    return this.topology.planet;
  }

  /** Moons currently held. */
  get moons(): World[] {
    return [...this.topology.moons.values()];
  }

  /** Registers a bound local socket (the runtime binds a primary and a secondary port). */
  addLocalSocket(id: number, local: InetAddress): void {
    this.sockets.set(id, local);
    this.lastPingCheck = Number.NEGATIVE_INFINITY; // contact roots at the next poll
  }

  /** Forgets a local socket and every path through it. */
  removeLocalSocket(id: number): void {
    this.sockets.delete(id);
    for (const p of this.topology.peers.values()) p.paths = p.paths.filter((x) => x.socket !== id);
  }

  /**
   * Orbits a moon (§7.2, `zerotier-cli orbit`): the moon is requested from `seed` (its ID is
   * usually the seed's address) in HELLOs until it arrives; it is then persisted and its roots
   * become upstreams.
   */
  orbit(moonId: bigint, seed: number, now: number): void {
    if (this.topology.moons.has(moonId)) return;
    this.topology.wantedMoons.set(moonId, seed);
    this.lastPingCheck = Math.min(this.lastPingCheck, now - PING_CHECK_INTERVAL);
  }

  /** Leaves a moon: forgets it and emits `persist` with null data for its file. */
  deorbit(moonId: bigint): void {
    this.topology.wantedMoons.delete(moonId);
    if (this.topology.moons.delete(moonId)) {
      this.topology.rebuild();
      this.emit({ type: 'persist', key: moonKey(moonId), data: null });
    }
  }

  /** Local interface addresses to advertise in PUSH_DIRECT_PATHS (§9.4 step 3). */
  setInterfaceAddresses(addrs: readonly InetAddress[]): void {
    this.interfaceAddresses = [...addrs];
  }

  /** Registers VL2's packet handler (FRAME, EXT_FRAME, MULTICAST_*, NETWORK_*, and OK/ERROR in re them). */
  setVl2Handler(h: Vl2Handler | undefined): void {
    this.vl2 = h;
  }

  /** VL2 marks a peer trust-established (it passed a network's membership gate, §3.4 / §9.4). */
  markTrustEstablished(address: number, now: number): void {
    const p = this.topology.peers.get(address);
    if (!p) return;
    p.trustEstablished = now;
    // §3.4: its current direct paths become trust-established too (we then relay for them).
    for (const x of p.paths) if (x.alive(now)) this.trustedPaths.set(x.key, now);
    if (this.trustedPaths.size > 4096) {
      for (const [k, t] of this.trustedPaths) if (now - t >= TRUST_EXPIRATION) this.trustedPaths.delete(k);
      if (this.trustedPaths.size > 4096) this.trustedPaths.clear();
    }
  }

  /** @internal True if (socket, from) carried trust-established traffic within 600 s (§3.4). */
  pathTrusted(socket: number, from: InetAddress, now: number): boolean {
    if (this.trustedPaths.size === 0) return false;
    const t = this.trustedPaths.get(pathKey(socket, from));
    return t !== undefined && now - t < TRUST_EXPIRATION;
  }

  /** Identity of a known peer (VL2 checks credential signatures with it). */
  peerIdentity(address: number): Identity | undefined {
    return this.topology.peers.get(address)?.identity;
  }

  /**
   * Feeds one received datagram. Never throws: bad input is dropped and counted in
   * {@link Node.counters} (an unexpected exception is counted as `internal-error`). The node takes
   * ownership of `datagram`: it may keep it (a fragment waiting for the rest, a packet parked
   * while its sender is WHOIS'd) and decrypts it in place, so the caller must not reuse it.
   */
  receive(socket: number, from: InetAddress, datagram: Uint8Array, now: number): void {
    this.lastNow = now;
    try {
      this.sw.receive(socket, from, datagram, now);
    } catch (e) {
      this.counters.drop('internal-error');
      this.trace(`internal error in receive: ${(e as Error)?.stack ?? String(e)}`);
    }
  }

  /** Housekeeping (§9.2): the 5 s ping tick, expiries, WHOIS retries. Never throws. */
  poll(now: number): void {
    this.lastNow = now;
    try {
      this.housekeeping(now);
    } catch (e) {
      this.counters.drop('internal-error');
      this.trace(`internal error in poll: ${(e as Error)?.stack ?? String(e)}`);
    }
  }

  /** The earliest time `poll` must run (ms, finite; may be in the past: poll at once). */
  nextDeadline(): number {
    let t = this.lastPingCheck + PING_CHECK_INTERVAL;
    for (const w of this.whois.values())
      if (w.retries < MAX_WHOIS_RETRIES) t = Math.min(t, w.lastSent + WHOIS_RETRY_DELAY);
    const r = this.reassembler.nextDeadline();
    if (r !== undefined) t = Math.min(t, r);
    const p = this.sw.parkDeadline();
    if (p !== undefined) t = Math.min(t, p);
    if (this.txQueue.length > 0) t = Math.min(t, this.txQueue[0].time + QUEUE_TIMEOUT);
    // Always a finite time: "now" (the last time we were given) when something is due at once.
    return Number.isFinite(t) ? t : this.lastNow;
  }

  /** Known peers, like `zerotier-cli peers`. */
  peers(): PeerInfo[] {
    const now = this.lastNow;
    const out: PeerInfo[] = [];
    for (const p of this.topology.peers.values()) {
      const best = p.bestPath(now);
      out.push({
        address: formatAddress(p.address),
        role: this.topology.roleOf(p.address),
        version: p.version,
        protocolVersion: p.protocolVersion,
        latency: latencyOrUnknown(best?.latency ?? UNKNOWN_LATENCY),
        direct: p.hasAlivePath(now),
        paths: p.paths.map((x) => ({
          address: x.text,
          localSocket: x.socket,
          lastSend: x.lastSend,
          lastReceive: x.lastReceive,
          active: x.alive(now),
          expired: x.expired(now),
          preferred: x === best,
          latency: x.latency,
        })),
      });
    }
    return out;
  }

  /** One peer's info, or undefined. */
  peer(address: number): PeerInfo | undefined {
    const a = formatAddress(address);
    return this.peers().find((p) => p.address === a);
  }

  /** Sends a USER_MESSAGE (§6.17, compressed). Returns false if it could not be sent or queued. */
  sendUserMessage(to: number, typeId: bigint, data: Uint8Array, now: number): boolean {
    const w = new Writer(8 + data.length);
    encodeUserMessage(w, { typeId, data });
    return this.sendToPeer(to, Verb.USER_MESSAGE, w.finish(), now, { compress: true });
  }

  /**
   * Sends `payload` as `verb` to `address` (encrypted per §4.5, compressed if asked, fragmented
   * at the path MTU: 1432, 10324 on loopback, or the `physicalMtu` option): directly over the best alive path, else relayed through the best upstream (§9.3);
   * to an unknown peer it is queued (≤ 32, 5 s) while its identity is WHOIS'd. Returns false
   * if it was dropped.
   * @throws RangeError if the packet would need more than 7 datagrams (payload over ~9900 bytes).
   */
  sendToPeer(
    address: number,
    verb: number,
    payload: Uint8Array,
    now: number,
    opts: SendOptions = NO_OPTS,
  ): boolean {
    this.lastNow = now;
    if (address === this.address) return false;
    const peer = this.topology.peers.get(address);
    if (!peer) {
      if (this.txQueue.length >= TX_QUEUE_LIMIT) {
        this.txQueue.shift();
        this.counters.drop('tx-queue-full');
      }
      this.txQueue.push({
        dest: address,
        verb,
        payload: new Uint8Array(payload) /* a copy even of a Buffer */,
        opts,
        time: now,
      });
      this.requestWhois(address, now);
      return true;
    }
    return this.sendRouted(peer, verb, payload, now, opts);
  }

  // ---- sending (internal) -------------------------------------------------------------------------

  /**
   * @internal 8 random bytes for a packet ID (a view, valid until the next call). Drawn from a
   * pool refilled {@link PACKET_ID_POOL} bytes at a time: one call of the injected randomness per
   * 128 packets instead of one per packet (node:crypto's randomFillSync costs ~5 µs a call on
   * average, GC included; 1024 bytes cost little more than 8). A `random` that returns fewer bytes than asked (but at
   * least 8) is used as far as it goes.
   */
  packetId(): Uint8Array {
    let at = this.idAt;
    if (at + 8 > this.idPool.length) {
      const b = this.random(PACKET_ID_POOL);
      if (!(b instanceof Uint8Array) || b.length < 8)
        throw new TypeError('Node: random(n) must return n bytes');
      this.idPool = b;
      at = 0;
    }
    this.idAt = at + 8;
    return this.idPool.subarray(at, at + 8);
  }

  /**
   * @internal Where a packet to `peer` goes now (§9.3): its best alive path; else, unless it is
   * itself an upstream, the best upstream's path (relay); else any non-expired path of its own.
   */
  route(peer: Peer, now: number): Path | undefined {
    const direct = peer.bestPath(now, true);
    if (direct) return direct;
    if (!this.topology.isUpstream(peer.address)) {
      const relay = this.bestUpstream(now, peer.address);
      const rp = relay?.bestPath(now);
      if (rp) return rp;
    }
    return peer.bestPath(now);
  }

  /** @internal Assembles, armors and routes one packet. */
  sendRouted(
    peer: Peer,
    verb: number,
    payload: Uint8Array,
    now: number,
    opts: SendOptions = NO_OPTS,
  ): boolean {
    const path = this.route(peer, now);
    if (!path) {
      this.counters.drop('no-route');
      return false;
    }
    this.sendOn(peer, path.socket, path.address, verb, payload, now, opts, path);
    return true;
  }

  /** @internal Assembles, armors and sends one packet over an explicit (socket, address). */
  sendOn(
    peer: Peer,
    socket: number,
    to: InetAddress,
    verb: number,
    payload: Uint8Array,
    now: number,
    opts: SendOptions = NO_OPTS,
    path?: Path,
    cipher: 0 | 1 | 3 = peer.cipher,
  ): void {
    // The path MTU decides the fragmented flag, which is authenticated: it must be known before
    // armoring (§3.3 steps 1-2).
    const mtu = this.physicalMtu.mtuFor(to);
    const pkt = assemblePacketArgs(
      this.packetId(),
      peer.address,
      this.address,
      verb,
      payload,
      opts.compress === true,
      mtu,
      peer.key,
      cipher,
    );
    if (opts.expectReply) this.expecting.expect(pkt);
    this.counters.tx(verb);
    this.transmit(socket, to, pkt, now, path ?? peer.findPath(socket, to), mtu);
  }

  /**
   * @internal Fragments at the path MTU (§3.3) and hands datagrams to the I/O layer. `mtu` must
   * be the one the packet was assembled with (it set the fragmented flag before armoring).
   */
  transmit(
    socket: number,
    to: InetAddress,
    pkt: Uint8Array,
    now: number,
    path?: Path,
    mtu: number = this.physicalMtu.mtuFor(to),
  ): void {
    if (!this.sockets.has(socket)) {
      this.counters.drop('no-socket');
      return;
    }
    if (pkt.length <= mtu) {
      this.counters.datagramsSent++;
      this.io.send(socket, to, pkt);
    } else {
      for (const d of fragmentPacket(pkt, mtu, allocOutgoing)) {
        this.counters.datagramsSent++;
        this.io.send(socket, to, d);
      }
    }
    if (path) path.lastSend = now;
  }

  /**
   * @internal Sends a full HELLO (§6.2). With `to`, over that address (from `socket`, or from
   * every local socket of its family); without, routed like any packet (relayed if need be).
   */
  sendHello(peer: Peer, now: number, to?: InetAddress, socket?: number): void {
    const build = (dest: InetAddress | null, mtu: number) => {
      const pkt = assembleHello(
        {
          packetId: this.packetId(),
          identity: this.identity,
          destination: peer.address,
          timestamp: now,
          to: dest,
          planetId: this.topology.planet.id,
          planetTimestamp: BigInt(this.topology.planet.timestamp),
          moons: this.topology.helloMoons(),
          mtu,
        },
        peer.key,
      );
      this.expecting.expect(pkt);
      this.counters.tx(Verb.HELLO);
      return pkt;
    };
    peer.lastHelloSent = now;
    if (to === undefined) {
      const path = this.route(peer, now);
      if (!path) {
        this.counters.drop('no-route');
        return;
      }
      const direct = path === peer.findPath(path.socket, path.address);
      const mtu = this.physicalMtu.mtuFor(path.address);
      this.transmit(path.socket, path.address, build(direct ? path.address : null, mtu), now, path, mtu);
      return;
    }
    const mtu = this.physicalMtu.mtuFor(to);
    const socks = socket !== undefined ? [socket] : this.socketsFor(to);
    for (const s of socks) this.transmit(s, to, build(to, mtu), now, peer.findPath(s, to), mtu);
  }

  /** @internal Probe an address: ECHO if the peer's version allows, else HELLO (§6.6, §9.2). */
  contact(peer: Peer, socket: number, to: InetAddress, now: number, forceHello = false): void {
    if (!forceHello && peer.canEcho)
      this.sendOn(peer, socket, to, Verb.ECHO, new Uint8Array(0), now, { expectReply: true });
    else this.sendHello(peer, now, to, socket);
  }

  /** @internal Local sockets that can reach `to` (same family; an IPv6 wildcard is dual-stack). */
  socketsFor(to: InetAddress): number[] {
    const out: number[] = [];
    for (const [id, a] of this.sockets) {
      if (a.family === to.family) out.push(id);
      else if (a.family === 6 && to.family === 4 && a.ip.every((b) => b === 0)) out.push(id);
    }
    return out;
  }

  /**
   * @internal §9.3 usable remote address: private, pseudo-private, shared or global scope
   * (loopback if allowed), non-zero port, not 2001:470::/32 (HE tunnels).
   */
  usableAddress(a: InetAddress): boolean {
    if (a.port === 0) return false;
    const s = ipScope(a);
    if (s === IpScope.LOOPBACK) return this.allowLoopback;
    if (s !== IpScope.PRIVATE && s !== IpScope.PSEUDO_PRIVATE && s !== IpScope.SHARED && s !== IpScope.GLOBAL)
      return false;
    if (a.family === 6 && a.ip[0] === 0x20 && a.ip[1] === 0x01 && a.ip[2] === 0x04 && a.ip[3] === 0x70)
      return false;
    return true;
  }

  /** @internal Best upstream (§9.3): lowest `latency × (sinceLastReceive / 61000 + 1)` among those heard recently. */
  bestUpstream(now: number, exclude?: number): Peer | undefined {
    let best: Peer | undefined;
    let bestScore = Number.POSITIVE_INFINITY;
    let fallback: Peer | undefined;
    for (const a of this.topology.upstreamAddresses()) {
      if (a === exclude) continue;
      const p = this.topology.peers.get(a);
      if (!p?.bestPath(now)) continue;
      fallback ??= p;
      if (now - p.lastReceive >= this.activityTimeout) continue;
      const score = p.latency(now) * ((now - p.lastReceive) / 61000 + 1);
      if (score < bestScore) {
        bestScore = score;
        best = p;
      }
    }
    return best ?? fallback;
  }

  /** @internal WHOIS `address` via the best upstream, at most once per 500 ms (§6.5, §9.5). */
  requestWhois(address: number, now: number): void {
    let w = this.whois.get(address);
    if (w && now - w.lastSent < WHOIS_RETRY_DELAY) return;
    if (!w) {
      if (this.whois.size >= 1024) return; // bounded: a flood of unknown sources cannot grow this
      w = { lastSent: now, retries: 0 };
      this.whois.set(address, w);
    } else {
      w.lastSent = now;
      w.retries++;
    }
    const up = this.bestUpstream(now, address);
    if (!up) return;
    const pw = new Writer(5);
    encodeWhois(pw, { addresses: [address] });
    this.sendRouted(up, Verb.WHOIS, pw.finish(), now, { expectReply: true });
  }

  /** @internal Creates a peer from an identity (key agreement, §2.6); undefined if the key is unusable. */
  addPeer(identity: Identity): Peer | undefined {
    const existing = this.topology.peers.get(identity.address);
    if (existing) return existing;
    const key = this.identity.agree(identity);
    if (key === null) return undefined;
    const p = new Peer(identity.publicOnly(), key);
    this.topology.peers.set(p.address, p);
    return p;
  }

  /** @internal A peer's identity just became known: deliver parked packets and queued sends (§9.5). */
  identityLearned(peer: Peer, now: number): void {
    this.trace(`identity of ${formatAddress(peer.address)} learned`);
    this.whois.delete(peer.address);
    this.sw.unpark(peer.address, now);
    const keep: QueuedTx[] = [];
    const send: QueuedTx[] = [];
    for (const q of this.txQueue) (q.dest === peer.address ? send : keep).push(q);
    this.txQueue.length = 0;
    this.txQueue.push(...keep);
    for (const q of send) this.sendRouted(peer, q.verb, q.payload, now, q.opts);
  }

  /** @internal Emits an event (exceptions from the host are the host's, not ours). */
  emit(e: NodeEvent): void {
    this.io.event(e);
  }

  /** @internal Debug trace. */
  trace(message: string): void {
    this.io.event({ type: 'trace', message });
  }

  /** @internal Counts a drop. */
  drop(reason: DropReason): void {
    this.counters.drop(reason);
  }

  /** @internal A path was learned: events and peer-cache persist. */
  pathLearned(peer: Peer, path: Path, now: number): void {
    this.emit({ type: 'path', address: formatAddress(peer.address), path: path.text, state: 'learned' });
    this.persistPeer(peer);
    this.announcePeer(peer, now);
  }

  /** @internal Emits a `peer` event if the direct/relayed state or version changed. */
  announcePeer(peer: Peer, now: number, force = false): void {
    const direct = peer.hasAlivePath(now);
    if (!force && peer.announcedDirect === direct) return;
    peer.announcedDirect = direct;
    this.emit({
      type: 'peer',
      address: formatAddress(peer.address),
      role: this.topology.roleOf(peer.address),
      direct,
      latency: latencyOrUnknown(peer.latency(now)),
      version: peer.version,
    });
  }

  /** @internal Emits `persist` for `peers.d/<addr>.peer`. */
  persistPeer(peer: Peer): void {
    this.emit({
      type: 'persist',
      key: `peers.d/${formatAddress(peer.address)}.peer`,
      data: encodePeerCache({
        identity: peer.identity,
        protocolVersion: peer.protocolVersion,
        versionMajor: Math.max(0, peer.versionMajor),
        versionMinor: Math.max(0, peer.versionMinor),
        versionRevision: Math.max(0, peer.versionRevision),
        paths: peer.paths.map((p) => p.address),
      }),
    });
  }

  /** @internal Recomputes ONLINE/OFFLINE and emits on change. */
  updateOnline(now: number): void {
    let on: boolean;
    if (this.isRoot) on = this.sockets.size > 0;
    else {
      on = false;
      for (const a of this.topology.upstreamAddresses()) {
        const p = this.topology.peers.get(a);
        if (p && now - p.lastReceive < this.activityTimeout) on = true;
      }
    }
    if (on !== this.isOnline) {
      this.isOnline = on;
      this.emit({ type: on ? 'online' : 'offline' });
    }
  }

  // ---- housekeeping ------------------------------------------------------------------------------

  private ensureUpstreamPeers(): void {
    for (const a of this.topology.upstreamAddresses()) {
      const id = this.topology.upstreamIdentity(a);
      if (!id) continue;
      const have = this.topology.peers.get(a);
      if (have && !have.identity.equals(id)) this.topology.peers.delete(a);
      if (!this.topology.peers.has(a)) this.addPeer(id);
    }
  }

  private loadCachedPeer(blob: Uint8Array): void {
    const d = decodePeerCache(blob);
    if (!d.ok) {
      this.trace(`peer cache record ignored: ${d.reason}`);
      return;
    }
    const r = d.value;
    if (r.identity.address === this.address) return;
    const up = this.topology.upstreamIdentity(r.identity.address);
    if (up && !up.equals(r.identity)) return; // the world is authoritative for roots
    const p = this.addPeer(r.identity);
    if (!p) return;
    if (p.protocolVersion === 0 && r.protocolVersion > 0)
      p.setVersion(r.protocolVersion, r.versionMajor, r.versionMinor, r.versionRevision);
    this.cachedPaths.set(p.address, [...r.paths]);
  }

  /** @internal Called after the planet/moons changed: new upstream peers. */
  worldsChanged(): void {
    this.ensureUpstreamPeers();
  }

  private housekeeping(now: number): void {
    this.syncFragmentDrops(now);
    this.sw.expireParked(now);
    while (this.txQueue.length > 0 && now - this.txQueue[0].time >= QUEUE_TIMEOUT) {
      this.txQueue.shift();
      this.counters.drop('tx-queue-timeout');
    }
    for (const [a, w] of this.whois) {
      if (w.retries >= MAX_WHOIS_RETRIES) {
        if (now - w.lastSent >= QUEUE_TIMEOUT) this.whois.delete(a);
        continue;
      }
      if (now - w.lastSent >= WHOIS_RETRY_DELAY) {
        const waiting = this.txQueue.some((q) => q.dest === a) || this.sw.hasParked(a);
        if (waiting) this.requestWhois(a, now);
        else this.whois.delete(a);
      }
    }
    if (now - this.lastPingCheck >= PING_CHECK_INTERVAL) {
      this.lastPingCheck = now;
      pingTick(this, now);
    }
  }

  /** @internal Copies the reassembler's drop counts into ours (`fragment-*`). */
  syncFragmentDrops(now: number): void {
    this.reassembler.expire(now);
    const d = this.reassembler.drops;
    for (const k of Object.keys(d) as (keyof typeof d)[]) {
      const n = d[k];
      if (n > 0) {
        const reason = `fragment-${k}` as DropReason;
        this.counters.drops[reason] = (this.counters.drops[reason] ?? 0) + n;
        d[k] = 0;
      }
    }
  }
}

/** Latency for events and `peers()`: -1 while unmeasured (internally 0xffff, §9.3). */
function latencyOrUnknown(l: number): number {
  return l >= UNKNOWN_LATENCY ? -1 : l;
}
