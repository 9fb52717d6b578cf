/**
 * One joined network (protocol.md §8, §9.7–§9.9): its status, config (requested from the
 * controller or synthesized for ad-hoc ids), the members we know and their credentials, our
 * multicast subscriptions and the Ethernet port it feeds. Frame and multicast traffic lives in
 * `network-frames.ts`; the {@link Vl2} manager (`vl2.ts`) owns the networks and routes packets.
 *
 * Sans-I/O: time comes from the context (`ctx.now()`), packets leave through `ctx.send`.
 * @module
 */

import { EthernetPort } from '../../link/ethernet-port.ts';
import {
  formatMac,
  formatNetworkId,
  type MulticastGroup,
  macForAddress,
  networkController,
} from '../../protocol/address.ts';
import type { CertificateOfMembership } from '../../protocol/credentials/index.ts';
import type { Identity } from '../../protocol/identity.ts';
import { type InetAddress, inetAddressToString, ipToString } from '../../protocol/inet-address.ts';
import {
  broadcastEnabled,
  decodeNetworkConfig,
  type NetworkConfig,
  NetworkType,
  SpecialistFlag,
  specialistsWith,
} from '../../protocol/netconf.ts';
import { decodeAuthInfo } from '../../protocol/netconf-metadata.ts';
import {
  CONFIG_CHUNK_FLAG_FAST_PROPAGATE,
  ConfigAssembler,
  type ConfigChunk,
  type DecodedConfigChunk,
  encodeConfigChunk,
  encodeMulticastLike,
  encodeNetworkCredentials,
  splitMulticastLike,
  Verb,
} from '../../protocol/verbs/index.ts';
import { Writer } from '../../util/result.ts';
import type { SendOptions } from '../node-types.ts';
import {
  adHocConfig,
  CONFIG_REQUEST_RETRY,
  configPushAckPayload,
  configRequestPayload,
  NETWORK_AUTOCONF_DELAY,
  type NetworkStatusName,
  statusForConfigError,
} from './config-client.ts';
import { Membership } from './membership.ts';
import { configGroups, MULTICAST_ANNOUNCE_PERIOD, MulticastTable, mergeGroups } from './multicast.ts';
import { sendFrameFromPort } from './network-frames.ts';
import { NetworkMacs } from './network-macs.ts';
import type { FilterOptions } from './rules-filter.ts';

/** What a network needs from its surroundings (the {@link Vl2} manager implements it over a Node). */
export interface Vl2Context {
  /** Our address. */
  readonly address: number;
  /** True if our node is a root (stores LIKEs and answers GATHERs for any network, §6.10, §6.14). */
  readonly isRoot: boolean;
  /** Current time (ms): the last `now` the host gave, or its injected clock. */
  now(): number;
  /**
   * Sends one VL2 packet through the node. A FRAME's `payload` is a view of a buffer the network
   * reuses for the next frame: it is valid only during the call (VL1 copies it into the packet).
   */
  send(to: number, verb: number, payload: Uint8Array, opts?: SendOptions): boolean;
  /** Identity of a known peer. */
  identityOf(address: number): Identity | undefined;
  /** Asks the roots who `address` is (§6.5). */
  whois(address: number): void;
  /** Addresses of our upstreams (roots, moons). */
  upstreams(): number[];
  /** The best upstream now, if any. */
  bestUpstream(): number | undefined;
  /** A peer passed a gate: VL1 may trust it (§9.8). */
  trustEstablished(address: number): void;
  /** Random u32 (rules MATCH_RANDOM, gather shuffles). */
  random32(): number;
  /** Peer activity timeout (30 s in SDK builds): the credential re-push period (§9.8). */
  readonly activityTimeout: number;
  /** Target string for the config request metadata (§6.12). */
  readonly os: string;
  /** Reports an event. */
  emit(e: Vl2Event): void;
  /**
   * Runs `fn` once the current call into the core has returned (frames we synthesize for the
   * local stack — NDP emulation — must not re-enter it while it is sending). Injected by the host.
   */
  defer(fn: () => void): void;
}

/** A route as reported in {@link NetworkInfo}. */
export interface RouteInfo {
  target: string;
  via: string | null;
  flags: number;
  metric: number;
}

