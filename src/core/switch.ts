/**
 * The receive pipeline of a VL1 node (protocol.md §3, §4, §6, §9): fragment reassembly,
 * relaying of packets not addressed to us (§3.4) and RENDEZVOUS (§9.4), authentication with
 * the peer's cached key, decompression, and the VL1 verb handlers. VL2 verbs go to the node's
 * VL2 hook.
 *
 * Order of checks for a packet addressed to us (cheapest first, so junk costs little):
 * length → source sanity → cipher → known peer? (else HELLO from a new identity: key
 * agreement + MAC, then the rate-limited identity proof of work; anything else is parked
 * while the source is WHOIS'd) → MAC → decompress → verb.
 * @module
 */
import { formatAddress, isReservedAddress } from '../protocol/address.ts';
import { cryptField, dearmor, SymmetricKey } from '../protocol/armor.ts';
import { FRAG_DEST, FRAG_HOPS, isFragment } from '../protocol/fragment.ts';
import { Identity } from '../protocol/identity.ts';
import { type InetAddress, IpScope, inetAddressToString, ipScope } from '../protocol/inet-address.ts';
import { lz4Decompress } from '../protocol/lz4.ts';
import {
  CIPHER_AES_GMAC_SIV,
  CIPHER_POLY1305_NONE,
  FLAGS_HOPS_MASK,
  PACKET_MAX_LENGTH,
  PACKET_MIN_LENGTH,
  PKT_DEST,
  PKT_FLAGS,
  PKT_ID,
  PKT_PAYLOAD,
  PKT_SOURCE,
  PKT_VERB,
  VERB_FLAG_COMPRESSED,
  VERB_MASK,
} from '../protocol/packet.ts';
import { decodeError, encodeError } from '../protocol/verbs/error.ts';
import {
  decodeHello,
  decodeOkHelloWorlds,
  encodeOkHelloWorlds,
  HELLO_IDENTITY,
  HELLO_PROTOCOL_VERSION,
  helloCryptFieldStart,
  MIN_PROTOCOL_VERSION,
} from '../protocol/verbs/hello.ts';
import { decodeOk, decodeOkHeader, encodeOk } from '../protocol/verbs/ok.ts';
import { decodePushDirectPaths, PUSH_FLAG_CLUSTER_REDIRECT } from '../protocol/verbs/push-direct-paths.ts';
import { decodeRendezvous, encodeRendezvous } from '../protocol/verbs/rendezvous.ts';
import { decodeUserMessage } from '../protocol/verbs/user-message.ts';
import { ErrorCode, Verb } from '../protocol/verbs/verb.ts';
import { decodeWhois } from '../protocol/verbs/whois.ts';
import { readU40, readU64 } from '../util/bytes.ts';
import { Reader, Writer } from '../util/result.ts';
import {
  ECHO_RATE_LIMIT,
  MIN_UNITE_INTERVAL,
  PEER_WHOIS_RATE_LIMIT,
  PROTOCOL_VERSION,
  PUSH_DIRECT_PATHS_CUTOFF_LIMIT,
  PUSH_DIRECT_PATHS_CUTOFF_TIME,
  PUSH_DIRECT_PATHS_MAX_PER_SCOPE,
  QUEUE_TIMEOUT,
  RELAY_MAX_HOPS,
  RENDEZVOUS_JUNK_LENGTH,
  RENDEZVOUS_JUNK_TTL,
  RX_PARK_LIMIT,
  SOFTWARE_VERSION,
} from './constants.ts';
import type { Node } from './node.ts';
import type { Path } from './path.ts';
import { Peer } from './peer.ts';

const FRAG_MIN = 16;

/** A packet from an unknown source waiting for its WHOIS (§4.5, 5 s). */
interface Parked {
  readonly socket: number;
  readonly from: InetAddress;
  readonly packet: Uint8Array;
  readonly source: number;
  readonly time: number;
}

/** Verbs that count as "non-trivial" activity for keepalive (§9.2), plus USER_MESSAGE (see report). */
const ACTIVITY_VERBS = new Set<number>([
  Verb.FRAME,
  Verb.EXT_FRAME,
  Verb.NETWORK_CONFIG_REQUEST,
  Verb.NETWORK_CONFIG,
  Verb.MULTICAST_FRAME,
  Verb.USER_MESSAGE,
]);

