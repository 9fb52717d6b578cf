/**
 * Handlers of the VL1 verbs addressed to us, after authentication (protocol.md §6.2–§6.6,
 * §6.9, §6.16, §7.2): HELLO → OK(HELLO); OK (HELLO, WHOIS, ECHO; others go to VL2); ERROR;
 * WHOIS; RENDEZVOUS; ECHO; PUSH_DIRECT_PATHS.
 * @module
 */
import { formatAddress } from '../protocol/address.ts';
import { cryptField } from '../protocol/armor.ts';
import type { Identity } from '../protocol/identity.ts';
import { type InetAddress, inetAddressToString, ipScope } from '../protocol/inet-address.ts';
import { PKT_ID, PKT_PAYLOAD } from '../protocol/packet.ts';
import { decodeError } from '../protocol/verbs/error.ts';
import {
  decodeHello,
  decodeOkHelloWorlds,
  encodeOkHelloWorlds,
  helloCryptFieldStart,
} from '../protocol/verbs/hello.ts';
import { decodeOk, decodeOkHeader, encodeOk, OK_IN_RE_VERB, type Ok } from '../protocol/verbs/ok.ts';
import { decodePushDirectPaths, PUSH_FLAG_CLUSTER_REDIRECT } from '../protocol/verbs/push-direct-paths.ts';
import { decodeRendezvous } from '../protocol/verbs/rendezvous.ts';
import { ErrorCode, Verb } from '../protocol/verbs/verb.ts';
import { decodeWhois } from '../protocol/verbs/whois.ts';
import { readU64 } from '../util/bytes.ts';
import { type Decoded, Writer } from '../util/result.ts';
import {
  ECHO_RATE_LIMIT,
  PEER_WHOIS_RATE_LIMIT,
  PROTOCOL_VERSION,
  PUSH_DIRECT_PATHS_CUTOFF_LIMIT,
  PUSH_DIRECT_PATHS_CUTOFF_TIME,
  PUSH_DIRECT_PATHS_MAX_PER_SCOPE,
  QUEUE_TIMEOUT,
  RENDEZVOUS_JUNK_LENGTH,
  RENDEZVOUS_JUNK_TTL,
  RX_PARK_LIMIT,
  SOFTWARE_VERSION,
} from './constants.ts';
import type { Node } from './node.ts';
import type { Path } from './path.ts';
import type { Peer } from './peer.ts';
import { recordSurface } from './surface.ts';

/** Hands a packet to the node's VL2 hook (FRAME…, and OK/ERROR in re VL2 requests). */
export function toVl2(
  n: Node,
  peer: Peer,
  verb: number,
  payload: Uint8Array,
  pkt: Uint8Array,
  hops: number,
  now: number,
): void {
  n.vl2?.({ peer: peer.address, verb, payload, packetId: readU64(pkt, PKT_ID), hops, now });
}

/** `Omit` applied to each member of a union (so the `kind`/`body` pairing of {@link Ok} survives). */
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** The decoded payload, or undefined after counting a `'bad-payload'` drop. */
function payloadOf<T>(n: Node, d: Decoded<T>): T | undefined {
  if (d.ok) return d.value;
  n.drop('bad-payload');
  return undefined;
}

/** VL1 verb handlers of a node. Internal to src/core. */
export class Vl1Verbs {
  /** RENDEZVOUS hints for peers being WHOIS'd (address → where to contact it). */
  private readonly pendingRendezvous = new Map<
    number,
    { socket: number; payload: Uint8Array; time: number }
  >();
  /** The upstream that sent the last RENDEZVOUS (replayed hints are attributed to it). */
  private rendezvousFrom: Peer | undefined;

  constructor(private readonly node: Node) {}

  /** A peer's identity arrived: act on a RENDEZVOUS hint kept for it (≤ 5 s old). */
  replayRendezvous(address: number, now: number): void {
    const rv = this.pendingRendezvous.get(address);
    if (!rv) return;
    this.pendingRendezvous.delete(address);
    const up = this.rendezvousFrom;
    if (up && now - rv.time < QUEUE_TIMEOUT) this.rendezvous(up, rv.socket, rv.payload, now);
  }