/** A snapshot of a network (what `ztsdk node --join` prints, like `GET /network/<id>`). */
export interface NetworkInfo {
  /** 16 hex digits. */
  id: string;
  status: NetworkStatusName;
  name: string;
  type: 'PRIVATE' | 'PUBLIC';
  mac: string;
  mtu: number;
  broadcast: boolean;
  multicastLimit: number;
  revision: number;
  /** `ip/prefix` of every assigned address (IPv4, RFC4193, 6PLANE…). */
  addresses: string[];
  routes: RouteInfo[];
  dns: { domain: string; servers: string[] } | null;
  /** SSO URL when the status is AUTHENTICATION_REQUIRED. */
  authenticationUrl?: string;
}

/** Events of the VL2 layer. */
export type Vl2Event =
  | { type: 'network'; network: NetworkInfo }
  | { type: 'persist'; key: string; data: Uint8Array | null }
  | { type: 'trace'; message: string };

const NEVER = Number.NEGATIVE_INFINITY;
/** §9.8: on NEED_MEMBERSHIP_CERTIFICATE, re-push at most once a second. */
const CREDENTIAL_REPUSH_MIN = 1_000;
/**
 * When a config request or an announcement to an upstream could not be sent (no path yet: the
 * node is not online), try again this soon rather than a whole period later.
 */
const SEND_FAILURE_RETRY = 5_000;
/** Bound of the learned bridge routes (oldest forgotten first). */
const MAX_BRIDGE_ROUTES = 4096;

/** Largest NETWORK_CREDENTIALS payload we send (a packet carries ≈ 10 KB, §9.8 "split across as many packets as needed"). */
export const CREDENTIALS_PACKET_MAX = 8_000;

/**
 * Our credentials as NETWORK_CREDENTIALS payloads (§6.11, §9.8): the COM first, then
 * capabilities, tags and COOs, split so no payload exceeds {@link CREDENTIALS_PACKET_MAX};
 * revocation count always 0.
 */
export function credentialPackets(c: NetworkConfig): Uint8Array[] {
  const out: Uint8Array[] = [];
  let cur = {
    caps: [] as NetworkConfig['capabilities'],
    tags: [] as NetworkConfig['tags'],
    coos: [] as NetworkConfig['certificatesOfOwnership'],
  };
  let com = c.com;
  let size = 1 + 8 + (com ? com.toBytes().length : 0);
  const flush = () => {
    const w = new Writer(size + 16);
    encodeNetworkCredentials(w, {
      coms: com ? [com] : [],
      capabilities: cur.caps,
      tags: cur.tags,
      revocations: [],
      coos: cur.coos,
    });
    out.push(w.finish());
    com = null;
    cur = { caps: [], tags: [], coos: [] };
    size = 1 + 8;
  };
  const add = (key: 'caps' | 'tags' | 'coos', x: { toBytes(): Uint8Array }) => {
    const n = x.toBytes().length;
    if (size + n > CREDENTIALS_PACKET_MAX && (com || cur.caps.length + cur.tags.length + cur.coos.length > 0))
      flush();
    (cur[key] as unknown[]).push(x);
    size += n;
  };
  for (const x of c.capabilities) add('caps', x);
  for (const x of c.tags) add('tags', x);
  for (const x of c.certificatesOfOwnership) add('coos', x);
  if (com || cur.caps.length + cur.tags.length + cur.coos.length > 0) flush();
  return out;
}