/** Verbs handed to VL2. */
const VL2_VERBS = new Set<number>([
  Verb.FRAME,
  Verb.EXT_FRAME,
  Verb.MULTICAST_LIKE,
  Verb.NETWORK_CREDENTIALS,
  Verb.NETWORK_CONFIG_REQUEST,
  Verb.NETWORK_CONFIG,
  Verb.MULTICAST_GATHER,
  Verb.MULTICAST_FRAME,
]);

/** Receive side of a {@link Node}. Internal to src/core. */
export class Switch {
  private parked: Parked[] = [];
  /** RENDEZVOUS hints for peers being WHOIS'd (address → where to contact it). */
  private readonly pendingRendezvous = new Map<
    number,
    { socket: number; payload: Uint8Array; time: number }
  >();
  /** The upstream that sent the last RENDEZVOUS (replayed hints are attributed to it). */
  private rendezvousFrom: Peer | undefined;

  constructor(private readonly node: Node) {}

  /** Entry point for one datagram (the node wraps it in try/catch). */
  receive(socket: number, from: InetAddress, d: Uint8Array, now: number): void {
    const n = this.node;
    n.counters.datagramsReceived++;
    if (d.length <= FRAG_MIN) {
      n.drop('too-short'); // includes 13-byte LAN beacons, which we ignore (§3.2)
      return;
    }
    if (d.length > PACKET_MAX_LENGTH) {
      n.drop('too-long');
      return;
    }
    if (isFragment(d)) {
      if (readU40(d, FRAG_DEST) !== n.address) {
        this.relay(socket, from, d, true, now);
        return;
      }
    } else {
      if (d.length < PACKET_MIN_LENGTH) {
        n.drop('too-short');
        return;
      }
      if (readU40(d, PKT_DEST) !== n.address) {
        this.relay(socket, from, d, false, now);
        return;
      }
    }
    const r = n.reassembler.receive(d, now);
    n.syncFragmentDrops(now);
    if (r.kind === 'complete') this.packet(socket, from, r.packet, now);
  }

  // ---- relaying (§3.4, §9.4) -----------------------------------------------------------------

  private relay(socket: number, from: InetAddress, d: Uint8Array, frag: boolean, now: number): void {
    const n = this.node;
    if (!n.isRoot) {
      // Leaves relay only on trust-established paths (§3.4); this core does not (see report).
      n.drop('not-relaying');
      return;
    }
    const hopsAt = frag ? FRAG_HOPS : PKT_FLAGS;
    if ((d[hopsAt] & FLAGS_HOPS_MASK) >= RELAY_MAX_HOPS) {
      n.drop('hops-exceeded');
      return;
    }
    const destAddr = readU40(d, frag ? FRAG_DEST : PKT_DEST);
    const dest = n.topology.peers.get(destAddr);
    let path = dest?.bestPath(now, true) ?? dest?.bestPath(now);
    if (!path) {
      // §3.4: no direct path to the destination: hand it to our own best upstream (another
      // root of a multi-root planet), never back to where it came from.
      const srcAddr = frag ? -1 : readU40(d, PKT_SOURCE);
      const up = n.bestUpstream(now, srcAddr);
      path = up && up.address !== destAddr ? up.bestPath(now, true) : undefined;
    }
    if (!path) {
      n.drop('relay-no-path');
      return;
    }
    if (path.socket === socket && path.text === inetAddressToString(from)) {
      n.drop('relay-no-path'); // never back to the source
      return;
    }
    d[hopsAt] = (d[hopsAt] & ~FLAGS_HOPS_MASK) | (((d[hopsAt] & FLAGS_HOPS_MASK) + 1) & FLAGS_HOPS_MASK);
    n.counters.relayed++;
    n.counters.datagramsSent++;
    n.io.send(path.socket, path.address, d);
    path.lastSend = now;
    if (!frag && dest && path.key === dest.bestPath(now)?.key)
      this.maybeUnite(readU40(d, PKT_SOURCE), dest, now);
  }

