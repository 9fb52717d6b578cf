/**
 * `Stack`: one user-space TCP/IP stack over one Ethernet interface (a joined ZeroTier network, a TAP in
 * the kernel-peer tests, or an in-memory link). It ties the interface (Ethernet, ARP, IPv4, IPv6, NDP,
 * ICMP) to the transports: UDP is built in, TCP plugs in with {@link Stack.registerTransport}.
 *
 * Sans-I/O contract:
 * - in: `receiveFrame(frame, now)` for every received Ethernet frame;
 * - out: frames go to `onFrame` when given, else they queue for `pollTransmit()`;
 * - time: call `poll(now)` when `now >= nextDeadline()`. API calls use the last time seen (`setTime(now)`
 *   moves it without running timers). After any API call (send, connect, ...) the deadline may have moved
 *   earlier (loopback deliveries are due at once): re-read it.
 *
 * Wiring TCP (engineer E's `TransportProtocol`):
 * ```ts
 * const stack = new Stack({ mac, addresses: [{ address: '10.0.0.1', prefixLength: 24 }], onFrame: send });
 * const tcp = new Tcp(stack.ip, ...);      // stack.ip is the IpSender
 * stack.registerTransport(6, tcp);         // receive()/icmpError()/poll()/nextDeadline() get called
 * ```
 * @module
 */

import { snapshotCounters } from './iface/counters.ts';
import type { EchoReplyHandler, InterfaceOptions, MulticastSubscription } from './iface/interface.ts';
import { Interface } from './iface/interface.ts';
import type { IpAddress, IpSender, SendFailure, TransportProtocol } from './types.ts';
import { UdpLayer } from './udp.ts';
import { formatIp, ipFromString } from './wire/ip-address.ts';
import { IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_UDP } from './wire/ipv4.ts';

/** An address or prefix given as text (`'10.0.0.1'`, `'fd00::1'`) or bytes. */
export type IpLike = string | IpAddress;

/** Options of a {@link Stack}. */
export interface StackOptions extends Omit<InterfaceOptions, 'emit'> {
  /** Receives every outgoing frame (a fresh buffer). Without it, frames queue for {@link Stack.pollTransmit}. */
  onFrame?: (frame: Uint8Array) => void;
  /** Initial addresses. */
  addresses?: ReadonlyArray<{ address: IpLike; prefixLength: number }>;
  /** Initial routes; `via` absent = on-link. */
  routes?: ReadonlyArray<{ prefix: IpLike; prefixLength: number; via?: IpLike }>;
  /** Bound of the `pollTransmit` queue (frames beyond it are dropped and counted); default 4096. */
  maxQueuedFrames?: number;
}

/** The stack. See the module comment. */
export class Stack {
  /** The interface (Ethernet/ARP/IP/NDP/ICMP); its `counters` are live. */
  readonly iface: Interface;
  /** The IP layer as transports see it. */
  readonly ip: IpSender;
  /** UDP endpoints: `stack.udp.open(4)`. */
  readonly udp: UdpLayer;
  private readonly queue: Uint8Array[] = [];
  private readonly maxQueued: number;

  constructor(opts: StackOptions) {
    this.maxQueued = opts.maxQueuedFrames ?? 4096;
    const onFrame = opts.onFrame;
    this.iface = new Interface({
      ...opts,
      emit: onFrame ?? ((f) => this.enqueue(f)),
    });
    this.ip = this.iface;
    this.udp = new UdpLayer(this.iface, this.iface.counters.udp, opts.random);
    this.iface.transports.set(IPPROTO_UDP, this.udp);
    for (const a of opts.addresses ?? []) this.addAddress(a.address, a.prefixLength);
    for (const r of opts.routes ?? []) this.addRoute(r.prefix, r.prefixLength, r.via);
  }

  private enqueue(f: Uint8Array): void {
    if (this.queue.length >= this.maxQueued) {
      this.iface.counters.ethernet.drop('tx-queue-full');
      return;
    }
    this.queue.push(f);
  }

