/**
 * UDP endpoints (RFC 768, RFC 1122 §4.1): bind, connect, send/receive, broadcast and IPv4/IPv6 multicast
 * membership. This is the `TransportProtocol` for IP protocol 17; the `dgram` socket API is a thin adapter
 * over {@link UdpSocket}.
 *
 * Demultiplexing (like Linux): a unicast datagram goes to the best single match, a connected socket whose
 * 4-tuple matches first, then one bound to the destination address, then a wildcard-bound one. Broadcast and
 * multicast datagrams go to every socket bound to the port (wildcard or that address). When nothing matches a
 * unicast datagram, `receive` returns `false` and the IP layer answers ICMP port unreachable (RFC 1122
 * §4.1.3.1). ICMP errors reach connected sockets only (RFC 1122 §4.1.3.3; Linux without IP_RECVERR).
 * @module
 */

import type { LayerCounters } from './iface/counters.ts';
import type { IcmpErrorKind, IpAddress, IpSender, SendFailure, TransportProtocol } from './types.ts';
import { IPV4_ANY, IPV6_ANY, ipEqual, isMulticast, isUnspecified } from './wire/ip-address.ts';
import { IPPROTO_UDP } from './wire/ipv4.ts';
import { emitUdp, parseUdp, UDP_HEADER_LEN, udpPorts } from './wire/udp.ts';

/** What the UDP layer needs from the IP layer beyond `IpSender` (implemented by `Interface`). */
export interface UdpHost extends IpSender {
  joinGroup(group: IpAddress): void;
  leaveGroup(group: IpAddress): boolean;
  isBroadcast(dst: IpAddress): boolean;
  /** True when this host joined `group`. */
  isJoined(group: IpAddress): boolean;
  /** Delivers a datagram to this host as if received (multicast loopback); it arrives at the next drain. */
  deliverLocally(protocol: number, src: IpAddress, dst: IpAddress, payload: Uint8Array): void;
}

/** Where a datagram came from. */
export interface UdpRemoteInfo {
  readonly address: IpAddress;
  readonly port: number;
  readonly family: 4 | 6;
  /** Payload size in bytes. */
  readonly size: number;
  /** The destination address it was sent to (ours, a broadcast or a multicast group). */
  readonly localAddress: IpAddress;
}

/** Why a bind failed. */
export type UdpBindError =
  | 'already-bound'
  | 'address-in-use'
  | 'address-not-available'
  | 'no-free-port'
  | 'closed';

/** Why a send failed. */
export type UdpSendError =
  | SendFailure
  | 'closed'
  | 'no-destination'
  | 'broadcast-not-enabled'
  | 'no-free-port';

/** The first ephemeral port (IANA dynamic range, RFC 6335 §6). */
const EPHEMERAL_LOW = 49152;
const EPHEMERAL_COUNT = 65536 - EPHEMERAL_LOW;

/** One UDP endpoint. Obtain with `UdpLayer.open(4 | 6)`. */
export class UdpSocket {
  /** Local address (unspecified = any). */
  localAddress: IpAddress;
  /** Local port; 0 until bound (sending binds an ephemeral port). */
  localPort = 0;
  /** Peer after `connect`, else null. */
  remoteAddress: IpAddress | null = null;
  remotePort = 0;
  /** Allow sending to broadcast addresses (SO_BROADCAST). */
  broadcast = false;
  /** TTL / hop limit for unicast (default 64). */
  ttl = 64;
  /** TTL / hop limit for multicast (default 1, RFC 1112 §6.1). */
  multicastTtl = 1;
  /** Also deliver our multicasts to this host's members of the group (IP_MULTICAST_LOOP, default on as in Linux). */
  multicastLoopback = true;
  /** Incoming datagrams; `data` is a copy the handler owns. */
  onMessage: ((data: Uint8Array, info: UdpRemoteInfo) => void) | null = null;
  /** ICMP errors about datagrams this (connected) socket sent, e.g. 'port-unreachable' (ECONNREFUSED). */
  onError: ((kind: IcmpErrorKind) => void) | null = null;
  /** True after `close()`. */
  closed = false;
  /** Groups joined through this socket (left on close). */
  readonly memberships: IpAddress[] = [];

  constructor(
    private readonly layer: UdpLayer,
    readonly family: 4 | 6,
  ) {
    this.localAddress = family === 4 ? IPV4_ANY : IPV6_ANY;
  }

  private checkFamily(a: IpAddress): void {
    if (a.length !== (this.family === 4 ? 4 : 16)) throw new TypeError(`address is not IPv${this.family}`);
  }