  /**
   * §9.4 step 1: introduce `a` and `b` (RENDEZVOUS to each with the other's address), at most
   * once per 30 s per pair. Per IP scope, each side's best path per family; scan scopes from
   * private (7) down, IPv6 before IPv4, and take the first scope/family both sides have.
   */
  private maybeUnite(aAddr: number, b: Peer, now: number): void {
    const n = this.node;
    const a = n.topology.peers.get(aAddr);
    if (!a || a === b) return;
    const key = aAddr < b.address ? `${aAddr}:${b.address}` : `${b.address}:${aAddr}`;
    const last = n.unites.get(key);
    if (last !== undefined && now - last < MIN_UNITE_INTERVAL) return;
    const pick = bestPerScopeFamily(a, now);
    const pickB = bestPerScopeFamily(b, now);
    let pa: Path | undefined;
    let pb: Path | undefined;
    for (let scope = 7; scope >= 0 && !pa; scope--) {
      for (const fam of [6, 4]) {
        const x = pick.get(`${scope}|${fam}`);
        const y = pickB.get(`${scope}|${fam}`);
        if (x && y) {
          pa = x;
          pb = y;
          break;
        }
      }
    }
    if (!pa || !pb) return;
    n.unites.set(key, now);
    n.counters.united++;
    const toA = rendezvousPayload(b.address, pb.address);
    const toB = rendezvousPayload(a.address, pa.address);
    // The two RENDEZVOUS go in random order (§9.4).
    if ((n.random(1)[0] & 1) === 0) {
      n.sendRouted(a, Verb.RENDEZVOUS, toA, now);
      n.sendRouted(b, Verb.RENDEZVOUS, toB, now);
    } else {
      n.sendRouted(b, Verb.RENDEZVOUS, toB, now);
      n.sendRouted(a, Verb.RENDEZVOUS, toA, now);
    }
  }

  // ---- packets addressed to us ------------------------------------------------------------------

  private packet(socket: number, from: InetAddress, pkt: Uint8Array, now: number): void {
    const n = this.node;
    const source = readU40(pkt, PKT_SOURCE);
    if (source === n.address) {
      n.drop('self-source');
      return;
    }
    if (isReservedAddress(source)) {
      n.drop('reserved-source');
      return;
    }
    const cipher = (pkt[PKT_FLAGS] >>> 3) & 7;
    if (cipher > CIPHER_AES_GMAC_SIV || cipher === 2) {
      n.drop('cipher-unsupported');
      return;
    }
    const isHello = cipher === CIPHER_POLY1305_NONE && (pkt[PKT_VERB] & VERB_MASK) === Verb.HELLO;
    const known = n.topology.peers.get(source);
    let peer = known;
    if (isHello) {
      peer = this.authenticateHello(socket, from, pkt, source, known, now);
      if (!peer) return;
    } else {
      if (!peer) {
        this.park(socket, from, pkt, source, now);
        return;
      }
      if (!dearmor(pkt, peer.key)) {
        n.drop('mac-failed');
        return;
      }
    }
    this.authenticated(peer, socket, from, pkt, now);
    // A new identity from its own HELLO: deliver what was parked or queued for it (§9.5).
    if (peer !== known) n.identityLearned(peer, now);
  }