/** A joined network. See the module documentation. */
export class Network {
  /** Network id. */
  readonly id: bigint;
  /** Its controller (`nwid >> 24`, §1.2). */
  readonly controller: number;
  /** Controller-less (§1.2). */
  readonly adHoc: boolean;
  /** The virtual Ethernet port of this network (src/link). */
  readonly port: EthernetPort;
  /** Our MAC on it (§1.3). */
  readonly mac: number;
  /** @internal Member MACs of this network without BigInt math (§1.3), for the frame path. */
  readonly macs: NetworkMacs;
  /** @internal The id as two u32 halves (matching a FRAME's nwid without a BigInt) and as 8 bytes. */
  readonly idHi: number;
  /** @internal See {@link Network.idHi}. */
  readonly idLo: number;
  /** @internal See {@link Network.idHi}: big-endian, the first 8 bytes of a FRAME payload (§6.7). */
  readonly idBytes: Uint8Array;
  /** @internal Options of the rules filters, made once rather than per frame. */
  readonly filterOptions: FilterOptions;
  /** @internal As {@link Network.filterOptions}, without TEE/WATCH copies (per-recipient multicast pass). */
  readonly filterOptionsNoTee: FilterOptions;
  /**
   * @internal The buffer outgoing FRAME payloads are written in (one per network, reused: `ctx.send`
   * does not keep the payload), so a frame costs no allocation. Starts with the nwid (§6.7).
   */
  txFrame: Uint8Array;
  /** Drops by reason (never thrown). */
  readonly drops: Record<string, number> = {};
  /** Members we know, by address. */
  readonly members = new Map<number, Membership>();
  /** Who LIKEs which group. */
  readonly multicast = new MulticastTable();
  /** Bridged MACs learned from EXT_FRAME / MULTICAST_FRAME sources → the bridge they live behind (§9.10). */
  readonly bridgeRoutes = new Map<number, number>();
  /** SSO URL from the controller's AUTHENTICATION_REQUIRED error. */
  authenticationUrl = '';
  /** Time our current config was applied (credential pushes restart then). */
  configTime = NEVER;
  private _status: NetworkStatusName = 'REQUESTING_CONFIGURATION';
  private _config: NetworkConfig | null = null;
  private readonly assembler: ConfigAssembler;
  private lastConfigRequest = NEVER;
  private lastAnnounce = NEVER;
  private announced: MulticastGroup[] = [];
  private left = false;
  private lastInfo = '';

  constructor(
    /** @internal */ readonly ctx: Vl2Context,
    id: bigint,
    saved?: Uint8Array,
  ) {
    this.id = id;
    this.controller = networkController(id);
    this.mac = macForAddress(ctx.address, id);
    this.macs = new NetworkMacs(id);
    const u = BigInt.asUintN(64, id);
    this.idHi = Number(u >> 32n);
    this.idLo = Number(u & 0xffffffffn);
    this.idBytes = new Uint8Array(8);
    new DataView(this.idBytes.buffer).setBigUint64(0, u);
    this.txFrame = new Uint8Array(10 + 2800 + 14);
    this.txFrame.set(this.idBytes, 0);
    const random = () => ctx.random32();
    this.filterOptions = { random };
    this.filterOptionsNoTee = { random, noTee: true };
    this.assembler = new ConfigAssembler(id);
    this.port = new EthernetPort({ networkId: id, mac: this.mac, send: (f) => sendFrameFromPort(this, f) });
    this.port.on('multicast', (ch) => {
      if (ch.added.length > 0 && this._config) this.announce(ch.added);
    });
    const adhoc = adHocConfig(id, ctx.address);
    this.adHoc = adhoc !== null;
    if (adhoc === 'NOT_FOUND') this.setStatus('NOT_FOUND');
    else if (adhoc) this.setConfig(adhoc, null);
    else if (saved) this.applyDictionary(saved, false);
  }

  /** Current status. */
  get status(): NetworkStatusName {
    return this._status;
  }

  /** The config in force (null until the first one). */
  get config(): NetworkConfig | null {
    return this._config;
  }

  /** @internal Counts a drop. */
  drop(reason: string): void {
    this.drops[reason] = (this.drops[reason] ?? 0) + 1;
  }

  /** The membership record of `address` (created on first use). */
  member(address: number): Membership {
    let m = this.members.get(address);
    if (!m) {
      m = new Membership(address);
      this.members.set(address, m);
    }
    return m;
  }

  /** Learns that `mac` (not a ZeroTier MAC of this network) is reached through bridge `via` (§9.10). */
  learnBridgeRoute(mac: number, via: number): void {
    if (this.bridgeRoutes.size >= MAX_BRIDGE_ROUTES && !this.bridgeRoutes.has(mac)) {
      const oldest = this.bridgeRoutes.keys().next();
      if (!oldest.done) this.bridgeRoutes.delete(oldest.value);
    }
    this.bridgeRoutes.delete(mac);
    this.bridgeRoutes.set(mac, via);
  }

  /** The gate (§9.8) for `address`. */
  gate(address: number): boolean {
    const m = this.members.get(address) ?? new Membership(address);
    return m.isAllowed(this._config, this.ctx.identityOf(address));
  }

  /** Emits a `network` event with the current state unless that exact state was reported already. */
  reportStatus(): void {
    this.emitInfo();
  }

