/**
 * The VL2 manager (protocol.md §6.7–§6.15, §8, §9.7–§9.9): registers as the VL1 node's VL2
 * handler, keeps the joined {@link Network}s, routes each VL2 packet (frames, multicast, config,
 * credentials, and OK/ERROR in re them) to its network, and drives their timers.
 *
 * ```ts
 * const vl2 = new Vl2(node, { random, now, event: (e) => console.log(e) });
 * const net = vl2.join(0x8056c2e21c000001n, now);
 * net.port.on('frame', (f) => …);           // raw Ethernet frames, or bindStack(net.port, stack, clock)
 * // host loop: node.poll(now); vl2.poll(now); timer at min(node.nextDeadline(), vl2.nextDeadline())
 * ```
 * Sans-I/O: time is passed in (`poll(now)`, `join(id, now)`), or read from the optional injected
 * `clock` for frames the port sends between calls; randomness is injected.
 * @module
 */

import { formatNetworkId, type MulticastGroup } from '../../protocol/address.ts';
import type { Revocation } from '../../protocol/credentials/index.ts';
import {
  decodeConfigChunk,
  decodeError,
  decodeExtFrame,
  decodeMulticastFrame,
  decodeMulticastGather,
  decodeMulticastLike,
  decodeNetworkCredentials,
  decodeOk,
  ErrorCode,
  encodeError,
  encodeNetworkCredentials,
  encodeOk,
  frameView,
  type GatherResults,
  type NetworkCredentials,
  Verb,
} from '../../protocol/verbs/index.ts';
import { Writer } from '../../util/result.ts';
import type { Node } from '../node.ts';
import type { SendOptions, Vl2Packet } from '../node-types.ts';
import { DEFAULT_OS } from './config-client.ts';
import type { CredentialVerdict } from './membership.ts';
import { MulticastTable } from './multicast.ts';
import { Network, type Vl2Context, type Vl2Event } from './network.ts';
import { gatherAnswer, gatherResults, receiveFrame, receiveMulticastFrame } from './network-frames.ts';

/** `ZT_PEER_CREDENTIALS_RATE_LIMIT` (§6.11, §9.1). */
export const CREDENTIALS_RATE_LIMIT = 1_000;
/** How long NETWORK_CREDENTIALS waiting for the signer's identity are kept (§6.11 "retried later"). */
const CREDENTIALS_RETRY_WINDOW = 5_000;
const NO_BYTES: Uint8Array = new Uint8Array(0);
const PENDING_CREDENTIALS_LIMIT = 64;

/** Options of a {@link Vl2}. */
export interface Vl2Options {
  /** Injected randomness (`n` bytes), e.g. the node's. */
  random: (n: number) => Uint8Array;
  /** Creation time (ms). */
  now: number;
  /** Receives network status/config changes, `networks.d` persistence and traces. */
  event?: (e: Vl2Event) => void;
  /** Optional clock for frames the Ethernet ports send between host calls (default: the last `now` seen). */
  clock?: () => number;
  /** Target string sent to controllers (§6.12 `o`), default `linux/x86_64`. */
  os?: string;
  /** Peer activity timeout (credential re-push period, §9.8), default 30 000 ms (SDK builds). */
  activityTimeoutMs?: number;
  /**
   * How to run work after the current call returns (NDP-emulated answers to the local stack, so
   * they do not re-enter it mid-send: a stack answered synchronously loses the packet that
   * triggered the NS). Default `queueMicrotask` (no timer, no I/O: it runs before any I/O
   * callback); tests that check synchronously pass `(fn) => fn()` or their own queue.
   */
  defer?: (fn: () => void) => void;
  /**
   * A network controller living on the same node (the node has one VL2 handler slot): gets every
   * NETWORK_CONFIG_REQUEST first and returns true when it handled it. Without one, or when it
   * returns false, we answer ERROR UNSUPPORTED_OPERATION as a non-controller does (§6.12).
   */
  configRequestHandler?: (p: Vl2Packet) => boolean;
}