  /**
   * HELLO authentication (§6.2 steps 1–3). Returns the peer once the packet is dearmored, or
   * undefined after counting the drop.
   */
  private authenticateHello(
    socket: number,
    from: InetAddress,
    pkt: Uint8Array,
    source: number,
    known: Peer | undefined,
    now: number,
  ): Peer | undefined {
    const n = this.node;
    const payload = pkt.subarray(PKT_PAYLOAD);
    // Everything up to the identity is in clear (cipher 0); read it before any crypto.
    if ((pkt[PKT_VERB] & VERB_FLAG_COMPRESSED) !== 0) {
      n.drop('bad-payload'); // 1.14 never compresses HELLO; the cryptField offset would be meaningless
      return undefined;
    }
    const proto = payload.length > 0 ? payload[HELLO_PROTOCOL_VERSION] : 0;
    const r = new Reader(payload, HELLO_IDENTITY);
    const idr = Identity.decode(r);
    if (!idr.ok) {
      n.drop('bad-payload');
      return undefined;
    }
    if (proto < MIN_PROTOCOL_VERSION) {
      n.drop('bad-hello-protocol');
      return undefined;
    }
    const id = idr.value;
    if (id.address !== source) {
      n.drop('bad-hello-address');
      return undefined;
    }
    if (known?.identity.equals(id)) {
      if (!dearmor(pkt, known.key)) {
        n.drop('mac-failed');
        return undefined;
      }
      return known;
    }
    // Unknown identity, or a different identity for a known address (collision). Either way
    // the packet must first authenticate under the key of the identity it carries.
    const key48 = n.identity.agree(id);
    if (key48 === null) {
      n.drop('bad-hello-key');
      return undefined;
    }
    const key = new SymmetricKey(key48);
    if (!dearmor(pkt, key)) {
      n.drop('mac-failed');
      return undefined;
    }
    if (!n.identityGate.allow(from, now)) {
      n.drop('identity-rate-limited');
      return undefined;
    }
    if (known) {
      // §6.2 step 2: tell the impostor (or the re-keyed node) and drop.
      const w = new Writer(16);
      encodeError(w, {
        inReVerb: Verb.HELLO,
        inRePacketId: readU64(pkt, PKT_ID),
        code: ErrorCode.IDENTITY_COLLISION,
      });
      const tmp = new Peer(id, key48); // not registered: only carries the new identity's key
      n.sendOn(tmp, socket, from, Verb.ERROR, w.finish(), now, {}, undefined, 1);
      n.drop('identity-collision');
      return undefined;
    }
    if (!id.locallyValidate()) {
      n.drop('bad-hello-identity');
      return undefined;
    }
    // Roots are who the world says they are.
    const up = n.topology.upstreamIdentity(source);
    if (up && !up.equals(id)) {
      n.drop('bad-hello-identity');
      return undefined;
    }
    const peer = n.addPeer(id);
    if (!peer) n.drop('bad-hello-key');
    return peer;
  }

  /** Post-authentication processing common to every verb. */
  private authenticated(peer: Peer, socket: number, from: InetAddress, pkt: Uint8Array, now: number): void {
    const n = this.node;
    const hops = pkt[PKT_FLAGS] & FLAGS_HOPS_MASK;
    const verb = pkt[PKT_VERB] & VERB_MASK;
    let payload = pkt.subarray(PKT_PAYLOAD);
    if ((pkt[PKT_VERB] & VERB_FLAG_COMPRESSED) !== 0) {
      const d = lz4Decompress(payload);
      if (!d.ok) {
        n.drop('decompress-failed');
        return;
      }
      payload = d.value;
    }
    n.counters.rx(verb);
    peer.lastReceive = now;
    if (ACTIVITY_VERBS.has(verb)) peer.lastActivity = now;
    switch (verb) {
      case Verb.HELLO:
        this.hello(peer, socket, from, pkt, hops, now);
        break;
      case Verb.OK:
        if (!this.ok(peer, socket, from, payload, pkt, hops, now)) return;
        break;
      case Verb.ERROR:
        this.error(peer, payload, pkt, hops, now);
        break;
      case Verb.WHOIS:
        this.whois(peer, socket, from, payload, pkt, hops, now);
        break;
      case Verb.RENDEZVOUS:
        this.rendezvous(peer, socket, payload, now);
        break;
      case Verb.ECHO:
        this.echo(peer, socket, from, payload, pkt, hops, now);
        break;
      case Verb.PUSH_DIRECT_PATHS:
        this.pushDirectPaths(peer, socket, payload, now);
        break;
      case Verb.USER_MESSAGE: {
        const m = decodeUserMessage(payload);
        if (!m.ok) {
          n.drop('bad-payload');
          return;
        }
        n.emit({
          type: 'user-message',
          from: formatAddress(peer.address),
          typeId: m.value.typeId,
          data: m.value.data.slice(),
        });
        break;
      }
      default:
        if (VL2_VERBS.has(verb)) this.toVl2(peer, verb, payload, pkt, hops, now);
      // NOP, bonding verbs, REMOTE_TRACE and unknown verbs: counted, nothing else (§6, §6.19).
    }
    this.pathSeen(peer, socket, from, verb, hops, now);
    n.maybePushDirectPaths(peer, socket, from, hops, now);
    if (n.topology.isUpstream(peer.address)) n.updateOnline(now);
  }