  /**
   * Answers the request `pkt` with OK `ok` (its packet id filled in): on the socket and address it came
   * from when it came directly (hops 0), else relayed through an upstream (§6.4).
   */
  private replyOk(
    peer: Peer,
    socket: number,
    from: InetAddress,
    pkt: Uint8Array,
    hops: number,
    sizeHint: number,
    ok: DistributiveOmit<Ok, 'inRePacketId'>,
    now: number,
  ): void {
    const n = this.node;
    const w = new Writer(sizeHint);
    encodeOk(w, { ...ok, inRePacketId: readU64(pkt, PKT_ID) });
    const body = w.finish();
    if (hops === 0) n.sendOn(peer, socket, from, Verb.OK, body, now);
    else n.sendRouted(peer, Verb.OK, body, now);
  }

  /** HELLO (§6.2 steps 4–6), already authenticated. */
  hello(peer: Peer, socket: number, from: InetAddress, pkt: Uint8Array, hops: number, now: number): void {
    const n = this.node;
    const start = helloCryptFieldStart(pkt.subarray(PKT_PAYLOAD));
    if (start !== null) cryptField(peer.key, pkt, PKT_PAYLOAD + start, pkt.length - PKT_PAYLOAD - start);
    const h = payloadOf(n, decodeHello(pkt.subarray(PKT_PAYLOAD)));
    if (h === undefined) return;
    const hello = h;
    if (!peer.gateHelloReply(now)) {
      n.drop('hello-rate-limited');
      return;
    }
    if (hops === 0 && hello.destination) recordSurface(n, peer, socket, hello.destination, from, now);
    const worlds = n.topology.worldsNewerFor(hello.planetId, hello.planetTimestamp, hello.moons);
    const src: InetAddress = hello.protocolVersion < 5 ? { ...from, port: 0 } : from;
    // §6.2 quirk: armored with the cipher the version known BEFORE this HELLO implies (sent before setVersion).
    const body = {
      timestamp: hello.timestamp,
      protocolVersion: PROTOCOL_VERSION,
      versionMajor: SOFTWARE_VERSION.major,
      versionMinor: SOFTWARE_VERSION.minor,
      versionRevision: SOFTWARE_VERSION.revision,
      source: src,
      worlds: encodeOkHelloWorlds(worlds),
    };
    this.replyOk(peer, socket, from, pkt, hops, 64, { inReVerb: Verb.HELLO, kind: 'HELLO', body }, now);
    const wasUnknown = peer.protocolVersion === 0;
    peer.setVersion(hello.protocolVersion, hello.versionMajor, hello.versionMinor, hello.versionRevision);
    if (wasUnknown) n.announcePeer(peer, now, true);
  }

  /** OK (§6.4). Returns false if it was dropped (not expected). */
  ok(
    peer: Peer,
    socket: number,
    from: InetAddress,
    payload: Uint8Array,
    pkt: Uint8Array,
    hops: number,
    now: number,
  ): boolean {
    const n = this.node;
    const hdr = payloadOf(n, decodeOkHeader(payload));
    if (hdr === undefined) return false;
    if (!n.expecting.expecting(hdr.inRePacketId)) {
      n.drop('unexpected-ok');
      return false;
    }
    // §9.3: paths are learned only from authenticated zero-hop OKs.
    let path = hops === 0 ? peer.findPath(socket, from) : undefined;
    let learned = false;
    if (hops === 0 && !path && n.usableAddress(from) && n.topology.allowedPathFor(peer.address, from)) {
      const r = peer.learnPath(socket, from, now);
      path = r.path;
      learned = r.added;
    }
    try {
      return this.okBody(peer, socket, from, payload, pkt, hops, now, path);
    } finally {
      // Announced after the body so the events carry the latency this OK(HELLO) measured.
      if (learned && path) n.pathLearned(peer, path, now);
    }
  }