  /** Snapshot for printing / APIs. */
  info(): NetworkInfo {
    const c = this._config;
    const inet = (a: InetAddress) => `${ipToString(a)}/${a.port}`;
    const out: NetworkInfo = {
      id: formatNetworkId(this.id),
      status: this._status,
      name: c?.name ?? '',
      type: c?.type === NetworkType.PUBLIC ? 'PUBLIC' : 'PRIVATE',
      mac: formatMac(this.mac),
      mtu: this.port.mtu,
      broadcast: c ? broadcastEnabled(c) : false,
      multicastLimit: c?.multicastLimit ?? 0,
      revision: c?.revision ?? 0,
      addresses: (c?.staticIps ?? []).map(inet),
      routes: (c?.routes ?? []).map((r) => ({
        target: inet(r.target),
        via: r.via ? inetAddressToString(r.via).split('/')[0] : null,
        flags: r.flags,
        metric: r.metric,
      })),
      dns: c?.dns ? { domain: c.dns.domain, servers: c.dns.servers.map((s) => ipToString(s)) } : null,
    };
    if (this._status === 'AUTHENTICATION_REQUIRED') out.authenticationUrl = this.authenticationUrl;
    return out;
  }

  /** Groups we subscribe to: the port's (host) groups plus those the config implies (§1.4). */
  subscribedGroups(): MulticastGroup[] {
    const c = this._config;
    return mergeGroups(this.port.multicastGroups, c ? configGroups(c) : []);
  }

  /** True if we subscribe to `g`. */
  subscribes(g: MulticastGroup): boolean {
    return this.subscribedGroups().some((x) => x.mac === g.mac && x.adi === g.adi);
  }

  // ---- config ------------------------------------------------------------------------------

  private setStatus(s: NetworkStatusName): void {
    if (s !== this._status) {
      this._status = s;
      if (!this.left) this.port.update({ status: s });
    }
    this.emitInfo(); // (deduplicated: also reports a new SSO URL under the same status)
  }

  private emitInfo(): void {
    if (this.left) return;
    // One event per visible change (a refreshed config with the same content prints nothing).
    const info = this.info();
    const key = JSON.stringify(info);
    if (key === this.lastInfo) return;
    this.lastInfo = key;
    this.ctx.emit({ type: 'network', network: info });
  }

  /**
   * Feeds a config chunk (OK(NETWORK_CONFIG_REQUEST) or a pushed NETWORK_CONFIG, §6.13) from `from`.
   * `pushId` is the push's packet ID (the ack quotes it), null for an OK. Returns true if a config
   * was applied.
   */
  handleConfigChunk(chunk: ConfigChunk | DecodedConfigChunk, from: number, pushId: bigint | null): boolean {
    if (this.adHoc) {
      this.drop('config-for-adhoc');
      return false;
    }
    if (!chunk.meta && from !== this.controller) {
      this.drop('legacy-config-not-from-controller');
      return false;
    }
    const signer = this.ctx.identityOf(this.controller);
    if (!signer && chunk.meta) {
      this.ctx.whois(this.controller);
      this.drop('controller-unknown');
      return false;
    }
    const r = this.assembler.accept(chunk, (region, sig) => signer?.verify(region, sig) === true);
    if (r.kind === 'dropped') {
      this.drop(`config-${r.reason}`);
      return false;
    }
    // §6.13 flag 0x01: a new, verified chunk is re-sent to the other members we know (duplicates
    // were dropped above, so this cannot loop).
    if (chunk.meta && (chunk.meta.flags & CONFIG_CHUNK_FLAG_FAST_PROPAGATE) !== 0) {
      const w = new Writer(chunk.data.length + 160);
      encodeConfigChunk(w, chunk);
      const payload = w.finish();
      for (const a of this.members.keys())
        if (a !== from && a !== this.ctx.address && a !== this.controller)
          this.ctx.send(a, Verb.NETWORK_CONFIG, payload, { compress: true });
    }
    if (r.kind === 'pending') return false;
    const applied = this.applyDictionary(r.dictionary, true);
    if (applied && pushId !== null && r.updateId !== 0n)
      this.ctx.send(from, Verb.OK, configPushAckPayload(pushId, this.id, r.updateId));
    return applied;
  }

  /** Decodes and applies a netconf dictionary (§8.2); `persist` emits the `networks.d` write. */
  applyDictionary(bytes: Uint8Array, persist: boolean): boolean {
    const d = decodeNetworkConfig(bytes);
    if (!d.ok) {
      this.drop(`netconf-${d.reason}`);
      if (d.reason === 'version-too-old') this.setStatus('CLIENT_TOO_OLD');
      return false;
    }
    const c = d.value;
    if (c.networkId !== this.id || c.issuedTo !== this.ctx.address) {
      this.drop('netconf-not-ours');
      return false;
    }
    const held = this._config;
    if (held && held.revision === c.revision && held.timestamp === c.timestamp && this._status === 'OK')
      return true; // identical config: no-op (§6.13)
    this.setConfig(c, persist ? bytes : null);
    return true;
  }