  /** Binds to `address` (unspecified = any) and `port` (0 = ephemeral). */
  bind(address?: IpAddress, port = 0): true | UdpBindError {
    if (address) this.checkFamily(address);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError('port must be 0..65535');
    return this.layer.bindSocket(this, address ?? this.localAddress, port);
  }

  /** Fixes the peer: `send` without a destination goes there and only its datagrams are received. */
  connect(address: IpAddress, port: number): true | UdpBindError {
    this.checkFamily(address);
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new RangeError('port must be 1..65535');
    if (this.closed) return 'closed';
    if (this.localPort === 0) {
      const r = this.bind();
      if (r !== true) return r;
    }
    this.remoteAddress = address.slice();
    this.remotePort = port;
    return true;
  }

  /** Forgets the peer set by `connect`. */
  disconnect(): void {
    this.remoteAddress = null;
    this.remotePort = 0;
  }

  /** Sends `data` to `address:port`, or to the connected peer when omitted. */
  send(data: Uint8Array, address?: IpAddress, port?: number): true | UdpSendError {
    if (this.closed) return 'closed';
    const dst = address ?? this.remoteAddress;
    const dport = address ? port : this.remotePort;
    if (!dst || !dport) return 'no-destination';
    this.checkFamily(dst);
    if (!Number.isInteger(dport) || dport < 1 || dport > 65535) throw new RangeError('port must be 1..65535');
    return this.layer.sendFrom(this, dst, dport, data);
  }

  /** Joins a multicast group (IP_ADD_MEMBERSHIP / IPV6_JOIN_GROUP). */
  addMembership(group: IpAddress): void {
    this.checkFamily(group);
    if (!isMulticast(group)) throw new TypeError('not a multicast group');
    this.layer.host.joinGroup(group);
    this.memberships.push(group.slice());
  }

  /** Leaves a group joined through this socket; returns false when it was not joined here. */
  dropMembership(group: IpAddress): boolean {
    const i = this.memberships.findIndex((g) => ipEqual(g, group));
    if (i < 0) return false;
    this.memberships.splice(i, 1);
    this.layer.host.leaveGroup(group);
    return true;
  }

  /** Unbinds, leaves groups; further sends fail with 'closed'. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const g of this.memberships) this.layer.host.leaveGroup(g);
    this.memberships.length = 0;
    this.layer.unbind(this);
  }
}

/** The UDP transport for one stack. */
export class UdpLayer implements TransportProtocol {
  private readonly ports = new Map<number, UdpSocket[]>();
  private nextEphemeral: number;

  constructor(
    readonly host: UdpHost,
    private readonly counters: LayerCounters,
    random?: (n: number) => Uint8Array,
  ) {
    const r = random ? random(2) : new Uint8Array([0, 0]);
    this.nextEphemeral = ((r[0] << 8) | r[1]) % EPHEMERAL_COUNT;
  }

  /** A new unbound socket of the given family. */
  open(family: 4 | 6): UdpSocket {
    if (family !== 4 && family !== 6) throw new TypeError('family must be 4 or 6');
    return new UdpSocket(this, family);
  }

  /** Sockets bound to `port` (introspection/tests). */
  socketsOn(port: number): readonly UdpSocket[] {
    return this.ports.get(port) ?? [];
  }

  /** @internal Used by `UdpSocket.bind`. */
  bindSocket(s: UdpSocket, address: IpAddress, port: number): true | UdpBindError {
    if (s.closed) return 'closed';
    if (s.localPort !== 0) return 'already-bound';
    if (!isUnspecified(address) && !this.host.isLocal(address) && !isMulticast(address))
      return 'address-not-available';
    if (port === 0) {
      let found = 0;
      for (let i = 0; i < EPHEMERAL_COUNT; i++) {
        const p = EPHEMERAL_LOW + ((this.nextEphemeral + i) % EPHEMERAL_COUNT);
        if (!this.conflicts(p, s.family, address)) {
          found = p;
          this.nextEphemeral = (this.nextEphemeral + i + 1) % EPHEMERAL_COUNT;
          break;
        }
      }
      if (!found) return 'no-free-port';
      port = found;
    } else if (this.conflicts(port, s.family, address)) return 'address-in-use';
    s.localAddress = address.slice();
    s.localPort = port;
    const list = this.ports.get(port);
    if (list) list.push(s);
    else this.ports.set(port, [s]);
    return true;
  }

  private conflicts(port: number, family: 4 | 6, address: IpAddress): boolean {
    const list = this.ports.get(port);
    if (!list) return false;
    // No SO_REUSEADDR: one socket per (family, address, port); a wildcard conflicts with everything.
    for (const o of list)
      if (
        o.family === family &&
        (isUnspecified(o.localAddress) || isUnspecified(address) || ipEqual(o.localAddress, address))
      )
        return true;
    return false;
  }

