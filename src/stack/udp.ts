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
 *
 * Dual stack (RFC 4291 §2.5.5.2, RFC 3493 §3.7): an IPv6 socket bound to `::` (or to `::ffff:a.b.c.d`) also
 * carries IPv4, seen as v4-mapped addresses, unless `ipv6Only` is set, as Node's `udp6` sockets do by
 * default; such a socket holds the IPv4 port too (binding it conflicts with an IPv4 socket on the port).
 * @module
 */

import type { LayerCounters } from './iface/counters.ts';
import type { IcmpErrorKind, IpAddress, IpSender, SendFailure, TransportProtocol } from './types.ts';
import {
  fromV4Mapped,
  IPV4_ANY,
  IPV6_ANY,
  ipEqual,
  isMulticast,
  isUnspecified,
  isV4Mapped,
  toV4Mapped,
} from './wire/ip-address.ts';
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
  /** IPv6 only: refuse IPv4 (v4-mapped) traffic (IPV6_V6ONLY). Set before binding. */
  ipv6Only = false;
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
    if (isV4Mapped(address)) {
      if (s.ipv6Only || !this.host.isLocal(fromV4Mapped(address))) return 'address-not-available';
    } else if (!isUnspecified(address) && !this.host.isLocal(address) && !isMulticast(address))
      return 'address-not-available';
    if (port === 0) {
      let found = 0;
      for (let i = 0; i < EPHEMERAL_COUNT; i++) {
        const p = EPHEMERAL_LOW + ((this.nextEphemeral + i) % EPHEMERAL_COUNT);
        if (!this.conflicts(p, s, address)) {
          found = p;
          this.nextEphemeral = (this.nextEphemeral + i + 1) % EPHEMERAL_COUNT;
          break;
        }
      }
      if (!found) return 'no-free-port';
      port = found;
    } else if (this.conflicts(port, s, address)) return 'address-in-use';
    s.localAddress = address.slice();
    s.localPort = port;
    const list = this.ports.get(port);
    if (list) list.push(s);
    else this.ports.set(port, [s]);
    return true;
  }

  private conflicts(port: number, s: UdpSocket, address: IpAddress): boolean {
    const list = this.ports.get(port);
    if (!list) return false;
    const mine = v4Footprint(s, address);
    // No SO_REUSEADDR: one socket per (family, address, port); a wildcard conflicts with everything. A
    // dual-stack IPv6 socket also occupies the IPv4 side of the port.
    for (const o of list) {
      if (
        o.family === s.family &&
        (isUnspecified(o.localAddress) || isUnspecified(address) || ipEqual(o.localAddress, address))
      )
        return true;
      const theirs = v4Footprint(o, o.localAddress);
      if (o.family !== s.family && mine && theirs)
        if (isUnspecified(mine) || isUnspecified(theirs) || ipEqual(mine, theirs)) return true;
    }
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
    let bound = s.localAddress;
    if (isV4Mapped(dst)) {
      // A dual-stack socket speaks IPv4 to v4-mapped destinations; an IPv6-only one cannot reach them.
      if (s.ipv6Only || !(isUnspecified(bound) || isV4Mapped(bound))) {
        c.drop('no-route');
        return 'no-route';
      }
      dst = fromV4Mapped(dst);
      bound = isUnspecified(bound) ? IPV4_ANY : fromV4Mapped(bound);
    }
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
    const src = isUnspecified(bound) || isMulticast(bound) ? this.host.sourceFor(dst) : bound;
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
    const v4 = dst.length === 4;
    const list = this.ports.get(d.dstPort);
    const group = isMulticast(dst) || this.host.isBroadcast(dst);
    let best: UdpSocket | null = null;
    let bestScore = -1;
    let delivered = 0;
    if (list) {
      for (const s of list) {
        const native = s.family === (v4 ? 4 : 6);
        // IPv4 also reaches dual-stack IPv6 sockets, matched on their IPv4 footprint.
        const local = native ? s.localAddress : v4 ? v4Footprint(s, s.localAddress) : null;
        if (!local) continue;
        const boundAny = isUnspecified(local);
        if (!boundAny && !ipEqual(local, dst)) continue;
        if (s.remoteAddress) {
          const from = native ? src : toV4Mapped(src);
          if (s.remotePort !== d.srcPort || !ipEqual(s.remoteAddress, from)) continue;
        }
        if (group) {
          this.deliver(s, d.payload, src, d.srcPort, dst);
          delivered++;
          continue;
        }
        // Like Linux's compute_score: connected beats bound-to-address beats wildcard; native family breaks ties.
        const score = (s.remoteAddress ? 4 : 0) + (boundAny ? 0 : 2) + (native ? 1 : 0);
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
    const mapped = s.family === 6 && src.length === 4;
    s.onMessage?.(payload.slice(), {
      address: mapped ? toV4Mapped(src) : src.slice(),
      port,
      family: s.family,
      size: payload.length,
      localAddress: mapped ? toV4Mapped(dst) : dst.slice(),
    });
  }

  /** See `TransportProtocol.icmpError`: reported to the connected socket that sent the quoted datagram. */
  icmpError(kind: IcmpErrorKind, src: IpAddress, dst: IpAddress, quoted: Uint8Array, _now: number): void {
    const p = udpPorts(quoted);
    if (!p) return;
    const list = this.ports.get(p.srcPort);
    if (!list) return;
    const mapped = dst.length === 4;
    for (const s of list) {
      if (!s.remoteAddress || s.remotePort !== p.dstPort) continue;
      const native = s.family === (mapped ? 4 : 6);
      if (!ipEqual(s.remoteAddress, native ? dst : toV4Mapped(dst))) continue;
      const local = native ? s.localAddress : v4Footprint(s, s.localAddress);
      if (!local || (!isUnspecified(local) && !ipEqual(local, src))) continue;
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

/**
 * The IPv4 side a socket occupies when bound to `address`: the address itself for IPv4 sockets; for a
 * dual-stack IPv6 socket, 0.0.0.0 (bound to `::`) or the mapped IPv4 address; null for IPv6-only sockets.
 */
function v4Footprint(s: UdpSocket, address: IpAddress): IpAddress | null {
  if (s.family === 4) return address;
  if (s.ipv6Only) return null;
  if (isUnspecified(address)) return IPV4_ANY;
  if (isV4Mapped(address)) return fromV4Mapped(address);
  return null;
}

/**
 * The errno a socket API reports for a UDP failure or an ICMP error (Linux's mapping: `icmp_err_convert` in
 * net/ipv4/icmp.c and `icmpv6_err_convert`), e.g. 'port-unreachable' → 'ECONNREFUSED'.
 */
export function udpErrno(e: UdpBindError | UdpSendError | IcmpErrorKind): string {
  switch (e) {
    case 'address-in-use':
      return 'EADDRINUSE';
    case 'address-not-available':
      return 'EADDRNOTAVAIL';
    case 'already-bound':
      return 'EINVAL';
    case 'no-free-port':
      return 'EAGAIN';
    case 'closed':
      return 'EBADF';
    case 'no-destination':
      return 'EDESTADDRREQ';
    case 'broadcast-not-enabled':
      return 'EACCES';
    case 'no-route':
    case 'net-unreachable':
      return 'ENETUNREACH';
    case 'no-source':
      return 'EADDRNOTAVAIL';
    case 'too-big':
    case 'frag-needed':
      return 'EMSGSIZE';
    case 'queue-full':
      return 'ENOBUFS';
    case 'port-unreachable':
      return 'ECONNREFUSED';
    case 'protocol-unreachable':
      return 'ENOPROTOOPT';
    case 'parameter-problem':
      return 'EPROTO';
    case 'host-unreachable':
    case 'admin-prohibited':
    case 'time-exceeded':
      return 'EHOSTUNREACH';
  }
}
