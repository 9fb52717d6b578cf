/**
 * Contracts between the stack's IP layer and its transport protocols (TCP, UDP, ICMP echo).
 * The IP layer (src/stack/iface) owns addresses, routes, neighbours and fragmentation; a
 * transport sees only IP payloads. Everything is sans-I/O: `now` is passed in (ms), and each
 * component says when it next needs time through `nextDeadline()`.
 * @module
 */

/** An IPv4 (4 bytes) or IPv6 (16 bytes) address in network byte order. */
export type IpAddress = Uint8Array;

/** Why the IP layer could not send a datagram (counted by the caller, never thrown). */
export type SendFailure = 'no-route' | 'no-source' | 'too-big' | 'queue-full';

/** Options for one outgoing IP datagram. */
export interface IpSendOptions {
  /** IPv4 TTL / IPv6 hop limit (default 64). */
  ttl?: number;
  /** IPv4 TOS / IPv6 traffic class (default 0). */
  tos?: number;
  /** IPv4 only: set Don't Fragment (TCP sets it; UDP leaves it clear so large datagrams fragment). */
  dontFragment?: boolean;
}

/** What the IP layer offers to a transport protocol. */
export interface IpSender {
  /**
   * Sends `payload` (already carrying a correct transport checksum) from `src` to `dst`.
   * Returns `true` when queued (including while waiting for ARP/NDP resolution), else a failure reason.
   * The payload may be a view into a caller buffer: the IP layer copies it before returning.
   */
  send(
    protocol: number,
    src: IpAddress,
    dst: IpAddress,
    payload: Uint8Array,
    opts?: IpSendOptions,
  ): true | SendFailure;
  /** The local address to use as source towards `dst`, or null when no route/address fits. */
  sourceFor(dst: IpAddress): IpAddress | null;
  /** The largest transport payload that fits one unfragmented IP datagram towards `dst` (MTU minus headers). */
  maxPayload(dst: IpAddress): number;
  /** True when `addr` is one of this interface's own unicast addresses. */
  isLocal(addr: IpAddress): boolean;
  /**
   * True when unicast `dst` has a route (ours, loopback, on-link or via a gateway). Optional: an
   * IP layer without routes omits it and every destination counts as routable.
   */
  hasRoute?(dst: IpAddress): boolean;
}

/** ICMP errors, already mapped to what a transport cares about (RFC 1122 §4.2.3.9, RFC 4443). */
export type IcmpErrorKind =
  | 'net-unreachable'
  | 'host-unreachable'
  | 'protocol-unreachable'
  | 'port-unreachable'
  | 'admin-prohibited'
  | 'frag-needed'
  | 'time-exceeded'
  | 'parameter-problem';

/** A transport protocol plugged into the IP layer for one IP protocol number. */
export interface TransportProtocol {
  /** A datagram for this protocol addressed to one of our addresses (`dst`). `payload` is valid only during the call. */
  receive(src: IpAddress, dst: IpAddress, payload: Uint8Array, now: number): void;
  /**
   * An ICMP error quoting a datagram we sent: `quoted` is the start of our transport header
   * (at least 8 bytes, as RFC 792 guarantees). `mtu` is set for 'frag-needed' / ICMPv6 Packet Too Big.
   */
  icmpError(
    kind: IcmpErrorKind,
    src: IpAddress,
    dst: IpAddress,
    quoted: Uint8Array,
    now: number,
    mtu?: number,
  ): void;
  /** Runs timers due at `now`. */
  poll(now: number): void;
  /** The earliest time (ms) at which `poll` must run, or `Infinity`. */
  nextDeadline(): number;
}