  /** @internal Used by `UdpSocket.close`. */
  unbind(s: UdpSocket): void {
    const list = this.ports.get(s.localPort);
    if (!list) return;
    const i = list.indexOf(s);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) this.ports.delete(s.localPort);
  }

  /** @internal Used by `UdpSocket.send`. */
  sendFrom(s: UdpSocket, dst: IpAddress, port: number, data: Uint8Array): true | UdpSendError {
    const c = this.counters;
    if (this.host.isBroadcast(dst) && !s.broadcast) {
      c.drop('broadcast-not-enabled');
      return 'broadcast-not-enabled';
    }
    if (data.length > 65535 - UDP_HEADER_LEN - (dst.length === 4 ? 20 : 0)) {
      c.drop('too-big');
      return 'too-big';
    }
    if (s.localPort === 0) {
      const r = this.bindSocket(s, s.localAddress, 0);
      if (r !== true) return r === 'no-free-port' ? 'no-free-port' : 'closed';
    }
    const src =
      isUnspecified(s.localAddress) || isMulticast(s.localAddress)
        ? this.host.sourceFor(dst)
        : s.localAddress;
    if (!src) {
      c.drop('no-source');
      return 'no-source';
    }
    const dgram = emitUdp(s.localPort, port, data, src, dst);
    const r = this.host.send(IPPROTO_UDP, src, dst, dgram, {
      ttl: isMulticast(dst) ? s.multicastTtl : s.ttl,
    });
    if (r === true && s.multicastLoopback && isMulticast(dst) && this.host.isJoined(dst))
      this.host.deliverLocally(IPPROTO_UDP, src, dst, dgram);
    if (r === true) c.out++;
    else c.drop(r);
    return r;
  }

  /** See `TransportProtocol.receive`; returns false when no socket wants a datagram (port unreachable). */
  receive(src: IpAddress, dst: IpAddress, payload: Uint8Array, _now: number): boolean {
    const c = this.counters;
    const r = parseUdp(payload, src, dst);
    if (!r.ok) {
      c.drop(r.reason);
      return true; // malformed: dropped silently, no ICMP
    }
    const d = r.value;
    const family: 4 | 6 = dst.length === 4 ? 4 : 6;
    const list = this.ports.get(d.dstPort);
    const group = isMulticast(dst) || this.host.isBroadcast(dst);
    let best: UdpSocket | null = null;
    let bestScore = -1;
    let delivered = 0;
    if (list) {
      for (const s of list) {
        if (s.family !== family) continue;
        const boundAny = isUnspecified(s.localAddress);
        if (!boundAny && !ipEqual(s.localAddress, dst)) continue;
        if (s.remoteAddress && (s.remotePort !== d.srcPort || !ipEqual(s.remoteAddress, src))) continue;
        if (group) {
          this.deliver(s, d.payload, src, d.srcPort, dst);
          delivered++;
          continue;
        }
        const score = (s.remoteAddress ? 2 : 0) + (boundAny ? 0 : 1);
        if (score > bestScore) {
          best = s;
          bestScore = score;
        }
      }
    }
    if (best) {
      this.deliver(best, d.payload, src, d.srcPort, dst);
      delivered++;
    }
    if (delivered === 0) {
      c.drop('no-socket');
      return false;
    }
    return true;
  }

  private deliver(s: UdpSocket, payload: Uint8Array, src: IpAddress, port: number, dst: IpAddress): void {
    this.counters.in++;
    s.onMessage?.(payload.slice(), {
      address: src.slice(),
      port,
      family: s.family,
      size: payload.length,
      localAddress: dst.slice(),
    });
  }

  /** See `TransportProtocol.icmpError`: reported to the connected socket that sent the quoted datagram. */
  icmpError(kind: IcmpErrorKind, src: IpAddress, dst: IpAddress, quoted: Uint8Array, _now: number): void {
    const p = udpPorts(quoted);
    if (!p) return;
    const list = this.ports.get(p.srcPort);
    if (!list) return;
    for (const s of list) {
      if (!s.remoteAddress || s.remotePort !== p.dstPort || !ipEqual(s.remoteAddress, dst)) continue;
      if (!isUnspecified(s.localAddress) && !ipEqual(s.localAddress, src)) continue;
      s.onError?.(kind);
    }
  }

  /** UDP has no timers. */
  poll(_now: number): void {}

  /** UDP has no timers. */
  nextDeadline(): number {
    return Number.POSITIVE_INFINITY;
  }
}