  /**
   * Plugs a transport in for IP protocol `protocol` (6 for TCP). ICMP (1, 58) is the interface's own and UDP
   * (17) is built in. A transport's `receive` may return `false` to mean "no endpoint": the stack then answers
   * with ICMP port unreachable (TCP answers with RST itself and returns nothing).
   */
  registerTransport(protocol: number, transport: TransportProtocol): void {
    if (!Number.isInteger(protocol) || protocol < 0 || protocol > 255)
      throw new RangeError('protocol must be 0..255');
    if (protocol === IPPROTO_ICMP || protocol === IPPROTO_ICMPV6 || protocol === IPPROTO_UDP)
      throw new TypeError(`protocol ${protocol} is built into the stack`);
    if (this.iface.transports.has(protocol)) throw new TypeError(`protocol ${protocol} already registered`);
    this.iface.transports.set(protocol, transport);
  }

  /** Processes one received Ethernet frame (read only during the call). */
  receiveFrame(frame: Uint8Array, now: number): void {
    this.iface.receiveFrame(frame, now);
  }

  /** The next outgoing frame when no `onFrame` was given, else undefined. */
  pollTransmit(): Uint8Array | undefined {
    return this.queue.shift();
  }

  /** Runs every timer due at `now` (neighbours, reassembly, loopback, transports). */
  poll(now: number): void {
    this.iface.poll(now);
  }

  /**
   * Advances the stack's clock without running timers: call it before API calls (UDP send, TCP connect) made
   * long after the last `receiveFrame`/`poll`, so new neighbour entries and timers start from the right time.
   */
  setTime(now: number): void {
    this.iface.setTime(now);
  }

  /** The earliest time (ms) at which `poll` must run, or Infinity. */
  nextDeadline(): number {
    return this.iface.nextDeadline();
  }

  /** Assigns an address (announced with gratuitous ARP / unsolicited NA). */
  addAddress(address: IpLike, prefixLength: number): void {
    this.iface.addAddress(ipFromString(address), prefixLength);
  }

  /** Removes an address; returns false when it was not assigned. */
  removeAddress(address: IpLike): boolean {
    return this.iface.removeAddress(ipFromString(address));
  }

  /** Our addresses as text, link-local included. */
  addresses(): Array<{ address: string; prefixLength: number }> {
    return this.iface.table
      .addresses()
      .map((a) => ({ address: formatIp(a.address), prefixLength: a.prefixLength }));
  }

  /** Adds (or replaces) a route; `via` absent = on-link (a ZeroTier managed route without a gateway). */
  addRoute(prefix: IpLike, prefixLength: number, via?: IpLike): void {
    this.iface.table.addRoute(ipFromString(prefix), prefixLength, via ? ipFromString(via) : null);
  }

  /** Removes a route; returns false when absent. */
  removeRoute(prefix: IpLike, prefixLength: number): boolean {
    return this.iface.table.removeRoute(ipFromString(prefix), prefixLength);
  }

  /** Sends an ICMP/ICMPv6 echo request; replies arrive at {@link onEchoReply}. */
  ping(dst: IpLike, id: number, seq: number, data?: Uint8Array): true | SendFailure {
    return this.iface.ping(ipFromString(dst), id, seq, data);
  }

  /** Handler of echo replies. */
  set onEchoReply(h: EchoReplyHandler | null) {
    this.iface.onEchoReply = h;
  }
  get onEchoReply(): EchoReplyHandler | null {
    return this.iface.onEchoReply;
  }

  /** Called whenever {@link multicastSubscriptions} changes (addresses added/removed, groups joined/left). */
  set onMulticastChange(h: (() => void) | null) {
    this.iface.onMulticastChange = h;
  }
  get onMulticastChange(): (() => void) | null {
    return this.iface.onMulticastChange;
  }

  /** The link MTU (a ZeroTier network config's `mtu`, protocol.md §8.2); 1280..65535. */
  get mtu(): number {
    return this.iface.mtu;
  }
  set mtu(v: number) {
    this.iface.mtu = v;
  }

  /** What the link layer must subscribe to (protocol.md §1.4). */
  multicastSubscriptions(): MulticastSubscription[] {
    return this.iface.multicastSubscriptions();
  }

  /** A plain-data copy of every layer's counters. */
  counters(): ReturnType<typeof snapshotCounters> {
    return snapshotCounters(this.iface.counters);
  }
}