  /**
   * §9.3: a zero-hop authenticated packet refreshes its path; an OK on an unknown path learns
   * it (done in `ok`), anything else on an unknown path gets a confirming HELLO (≤ 1/s/path).
   */
  private pathSeen(
    peer: Peer,
    socket: number,
    from: InetAddress,
    verb: number,
    hops: number,
    now: number,
  ): void {
    if (hops !== 0) return;
    const n = this.node;
    const path = peer.findPath(socket, from);
    if (path) {
      path.lastReceive = now;
      return;
    }
    if (verb === Verb.OK) return;
    if (!n.usableAddress(from) || !n.topology.allowedPathFor(peer.address, from)) return;
    if (peer.gateConfirm(socket, from, now)) n.sendHello(peer, now, from, socket);
  }

  private toVl2(
    peer: Peer,
    verb: number,
    payload: Uint8Array,
    pkt: Uint8Array,
    hops: number,
    now: number,
  ): void {
    this.node.vl2?.({ peer: peer.address, verb, payload, packetId: readU64(pkt, PKT_ID), hops, now });
  }

  // ---- verb handlers -----------------------------------------------------------------------------

  /** HELLO (§6.2 steps 4–6), already authenticated. */
  private hello(
    peer: Peer,
    socket: number,
    from: InetAddress,
    pkt: Uint8Array,
    hops: number,
    now: number,
  ): void {
    const n = this.node;
    const start = helloCryptFieldStart(pkt.subarray(PKT_PAYLOAD));
    if (start !== null) cryptField(peer.key, pkt, PKT_PAYLOAD + start, pkt.length - PKT_PAYLOAD - start);
    const h = decodeHello(pkt.subarray(PKT_PAYLOAD));
    if (!h.ok) {
      n.drop('bad-payload');
      return;
    }
    const hello = h.value;
    if (!peer.gateHelloReply(now)) {
      n.drop('hello-rate-limited');
      return;
    }
    if (hops === 0 && hello.destination) n.recordSurface(peer, socket, hello.destination, from, now);
    const worlds = n.topology.worldsNewerFor(hello.planetId, hello.planetTimestamp, hello.moons);
    const src: InetAddress = hello.protocolVersion < 5 ? { ...from, port: 0 } : from;
    const w = new Writer(64);
    encodeOk(w, {
      inReVerb: Verb.HELLO,
      inRePacketId: readU64(pkt, PKT_ID),
      kind: 'HELLO',
      body: {
        timestamp: hello.timestamp,
        protocolVersion: PROTOCOL_VERSION,
        versionMajor: SOFTWARE_VERSION.major,
        versionMinor: SOFTWARE_VERSION.minor,
        versionRevision: SOFTWARE_VERSION.revision,
        source: src,
        worlds: encodeOkHelloWorlds(worlds),
      },
    });
    // §6.2 quirk: armored with the cipher the version known BEFORE this HELLO implies.
    const body = w.finish();
    if (hops === 0) n.sendOn(peer, socket, from, Verb.OK, body, now);
    else n.sendRouted(peer, Verb.OK, body, now);
    const wasUnknown = peer.protocolVersion === 0;
    peer.setVersion(hello.protocolVersion, hello.versionMajor, hello.versionMinor, hello.versionRevision);
    if (wasUnknown) n.announcePeer(peer, now, true);
  }