  private okBody(
    peer: Peer,
    socket: number,
    from: InetAddress,
    payload: Uint8Array,
    pkt: Uint8Array,
    hops: number,
    now: number,
    path: Path | undefined,
  ): boolean {
    const n = this.node;
    const v = payload[OK_IN_RE_VERB];
    if (v !== Verb.HELLO && v !== Verb.WHOIS && v !== Verb.ECHO) {
      toVl2(n, peer, Verb.OK, payload, pkt, hops, now);
      return true;
    }
    const d = payloadOf(n, decodeOk(payload));
    if (d === undefined) return true;
    const okm = d;
    if (okm.kind === 'HELLO') {
      const b = okm.body;
      const first = peer.protocolVersion === 0;
      peer.setVersion(b.protocolVersion, b.versionMajor, b.versionMinor, b.versionRevision);
      // Latency = now − echoed timestamp (§6.2), only for zero-hop replies. An echoed time in
      // the future or older than the activity timeout was not ours to begin with: counted,
      // and the sample is ignored (the OK itself is authentic and expected).
      const latency = now - Number(b.timestamp);
      const sane = latency >= 0 && latency < n.activityTimeout;
      if (!sane) n.drop('bad-hello-timestamp');
      if (hops === 0 && path) {
        if (sane) path.updateLatency(latency);
        if (b.source) recordSurface(n, peer, socket, b.source, from, now);
      }
      if (b.worlds && b.worlds.length > 0) this.worlds(peer, b.worlds);
      n.announcePeer(peer, now, first);
    } else if (okm.kind === 'WHOIS') {
      // §6.4: only from an upstream, first identity only, no locallyValidate (as 1.14).
      if (!n.topology.isUpstream(peer.address)) {
        n.drop('untrusted-whois-reply');
        return true;
      }
      const id = okm.body.identities[0];
      if (id && id.address !== n.address && !n.topology.peers.has(id.address)) {
        const up = n.topology.upstreamIdentity(id.address);
        if (up && !up.equals(id)) return true;
        const p = n.addPeer(id);
        if (p) n.identityLearned(p, now);
      }
    }
    return true;
  }

  /** World updates in OK(HELLO), honoured only from upstreams (§7.2). */
  private worlds(peer: Peer, bytes: Uint8Array): void {
    const n = this.node;
    const upstream = n.topology.isUpstream(peer.address);
    const seed = [...n.topology.wantedMoons.values()].includes(peer.address);
    if (!upstream && !seed) {
      n.drop('untrusted-world');
      return;
    }
    const d = payloadOf(n, decodeOkHelloWorlds(bytes));
    if (d === undefined) return;
    let changed = false;
    for (const w of d) {
      const key =
        (upstream ? n.topology.applyWorldUpdate(w) : null) ?? n.topology.acceptWantedMoon(w, peer.address);
      if (key !== null) {
        changed = true;
        n.trace(`world ${w.id} updated to ${w.timestamp} by ${formatAddress(peer.address)}`);
        n.emit({ type: 'persist', key, data: w.toBytes() });
      }
    }
    if (changed) n.worldsChanged();
  }

  /** ERROR (§6.3): IDENTITY_COLLISION in re HELLO from an upstream is fatal; the rest is VL2's. */
  error(peer: Peer, payload: Uint8Array, pkt: Uint8Array, hops: number, now: number): void {
    const n = this.node;
    const d = payloadOf(n, decodeError(payload));
    if (d === undefined) return;
    if (d.code === ErrorCode.IDENTITY_COLLISION) {
      if (d.inReVerb === Verb.HELLO && n.topology.isUpstream(peer.address))
        n.emit({ type: 'identity-collision' });
      return;
    }
    toVl2(n, peer, Verb.ERROR, payload, pkt, hops, now);
  }

  /** WHOIS (§6.5): reply with the identities we know; roots answer everyone without rate limit. */
  whois(
    peer: Peer,
    socket: number,
    from: InetAddress,
    payload: Uint8Array,
    pkt: Uint8Array,
    hops: number,
    now: number,
  ): void {
    const n = this.node;
    if (!n.isRoot) {
      if (now - peer.lastWhoisIn < PEER_WHOIS_RATE_LIMIT) {
        n.drop('whois-rate-limited');
        return;
      }
      peer.lastWhoisIn = now;
    }
    const d = payloadOf(n, decodeWhois(payload));
    if (d === undefined) return;
    const ids: Identity[] = [];
    for (const a of d.addresses.slice(0, 128)) {
      if (a === n.address) ids.push(n.identity.publicOnly());
      else {
        const p = n.topology.peers.get(a);
        if (p) ids.push(p.identity);
        else if (!n.isRoot) n.requestWhois(a, now);
      }
    }
    if (ids.length === 0) return;
    const ok = { inReVerb: Verb.WHOIS, kind: 'WHOIS', body: { identities: ids } } as const;
    this.replyOk(peer, socket, from, pkt, hops, 16 + ids.length * 71, ok, now);
  }