/** The VL2 side of a node: see the module documentation. */
export class Vl2 {
  /** Drops by reason that concern no joined network. */
  readonly drops: Record<string, number> = {};
  private readonly nets = new Map<bigint, Network>();
  /** Root role: LIKEs for networks we have not joined (§6.10, §6.14). */
  private readonly rootTables = new Map<bigint, MulticastTable>();
  private readonly credsReceived = new Map<number, number>();
  private pendingCreds: { from: number; creds: NetworkCredentials; until: number }[] = [];
  private lastNow: number;
  private readonly ctx: Vl2Context;
  /** Reused by the FRAME fast path ({@link frameView}). */
  private readonly frame = { nwidHi: 0, nwidLo: 0, etherType: 0, data: NO_BYTES };

  constructor(
    /** The VL1 node. */
    readonly node: Node,
    private readonly opts: Vl2Options,
  ) {
    this.lastNow = opts.now;
    this.ctx = {
      address: node.address,
      isRoot: node.isRoot,
      activityTimeout: opts.activityTimeoutMs ?? 30_000,
      os: opts.os ?? DEFAULT_OS,
      now: () => (opts.clock ? opts.clock() : this.lastNow),
      send: (to: number, verb: number, payload: Uint8Array, o?: SendOptions) => {
        try {
          return node.sendToPeer(to, verb, payload, this.ctx.now(), o);
        } catch {
          // RangeError: more than the 7 fragments a packet may have (a 10000-byte MTU frame plus
          // headers). Counted, never thrown into the stack that sent the frame.
          this.drop('send-too-big');
          return false;
        }
      },
      identityOf: (a: number) => (a === node.address ? node.identity : node.peerIdentity(a)),
      whois: (a: number) => node.requestWhois(a, this.ctx.now()),
      upstreams: () => node.topology.upstreamAddresses(),
      bestUpstream: () => node.bestUpstream(this.ctx.now())?.address,
      trustEstablished: (a: number) => node.markTrustEstablished(a, this.ctx.now()),
      random32: () => {
        const b = opts.random(4);
        return ((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) >>> 0;
      },
      emit: (e: Vl2Event) => opts.event?.(e),
      defer: opts.defer ?? queueMicrotask,
    };
    node.setVl2Handler((p) => this.handle(p));
  }

  /** Joined networks. */
  get networks(): Network[] {
    return [...this.nets.values()];
  }

  /** A joined network by id. */
  network(id: bigint): Network | undefined {
    return this.nets.get(id);
  }

  /**
   * Joins `id` (idempotent): requests its config at once (or synthesizes it for an ad-hoc id).
   * `saved` is a previously persisted `networks.d/<id>.conf` dictionary to start from.
   * @throws TypeError if `id` is not a non-zero 64-bit bigint.
   */
  join(id: bigint, now: number, saved?: Uint8Array): Network {
    if (typeof id !== 'bigint' || id <= 0n || id > 0xffffffffffffffffn)
      throw new TypeError('Vl2.join: network id must be a non-zero 64-bit bigint');
    this.lastNow = now;
    let n = this.nets.get(id);
    if (n) return n;
    n = new Network(this.ctx, id, saved);
    this.nets.set(id, n);
    n.reportStatus();
    n.poll(now);
    return n;
  }

  /** Leaves `id`: closes its port and emits the deletion of its persisted config. False if not joined. */
  leave(id: bigint, now: number): boolean {
    this.lastNow = now;
    const n = this.nets.get(id);
    if (!n) return false;
    this.nets.delete(id);
    n.leave();
    return true;
  }

  /** Periodic work of every network; call when {@link nextDeadline} is due (extra calls are harmless). */
  poll(now: number): void {
    this.lastNow = now;
    for (const n of this.nets.values()) n.poll(now);
    if (this.pendingCreds.length > 0) {
      const pending = this.pendingCreds;
      this.pendingCreds = [];
      for (const p of pending) if (p.until > now) this.applyCredentials(p.from, p.creds, p.until);
    }
    for (const t of this.rootTables.values()) t.expire(now);
  }

  /** Earliest time {@link poll} has work. */
  nextDeadline(): number {
    let t = Number.POSITIVE_INFINITY;
    for (const n of this.nets.values()) t = Math.min(t, n.nextDeadline());
    if (this.pendingCreds.length > 0) t = Math.min(t, this.lastNow + 500);
    return t;
  }

  private drop(reason: string): void {
    this.drops[reason] = (this.drops[reason] ?? 0) + 1;
  }

  /** {@link Vl2.joined} for a nwid given as its two u32 halves (FRAME fast path). */
  private joinedByHalves(hi: number, lo: number): Network | undefined {
    if (this.nets.size <= 8) {
      for (const n of this.nets.values()) if (n.idLo === lo && n.idHi === hi) return n;
      this.drop('not-joined');
      return undefined;
    }
    return this.joined((BigInt(hi) << 32n) | BigInt(lo));
  }

  private joined(nwid: bigint | undefined): Network | undefined {
    if (nwid === undefined) return undefined;
    const n = this.nets.get(nwid);
    if (!n) this.drop('not-joined');
    return n;
  }

  /** The node's VL2 handler: never throws (bad input is counted). */
  handle(p: Vl2Packet): void {
    this.lastNow = p.now;
    try {
      this.dispatch(p);
    } catch (e) {
      this.drop('internal-error');
      this.opts.event?.({ type: 'trace', message: `vl2 internal error: ${(e as Error).stack ?? e}` });
    }
  }

  private dispatch(p: Vl2Packet): void {
    switch (p.verb) {
      case Verb.FRAME: {
        // The per-frame path (§6.7): read in place, the nwid as two u32 halves (no BigInt).
        const f = this.frame;
        if (!frameView(p.payload, f)) {
          this.drop('frame-truncated');
          return;
        }
        const n = this.joinedByHalves(f.nwidHi, f.nwidLo);
        if (n) receiveFrame(n, p.peer, p.verb, p.packetId, f.etherType, f.data);
        f.data = NO_BYTES; // do not keep the packet alive
        return;
      }
      case Verb.EXT_FRAME: {
        const d = decodeExtFrame(p.payload);
        if (!d.ok) {
          this.drop(d.reason);
          return;
        }
        const f = d.value;
        const n = this.joined(f.nwid);
        if (n)
          receiveFrame(n, p.peer, p.verb, p.packetId, f.etherType, f.data, {
            srcMac: f.srcMac,
            dstMac: f.destMac,
            flags: f.flags,
            com: f.com,
          });
        return;
      }
      case Verb.MULTICAST_FRAME: {
        const d = decodeMulticastFrame(p.payload);
        if (!d.ok) {
          this.drop(d.reason);
          return;
        }
        const n = this.joined(d.value.nwid);
        if (n) receiveMulticastFrame(n, p.peer, p.packetId, d.value);
        return;
      }
      case Verb.MULTICAST_LIKE:
        this.multicastLike(p);
        return;
      case Verb.MULTICAST_GATHER:
        this.multicastGather(p);
        return;
      case Verb.NETWORK_CREDENTIALS: {
        const last = this.credsReceived.get(p.peer);
        if (last !== undefined && p.now - last < CREDENTIALS_RATE_LIMIT) {
          this.drop('credentials-rate-limited');
          return;
        }
        const d = decodeNetworkCredentials(p.payload);
        if (!d.ok) {
          this.drop(d.reason);
          return;
        }
        this.credsReceived.set(p.peer, p.now);
        this.applyCredentials(p.peer, d.value, p.now + CREDENTIALS_RETRY_WINDOW);
        return;
      }
      case Verb.NETWORK_CONFIG_REQUEST: {
        if (this.opts.configRequestHandler?.(p)) return;
        // We are not a controller (§6.12): ERROR UNSUPPORTED_OPERATION with the nwid.
        if (p.payload.length < 8) {
          this.drop('ncr-truncated');
          return;
        }
        const nwid = new DataView(p.payload.buffer, p.payload.byteOffset, 8).getBigUint64(0);
        const w = new Writer(18);
        encodeError(w, {
          inReVerb: Verb.NETWORK_CONFIG_REQUEST,
          inRePacketId: p.packetId,
          code: ErrorCode.UNSUPPORTED_OPERATION,
          nwid,
        });
        this.ctx.send(p.peer, Verb.ERROR, w.finish());
        return;
      }
      case Verb.NETWORK_CONFIG: {
        const d = decodeConfigChunk(p.payload);
        if (!d.ok) {
          this.drop(d.reason);
          return;
        }
        this.joined(d.value.nwid)?.handleConfigChunk(d.value, p.peer, p.packetId);
        return;
      }
      case Verb.OK:
        this.ok(p);
        return;
      case Verb.ERROR:
        this.error(p);
        return;
      default:
        this.drop('unhandled-verb');
    }
  }

  private ok(p: Vl2Packet): void {
    const d = decodeOk(p.payload);
    if (!d.ok) {
      this.drop(d.reason);
      return;
    }
    const o = d.value;
    switch (o.kind) {
      case 'NETWORK_CONFIG_REQUEST':
        this.joined(o.body.nwid)?.handleConfigChunk(o.body, p.peer, null);
        return;
      case 'MULTICAST_GATHER': {
        const n = this.joined(o.body.nwid);
        if (n) gatherResults(n, o.body.group, o.body);
        return;
      }
      case 'MULTICAST_FRAME': {
        const n = this.joined(o.body.nwid);
        if (n && o.body.gather) gatherResults(n, o.body.group, o.body.gather);
        return;
      }
      default:
        return; // OK(EXT_FRAME) acks and others: nothing to do
    }
  }

  private error(p: Vl2Packet): void {
    const d = decodeError(p.payload);
    if (!d.ok) {
      this.drop(d.reason);
      return;
    }
    const e = d.value;
    const n = e.nwid !== undefined ? this.nets.get(e.nwid) : undefined;
    if (!n) {
      this.drop('error-for-unknown-network');
      return;
    }
    if (e.inReVerb === Verb.NETWORK_CONFIG_REQUEST) {
      n.handleConfigError(p.peer, e.code, e.authInfo);
      return;
    }
    switch (e.code) {
      case ErrorCode.NEED_MEMBERSHIP_CERTIFICATE:
        n.pushCredentials(p.peer, true);
        return;
      case ErrorCode.NETWORK_ACCESS_DENIED:
      case ErrorCode.NETWORK_AUTHENTICATION_REQUIRED:
        n.handleConfigError(p.peer, e.code, e.authInfo);
        return;
      case ErrorCode.UNWANTED_MULTICAST:
        if (e.group && n.gate(p.peer)) n.multicast.unlike(e.group, p.peer);
        return;
      default:
        return;
    }
  }

  private rootTable(nwid: bigint): MulticastTable {
    let t = this.rootTables.get(nwid);
    if (!t) {
      t = new MulticastTable();
      this.rootTables.set(nwid, t);
    }
    return t;
  }

  /** MULTICAST_LIKE (§6.10): stored if the sender passes the network's gate, or we are a root. */
  private multicastLike(p: Vl2Packet): void {
    const d = decodeMulticastLike(p.payload);
    if (!d.ok) {
      this.drop(d.reason);
      return;
    }
    for (const s of d.value.subscriptions) {
      const n = this.nets.get(s.nwid);
      if (n?.gate(p.peer)) n.multicast.like(s.group, p.peer, p.now);
      else if (this.ctx.isRoot) this.rootTable(s.nwid).like(s.group, p.peer, p.now);
      else this.drop('like-not-a-member');
    }
  }

  /** MULTICAST_GATHER (§6.14): answered for members (or anyone, as a root) when we know someone. */
  private multicastGather(p: Vl2Packet): void {
    const d = decodeMulticastGather(p.payload);
    if (!d.ok) {
      this.drop(d.reason);
      return;
    }
    const g = d.value;
    const n = this.nets.get(g.nwid);
    if (n && g.com) n.offerCom(p.peer, g.com);
    let res: GatherResults | null = null;
    if (n?.gate(p.peer)) res = gatherAnswer(n, p.peer, g.group, g.limit);
    else if (this.ctx.isRoot) res = this.rootGather(g.nwid, g.group, p.peer, g.limit, p.now);
    else {
      this.drop('gather-not-a-member');
      return;
    }
    if (!res || g.limit === 0) return;
    const w = new Writer(32 + res.members.length * 5);
    encodeOk(w, {
      inReVerb: Verb.MULTICAST_GATHER,
      inRePacketId: p.packetId,
      kind: 'MULTICAST_GATHER',
      body: { nwid: g.nwid, group: g.group, ...res },
    });
    this.ctx.send(p.peer, Verb.OK, w.finish());
  }

  private rootGather(
    nwid: bigint,
    group: MulticastGroup,
    requester: number,
    limit: number,
    now: number,
  ): GatherResults | null {
    const all = this.rootTable(nwid)
      .members(group, now)
      .filter((a) => a !== requester);
    for (let i = all.length - 1; i > 0; i--) {
      const j = this.ctx.random32() % (i + 1);
      [all[i], all[j]] = [all[j], all[i]];
    }
    return all.length === 0 ? null : { totalKnown: all.length, members: all.slice(0, limit) };
  }

  /**
   * Applies NETWORK_CREDENTIALS (§6.11): each credential goes to the network named inside it and
   * the member it is issued to (revocations: their target). Credentials whose signer is unknown
   * wait (≤ 5 s) for the WHOIS answer.
   */
  private applyCredentials(from: number, c: NetworkCredentials, until: number): void {
    const lookup = (a: number) => this.ctx.identityOf(a);
    const waiting: NetworkCredentials = { coms: [], capabilities: [], tags: [], revocations: [], coos: [] };
    const w = waiting as { [K in keyof NetworkCredentials]-?: unknown[] };
    let wait = false;
    const apply = (nwid: bigint, list: unknown[], cred: unknown, fn: (n: Network) => CredentialVerdict) => {
      const n = this.nets.get(nwid);
      if (!n) {
        this.drop('credential-not-joined');
        return;
      }
      const v = fn(n);
      if (v === 'need-whois') {
        this.ctx.whois(n.controller);
        list.push(cred);
        wait = true;
      } else if (v !== 'accepted' && v !== 'unchanged') n.drop(`credential-${v}`);
    };
    for (const x of c.coms)
      apply(x.networkId, w.coms, x, (n) => n.member(x.issuedTo).addCom(n.id, x, lookup));
    for (const x of c.capabilities ?? [])
      apply(x.networkId, w.capabilities, x, (n) => n.member(x.issuedTo).addCapability(n.id, x, lookup));
    for (const x of c.tags ?? [])
      apply(x.networkId, w.tags, x, (n) => n.member(x.issuedTo).addTag(n.id, x, lookup));
    for (const x of c.revocations ?? [])
      apply(x.networkId, w.revocations, x, (n) => {
        const v = n.member(x.target).addRevocation(n.id, x, lookup);
        // §8.7: a newly accepted fast-propagate revocation is forwarded to the other members we know.
        if (v === 'accepted' && x.fastPropagate) this.propagateRevocation(n, x, from);
        return v;
      });
    for (const x of c.coos ?? [])
      apply(x.networkId, w.coos, x, (n) => n.member(x.issuedTo).addCoo(n.id, x, lookup));
    if (wait && this.pendingCreds.length < PENDING_CREDENTIALS_LIMIT)
      this.pendingCreds.push({ from, creds: waiting, until });
  }

  private propagateRevocation(n: Network, rev: Revocation, from: number): void {
    const w = new Writer(256);
    encodeNetworkCredentials(w, { coms: [], revocations: [rev] });
    const payload = w.finish();
    for (const a of n.members.keys())
      if (a !== from && a !== rev.target && a !== this.ctx.address)
        this.ctx.send(a, Verb.NETWORK_CREDENTIALS, payload, { compress: true });
  }

  /** Network ids joined, as 16-hex strings (for printing). */
  joinedIds(): string[] {
    return [...this.nets.keys()].map(formatNetworkId);
  }
}