  /** OK (§6.4). Returns false if it was dropped (not expected). */
  private ok(
    peer: Peer,
    socket: number,
    from: InetAddress,
    payload: Uint8Array,
    pkt: Uint8Array,
    hops: number,
    now: number,
  ): boolean {
    const n = this.node;
    const hdr = decodeOkHeader(payload);
    if (!hdr.ok) {
      n.drop('bad-payload');
      return false;
    }
    if (!n.expecting.expecting(hdr.value.inRePacketId)) {
      n.drop('unexpected-ok');
      return false;
    }
    // §9.3: paths are learned only from authenticated zero-hop OKs.
    let path = hops === 0 ? peer.findPath(socket, from) : undefined;
    if (hops === 0 && !path && n.usableAddress(from) && n.topology.allowedPathFor(peer.address, from)) {
      const r = peer.learnPath(socket, from, now);
      path = r.path;
      if (r.added) n.pathLearned(peer, path, now);
    }
    const v = hdr.value.inReVerb;
    if (v !== Verb.HELLO && v !== Verb.WHOIS && v !== Verb.ECHO) {
      this.toVl2(peer, Verb.OK, payload, pkt, hops, now);
      return true;
    }
    const d = decodeOk(payload);
    if (!d.ok) {
      n.drop('bad-payload');
      return true;
    }
    const okm = d.value;
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
        if (b.source) n.recordSurface(peer, socket, b.source, from, now);
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
    const d = decodeOkHelloWorlds(bytes);
    if (!d.ok) {
      n.drop('bad-payload');
      return;
    }
    let changed = false;
    for (const w of d.value) {
      const key =
        (upstream ? n.topology.applyWorldUpdate(w) : null) ?? n.topology.acceptWantedMoon(w, peer.address);
      if (key !== null) {
        changed = true;
        n.emit({ type: 'persist', key, data: w.toBytes() });
      }
    }
    if (changed) n.worldsChanged();
  }

  /** ERROR (§6.3): IDENTITY_COLLISION in re HELLO from an upstream is fatal; the rest is VL2's. */
  private error(peer: Peer, payload: Uint8Array, pkt: Uint8Array, hops: number, now: number): void {
    const n = this.node;
    const d = decodeError(payload);
    if (!d.ok) {
      n.drop('bad-payload');
      return;
    }
    if (d.value.code === ErrorCode.IDENTITY_COLLISION) {
      if (d.value.inReVerb === Verb.HELLO && n.topology.isUpstream(peer.address))
        n.emit({ type: 'identity-collision' });
      return;
    }
    this.toVl2(peer, Verb.ERROR, payload, pkt, hops, now);
  }

  /** WHOIS (§6.5): reply with the identities we know; roots answer everyone without rate limit. */
  private whois(
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
    const d = decodeWhois(payload);
    if (!d.ok) {
      n.drop('bad-payload');
      return;
    }
    const ids: Identity[] = [];
    for (const a of d.value.addresses.slice(0, 128)) {
      if (a === n.address) ids.push(n.identity.publicOnly());
      else {
        const p = n.topology.peers.get(a);
        if (p) ids.push(p.identity);
        else if (!n.isRoot) n.requestWhois(a, now);
      }
    }
    if (ids.length === 0) return;
    const w = new Writer(16 + ids.length * 71);
    encodeOk(w, {
      inReVerb: Verb.WHOIS,
      inRePacketId: readU64(pkt, PKT_ID),
      kind: 'WHOIS',
      body: { identities: ids },
    });
    if (hops === 0) n.sendOn(peer, socket, from, Verb.OK, w.finish(), now);
    else n.sendRouted(peer, Verb.OK, w.finish(), now);
  }

