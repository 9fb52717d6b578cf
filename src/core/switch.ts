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
import { dearmor, SymmetricKey } from '../protocol/armor.ts';
import { FRAG_DEST, isFragment } from '../protocol/fragment.ts';
import { Identity } from '../protocol/identity.ts';
import type { InetAddress } from '../protocol/inet-address.ts';
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
import { encodeError } from '../protocol/verbs/error.ts';
import { HELLO_IDENTITY, HELLO_PROTOCOL_VERSION, MIN_PROTOCOL_VERSION } from '../protocol/verbs/hello.ts';
import { decodeUserMessage } from '../protocol/verbs/user-message.ts';
import { ErrorCode, Verb } from '../protocol/verbs/verb.ts';
import { readU40, readU64 } from '../util/bytes.ts';
import { Reader, Writer } from '../util/result.ts';
import { QUEUE_TIMEOUT, RX_PARK_LIMIT } from './constants.ts';
import type { Node } from './node.ts';
import { Peer } from './peer.ts';
import { Relay } from './relay.ts';
import { maybePushDirectPaths } from './surface.ts';
import { toVl2, Vl1Verbs } from './vl1-verbs.ts';

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
  private readonly relayer: Relay;
  private readonly verbs: Vl1Verbs;

  constructor(private readonly node: Node) {
    this.relayer = new Relay(node);
    this.verbs = new Vl1Verbs(node);
  }

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
        this.relayer.relay(socket, from, d, true, now);
        return;
      }
    } else {
      if (d.length < PACKET_MIN_LENGTH) {
        n.drop('too-short');
        return;
      }
      if (readU40(d, PKT_DEST) !== n.address) {
        this.relayer.relay(socket, from, d, false, now);
        return;
      }
    }
    const r = n.reassembler.receive(d, now);
    if (r.kind === 'complete') this.packet(socket, from, r.packet, now);
    // Reassembler drops are copied into our counters here and at every poll (timeouts,
    // evictions): not per datagram, to keep the unfragmented fast path short.
    else if (r.kind === 'dropped') n.syncFragmentDrops(now);
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
    if (!n.identityGate.allow(from, now) || (!known && !n.identityBudget.take(now))) {
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
        this.verbs.hello(peer, socket, from, pkt, hops, now);
        break;
      case Verb.OK:
        if (!this.verbs.ok(peer, socket, from, payload, pkt, hops, now)) return;
        break;
      case Verb.ERROR:
        this.verbs.error(peer, payload, pkt, hops, now);
        break;
      case Verb.WHOIS:
        this.verbs.whois(peer, socket, from, payload, pkt, hops, now);
        break;
      case Verb.RENDEZVOUS:
        this.verbs.rendezvous(peer, socket, payload, now);
        break;
      case Verb.ECHO:
        this.verbs.echo(peer, socket, from, payload, pkt, hops, now);
        break;
      case Verb.PUSH_DIRECT_PATHS:
        this.verbs.pushDirectPaths(peer, socket, payload, now);
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
          data: new Uint8Array(m.value.data), // a copy the host may keep
        });
        break;
      }
      default:
        if (VL2_VERBS.has(verb)) toVl2(n, peer, verb, payload, pkt, hops, now);
      // NOP, bonding verbs, REMOTE_TRACE and unknown verbs: counted, nothing else (§6, §6.19).
    }
    this.pathSeen(peer, socket, from, verb, hops, now);
    maybePushDirectPaths(n, peer, socket, from, hops, now);
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
    this.verbs.replayRendezvous(source, now);
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