  private setConfig(c: NetworkConfig, persistBytes: Uint8Array | null): void {
    const first = this._config === null;
    this._config = c;
    this.configTime = this.ctx.now();
    // New config: our credentials must be pushed again before the next unicast (§9.8).
    for (const m of this.members.values()) m.lastPushedCredentials = NEVER;
    if (persistBytes)
      this.ctx.emit({
        type: 'persist',
        key: `networks.d/${formatNetworkId(this.id)}.conf`,
        data: Uint8Array.from(persistBytes),
      });
    if (!this.left) this.port.update({ name: c.name, mtu: c.mtu, addresses: c.staticIps, routes: c.routes });
    const wasOk = this._status === 'OK';
    this._status = 'OK';
    if (!this.left) this.port.update({ status: 'OK' });
    this.emitInfo();
    // Announce at once: a reference member can ARP us only after our LIKE for that group (§1.4).
    if (first || !wasOk) this.announceAll(this.ctx.now());
    else this.announceNewGroups();
  }

  /**
   * An ERROR in re NETWORK_CONFIG_REQUEST (§6.3, §9.9); honoured from the controller only.
   */
  handleConfigError(from: number, code: number, authInfo?: Uint8Array): void {
    if (from !== this.controller) {
      this.drop('config-error-not-from-controller');
      return;
    }
    const s = statusForConfigError(code);
    if (s === null) return;
    if (s === 'AUTHENTICATION_REQUIRED' && authInfo) {
      const a = decodeAuthInfo(authInfo);
      if (a.ok) this.authenticationUrl = a.value.authenticationUrl || a.value.issuerUrl;
    }
    this.setStatus(s);
  }

  // ---- credentials -------------------------------------------------------------------------

  /**
   * Pushes our credentials (COM, caps, tags, COOs; no revocations) to `to` if due (§9.8): never
   * pushed since our config, or more than the activity timeout ago; `repush` (on
   * NEED_MEMBERSHIP_CERTIFICATE) only needs 1 s and a COM.
   */
  pushCredentials(to: number, repush = false): void {
    const c = this._config;
    if (!c || to === this.ctx.address) return;
    if (repush && !c.com) return;
    if (
      !c.com &&
      c.capabilities.length === 0 &&
      c.tags.length === 0 &&
      c.certificatesOfOwnership.length === 0
    )
      return;
    const m = this.member(to);
    const now = this.ctx.now();
    const since = now - m.lastPushedCredentials;
    const fresh = m.lastPushedCredentials >= this.configTime;
    if (fresh && since <= (repush ? CREDENTIAL_REPUSH_MIN : this.ctx.activityTimeout)) return;
    m.lastPushedCredentials = now;
    for (const p of credentialPackets(c)) this.ctx.send(to, Verb.NETWORK_CREDENTIALS, p, { compress: true });
  }

  /** A peer sent a COM inline (EXT_FRAME / GATHER / MULTICAST_FRAME flag 0x01): offer it. */
  offerCom(from: number, com: CertificateOfMembership | undefined): void {
    if (!com || com.issuedTo !== from) return;
    const v = this.member(from).addCom(this.id, com, (a) => this.ctx.identityOf(a));
    if (v === 'need-whois') this.ctx.whois(this.controller);
  }

  // ---- timers ------------------------------------------------------------------------------

  /** Periodic work: config requests (§9.9), multicast announcements (§9.7), expiries. */
  poll(now: number): void {
    if (this.left) return;
    if (!this.adHoc) {
      const period = this._config ? NETWORK_AUTOCONF_DELAY : CONFIG_REQUEST_RETRY;
      if (now - this.lastConfigRequest >= period) this.requestConfig(now);
    }
    if (this._config && now - this.lastAnnounce >= MULTICAST_ANNOUNCE_PERIOD) this.announceAll(now);
    this.multicast.expire(now);
  }