  /** RENDEZVOUS (§6.6): only from upstreams; junk TTL-2 datagram, then ECHO/HELLO to the address. */
  rendezvous(peer: Peer, socket: number, payload: Uint8Array, now: number): void {
    const n = this.node;
    if (!n.topology.isUpstream(peer.address)) {
      n.drop('untrusted-rendezvous');
      return;
    }
    this.rendezvousFrom = peer;
    const d = payloadOf(n, decodeRendezvous(payload));
    if (d === undefined) return;
    const with_ = n.topology.peers.get(d.address);
    const at = d.peer;
    if (d.address === n.address) return;
    if (at.port === 0 || !n.usableAddress(at)) {
      n.drop('unusable-address');
      return;
    }
    if (!with_) {
      // The reference ignores a RENDEZVOUS for a peer it does not know yet. It typically
      // arrives together with that peer's first relayed packet, whose source is being
      // WHOIS'd right now, so we keep the hint until the identity arrives (≤ 5 s) instead
      // of waiting 30 s for the root to unite the pair again.
      if (this.pendingRendezvous.size >= RX_PARK_LIMIT) this.pendingRendezvous.clear();
      this.pendingRendezvous.set(d.address, { socket, payload: new Uint8Array(payload), time: now });
      n.requestWhois(d.address, now);
      return;
    }
    const socks = n.socketsFor(at);
    const s = socks.includes(socket) ? socket : socks[0];
    if (s === undefined) {
      n.drop('no-socket');
      return;
    }
    n.trace(`rendezvous with ${formatAddress(with_.address)} at ${inetAddressToString(at)}`);
    n.counters.datagramsSent++;
    n.io.send(s, at, n.random(RENDEZVOUS_JUNK_LENGTH), RENDEZVOUS_JUNK_TTL);
    // First contact with a peer whose version is unknown is a HELLO (§9.4 step 2).
    n.contact(with_, s, at, now, with_.protocolVersion === 0);
  }

  /** ECHO (§6.9): echo the payload in OK(ECHO), rate-limited per path. */
  echo(
    peer: Peer,
    socket: number,
    from: InetAddress,
    payload: Uint8Array,
    pkt: Uint8Array,
    hops: number,
    now: number,
  ): void {
    const n = this.node;
    const path = hops === 0 ? peer.findPath(socket, from) : undefined;
    const gate = path ?? peer;
    const last = gate.lastEchoReply;
    if (now - last < ECHO_RATE_LIMIT) {
      n.drop('echo-rate-limited');
      return;
    }
    gate.lastEchoReply = now;
    const ok = { inReVerb: Verb.ECHO, kind: 'ECHO', body: payload } as const;
    this.replyOk(peer, socket, from, pkt, hops, 9 + payload.length, ok, now);
  }

  /** PUSH_DIRECT_PATHS (§6.16): > 8 in 30 s ignored; contact new usable addresses, ≤ 8 per scope/family. */
  pushDirectPaths(peer: Peer, socket: number, payload: Uint8Array, now: number): void {
    const n = this.node;
    if (now - peer.pushWindowStart >= PUSH_DIRECT_PATHS_CUTOFF_TIME) {
      peer.pushWindowStart = now;
      peer.pushWindowCount = 0;
    }
    if (++peer.pushWindowCount > PUSH_DIRECT_PATHS_CUTOFF_LIMIT) {
      n.drop('push-rate-limited');
      return;
    }
    const d = payloadOf(n, decodePushDirectPaths(payload));
    if (d === undefined) return;
    const perScope = new Map<string, number>();
    for (const p of d.paths) {
      const a = p.address;
      if (!a) continue;
      if (!n.usableAddress(a) || !n.topology.allowedPathFor(peer.address, a)) continue;
      if (peer.paths.some((x) => x.text === inetAddressToString(a))) continue;
      const k = `${ipScope(a)}|${a.family}`;
      const c = (perScope.get(k) ?? 0) + 1;
      perScope.set(k, c);
      if (c > PUSH_DIRECT_PATHS_MAX_PER_SCOPE) continue;
      const socks = n.socketsFor(a);
      const s = socks.includes(socket) ? socket : socks[0];
      if (s === undefined) continue;
      n.contact(peer, s, a, now, (p.flags & PUSH_FLAG_CLUSTER_REDIRECT) !== 0);
    }
  }
}