  /** RENDEZVOUS (§6.6): only from upstreams; junk TTL-2 datagram, then ECHO/HELLO to the address. */
  private rendezvous(peer: Peer, socket: number, payload: Uint8Array, now: number): void {
    const n = this.node;
    if (!n.topology.isUpstream(peer.address)) {
      n.drop('untrusted-rendezvous');
      return;
    }
    this.rendezvousFrom = peer;
    const d = decodeRendezvous(payload);
    if (!d.ok) {
      n.drop('bad-payload');
      return;
    }
    const with_ = n.topology.peers.get(d.value.address);
    const at = d.value.peer;
    if (d.value.address === n.address) return;
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
      this.pendingRendezvous.set(d.value.address, { socket, payload: payload.slice(), time: now });
      n.requestWhois(d.value.address, now);
      return;
    }
    const socks = n.socketsFor(at);
    const s = socks.includes(socket) ? socket : socks[0];
    if (s === undefined) {
      n.drop('no-socket');
      return;
    }
    n.counters.datagramsSent++;
    n.io.send(s, at, n.random(RENDEZVOUS_JUNK_LENGTH), RENDEZVOUS_JUNK_TTL);
    // First contact with a peer whose version is unknown is a HELLO (§9.4 step 2).
    n.contact(with_, s, at, now, with_.protocolVersion === 0);
  }

  /** ECHO (§6.9): echo the payload in OK(ECHO), rate-limited per path. */
  private echo(
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
    const last = (gate as { lastEchoReply?: number }).lastEchoReply ?? Number.NEGATIVE_INFINITY;
    if (now - last < ECHO_RATE_LIMIT) {
      n.drop('echo-rate-limited');
      return;
    }
    (gate as { lastEchoReply?: number }).lastEchoReply = now;
    const w = new Writer(9 + payload.length);
    encodeOk(w, { inReVerb: Verb.ECHO, inRePacketId: readU64(pkt, PKT_ID), kind: 'ECHO', body: payload });
    if (hops === 0) n.sendOn(peer, socket, from, Verb.OK, w.finish(), now);
    else n.sendRouted(peer, Verb.OK, w.finish(), now);
  }

  /** PUSH_DIRECT_PATHS (§6.16): > 8 in 30 s ignored; contact new usable addresses, ≤ 8 per scope/family. */
  private pushDirectPaths(peer: Peer, socket: number, payload: Uint8Array, now: number): void {
    const n = this.node;
    if (now - peer.pushWindowStart >= PUSH_DIRECT_PATHS_CUTOFF_TIME) {
      peer.pushWindowStart = now;
      peer.pushWindowCount = 0;
    }
    if (++peer.pushWindowCount > PUSH_DIRECT_PATHS_CUTOFF_LIMIT) {
      n.drop('push-rate-limited');
      return;
    }
    const d = decodePushDirectPaths(payload);
    if (!d.ok) {
      n.drop('bad-payload');
      return;
    }
    const perScope = new Map<string, number>();
    for (const p of d.value.paths) {
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

  // ---- parking of packets from unknown sources (§4.5) ------------------------------------------

  private park(socket: number, from: InetAddress, pkt: Uint8Array, source: number, now: number): void {
    const n = this.node;
    n.drop('unknown-source');
    if (this.parked.length >= RX_PARK_LIMIT) {
      this.parked.shift();
      n.drop('rx-park-evicted');
    }
    this.parked.push({ socket, from, packet: pkt, source, time: now });
    n.requestWhois(source, now);
  }

  /** True if packets from `source` are parked. */
  hasParked(source: number): boolean {
    return this.parked.some((p) => p.source === source);
  }

  /** Re-processes the packets parked for `source` (its identity arrived). */
  unpark(source: number, now: number): void {
    const rv = this.pendingRendezvous.get(source);
    if (rv) {
      this.pendingRendezvous.delete(source);
      const up = this.rendezvousFrom;
      if (up && now - rv.time < QUEUE_TIMEOUT) this.rendezvous(up, rv.socket, rv.payload, now);
    }
    const mine = this.parked.filter((p) => p.source === source);
    if (mine.length === 0) return;
    this.parked = this.parked.filter((p) => p.source !== source);
    for (const p of mine) this.packet(p.socket, p.from, p.packet, now);
  }

  /** Drops parked packets older than 5 s. */
  expireParked(now: number): void {
    while (this.parked.length > 0 && now - this.parked[0].time >= QUEUE_TIMEOUT) {
      this.parked.shift();
      this.node.drop('rx-park-timeout');
    }
  }

  /** When the oldest parked packet expires. */
  parkDeadline(): number | undefined {
    return this.parked.length > 0 ? this.parked[0].time + QUEUE_TIMEOUT : undefined;
  }
}

/** Per (scope, family), the peer's best alive path. */
function bestPerScopeFamily(p: Peer, now: number): Map<string, Path> {
  const m = new Map<string, Path>();
  for (const x of p.paths) {
    if (!x.alive(now) || x.scope === IpScope.NONE) continue;
    const k = `${x.scope}|${x.address.family}`;
    const cur = m.get(k);
    if (!cur || x.quality(now) <= cur.quality(now)) m.set(k, x);
  }
  return m;
}

function rendezvousPayload(address: number, at: InetAddress): Uint8Array {
  const w = new Writer(32);
  encodeRendezvous(w, { flags: 0, address, peer: at });
  return w.finish();
}