  /** When {@link poll} next has work. */
  nextDeadline(): number {
    if (this.left) return Number.POSITIVE_INFINITY;
    let t = this.multicast.nextExpiry();
    if (!this.adHoc)
      t = Math.min(
        t,
        this.lastConfigRequest + (this._config ? NETWORK_AUTOCONF_DELAY : CONFIG_REQUEST_RETRY),
      );
    if (this._config) t = Math.min(t, this.lastAnnounce + MULTICAST_ANNOUNCE_PERIOD);
    return t;
  }

  /** Sends NETWORK_CONFIG_REQUEST to the controller now (§6.12). */
  requestConfig(now: number): void {
    this.lastConfigRequest = now;
    if (this.controller === this.ctx.address) {
      this.drop('we-are-the-controller');
      return;
    }
    const sent = this.ctx.send(
      this.controller,
      Verb.NETWORK_CONFIG_REQUEST,
      configRequestPayload(this.id, this._config, this.ctx.os),
      { compress: true, expectReply: true },
    );
    if (!sent && this._config) this.lastConfigRequest = now - NETWORK_AUTOCONF_DELAY + SEND_FAILURE_RETRY;
  }

  /** Who our LIKEs go to (§9.7): controller, upstreams, anchors and replicators. */
  private announceTargets(): Set<number> {
    const out = new Set<number>(this.ctx.upstreams());
    if (!this.adHoc) out.add(this.controller);
    const c = this._config;
    if (c) {
      for (const a of specialistsWith(c, SpecialistFlag.ANCHOR)) out.add(a);
      for (const a of specialistsWith(c, SpecialistFlag.MULTICAST_REPLICATOR)) out.add(a);
    }
    out.delete(this.ctx.address);
    return out;
  }

  /** Full announcement: every group to every target and to members that pass the gate. */
  private announceAll(now: number): void {
    this.lastAnnounce = now;
    const groups = this.subscribedGroups();
    this.announced = groups;
    const to = this.announceTargets();
    for (const a of this.members.keys()) if (this.gate(a)) to.add(a);
    let failed = false;
    for (const a of to) {
      if (this.members.has(a)) {
        const m = this.member(a);
        m.lastAnnounced = now;
        this.pushCredentials(a);
      }
      if (!this.sendLikes(a, groups)) failed = true;
    }
    // A LIKE lost for want of a path (not online yet) would leave us unreachable by ARP for a
    // whole period (§1.4): retry soon.
    if (failed) this.lastAnnounce = now - MULTICAST_ANNOUNCE_PERIOD + SEND_FAILURE_RETRY;
  }

  /** Announces groups not announced before (after a config change). */
  private announceNewGroups(): void {
    const groups = this.subscribedGroups();
    const fresh = groups.filter((g) => !this.announced.some((x) => x.mac === g.mac && x.adi === g.adi));
    this.announced = groups;
    if (fresh.length > 0) this.announce(fresh);
  }

  /** Announces `groups` at once to the targets and the members that pass the gate (§9.7). */
  announce(groups: readonly MulticastGroup[]): void {
    const to = this.announceTargets();
    for (const a of this.members.keys()) if (this.gate(a)) to.add(a);
    for (const a of to) this.sendLikes(a, groups);
  }

  /** A member just passed the gate: if its 60 s announcement gate is open, LIKE our groups to it. */
  announceToMember(address: number): void {
    const m = this.member(address);
    const now = this.ctx.now();
    if (now - m.lastAnnounced < MULTICAST_ANNOUNCE_PERIOD || !this._config) return;
    m.lastAnnounced = now;
    this.pushCredentials(address);
    this.sendLikes(address, this.subscribedGroups());
  }

  /** Sends MULTICAST_LIKEs for `groups` to `to`; false if one could not be sent. */
  private sendLikes(to: number, groups: readonly MulticastGroup[]): boolean {
    if (groups.length === 0) return true;
    const subs = groups.map((group) => ({ nwid: this.id, group }));
    let ok = true;
    for (const p of splitMulticastLike(subs)) {
      const w = new Writer(p.subscriptions.length * 18);
      encodeMulticastLike(w, p);
      if (!this.ctx.send(to, Verb.MULTICAST_LIKE, w.finish(), { compress: true })) ok = false;
    }
    return ok;
  }

  /** Leaves: closes the port, forgets the persisted config. */
  leave(): void {
    if (this.left) return;
    this.left = true;
    this.port.close();
    this.ctx.emit({ type: 'persist', key: `networks.d/${formatNetworkId(this.id)}.conf`, data: null });
  }

  /** True after {@link leave}. */
  get hasLeft(): boolean {
    return this.left;
  }
}
