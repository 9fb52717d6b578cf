/**
 * The UDP endpoint behind a `dgram` socket or a BSD datagram descriptor: one stack's {@link UdpSocket}, or a
 * {@link MultiUdp} spanning every joined network of a node (issue 6: sockets choose the network by route).
 *
 * A {@link MultiUdp} keeps one stack `UdpSocket` per network, all on the same port, as a wildcard-bound Linux
 * socket receives on every interface:
 * - bound to the wildcard (or a multicast group): bound on every stack; a stack joined later is added when a
 *   send first routes to it;
 * - bound to a unicast address: only on the stack that has it (src/net/route-choice.ts `chooseLocal`);
 * - a send leaves through the stack `chooseRoute` picks (longest prefix over all networks), `'no-route'`
 *   (ENETUNREACH) when none routes the destination; multicast leaves through the network of the multicast
 *   interface when one was set (IP_MULTICAST_IF), else the first;
 * - `connect` fixes the stack too: datagrams other networks deliver are then dropped, as a connected socket
 *   only hears its peer.
 * @module
 */

import type { StackRef } from '../net/route-choice.ts';
import { chooseLocal, chooseRoute, nativeAddress as native } from '../net/route-choice.ts';
import type { Stack } from '../stack/stack.ts';
import type { IcmpErrorKind, IpAddress } from '../stack/types.ts';
import type { UdpBindError, UdpRemoteInfo, UdpSendError, UdpSocket } from '../stack/udp.ts';
import { IPV4_ANY, IPV6_ANY, ipEqual, isMulticast, isUnspecified } from '../stack/wire/ip-address.ts';
import type { StackSetBinding } from './binding.ts';

/** What the socket layers use of a UDP endpoint (a structural subset of {@link UdpSocket}). */
export interface UdpEndpoint {
  readonly family: 4 | 6;
  localAddress: IpAddress;
  localPort: number;
  remoteAddress: IpAddress | null;
  remotePort: number;
  broadcast: boolean;
  ttl: number;
  multicastTtl: number;
  ipv6Only: boolean;
  multicastLoopback: boolean;
  onMessage: ((data: Uint8Array, info: UdpRemoteInfo) => void) | null;
  onError: ((kind: IcmpErrorKind) => void) | null;
  readonly closed: boolean;
  bind(address?: IpAddress, port?: number): true | UdpBindError;
  connect(address: IpAddress, port: number): true | UdpBindError | UdpSendError;
  disconnect(): void;
  send(data: Uint8Array, address?: IpAddress, port?: number): true | UdpSendError | UdpBindError;
  addMembership(group: IpAddress): void;
  dropMembership(group: IpAddress): boolean;
  close(): void;
}

/** Opens a UDP endpoint of `family` on a one-stack binding (its `UdpSocket`) or a stack set ({@link MultiUdp}). */
export function openUdp(binding: StackRef | StackSetBinding, family: 4 | 6): UdpEndpoint {
  if ('stacks' in binding) return new MultiUdp(() => binding.stacks(), family);
  return binding.stack.udp.open(family);
}

/** The per-socket options a {@link MultiUdp} applies to each of its stack sockets. */
type UdpOptions = Pick<UdpSocket, 'broadcast' | 'ttl' | 'multicastTtl' | 'ipv6Only' | 'multicastLoopback'>;

/** Ephemeral port picks tried before giving up when the port the first stack chose is taken on another. */
const PORT_ATTEMPTS = 16;

/** A UDP endpoint over several stacks (see the module comment). */
export class MultiUdp implements UdpEndpoint {
  localAddress: IpAddress;
  localPort = 0;
  remoteAddress: IpAddress | null = null;
  remotePort = 0;
  onMessage: ((data: Uint8Array, info: UdpRemoteInfo) => void) | null = null;
  onError: ((kind: IcmpErrorKind) => void) | null = null;
  closed = false;
  /** IP_MULTICAST_IF: the address whose network multicast leaves through (null: the first network). */
  private multicastInterface: IpAddress | null = null;
  /** The stack sockets, by stack, in the order they were opened. */
  private readonly socks = new Map<Stack, UdpSocket>();
  /** Bound to one unicast address: its stack only (no growth to networks joined later). */
  private pinned = false;
  private connectedOn: UdpSocket | null = null;
  /** Groups joined (once per join), so that a network added later joins them too. */
  private readonly groups: IpAddress[] = [];
  private readonly opts: UdpOptions = {
    broadcast: false,
    ttl: 64,
    multicastTtl: 1,
    ipv6Only: false,
    multicastLoopback: true,
  };

  constructor(
    private readonly stacks: () => readonly StackRef[],
    readonly family: 4 | 6,
  ) {
    this.localAddress = family === 4 ? IPV4_ANY : IPV6_ANY;
  }

  get broadcast(): boolean {
    return this.opts.broadcast;
  }
  set broadcast(v: boolean) {
    this.setOpt('broadcast', v);
  }
  get ttl(): number {
    return this.opts.ttl;
  }
  set ttl(v: number) {
    this.setOpt('ttl', v);
  }
  get multicastTtl(): number {
    return this.opts.multicastTtl;
  }
  set multicastTtl(v: number) {
    this.setOpt('multicastTtl', v);
  }
  get ipv6Only(): boolean {
    return this.opts.ipv6Only;
  }
  set ipv6Only(v: boolean) {
    this.setOpt('ipv6Only', v);
  }
  get multicastLoopback(): boolean {
    return this.opts.multicastLoopback;
  }
  set multicastLoopback(v: boolean) {
    this.setOpt('multicastLoopback', v);
  }

  /** Binds on every stack (wildcard, multicast group) or on the one that has `address`. */
  bind(address?: IpAddress, port = 0): true | UdpBindError {
    if (this.closed) return 'closed';
    if (this.localPort !== 0) return 'already-bound';
    const addr = address ?? this.localAddress;
    const list = this.stacks();
    const target = chooseLocal(list, isUnspecified(addr) ? null : native(addr));
    const on = target === 'all' ? list : target ? [target] : [];
    if (on.length === 0) return 'address-not-available';
    for (let attempt = 0; ; attempt++) {
      let p = port;
      const opened: Array<[Stack, UdpSocket]> = [];
      let failure: UdpBindError | null = null;
      for (const r of on) {
        const s = this.open(r.stack);
        opened.push([r.stack, s]);
        const res = s.bind(addr, p);
        if (res !== true) {
          failure = res;
          break;
        }
        p = s.localPort;
      }
      if (failure === null) {
        for (const [stack, s] of opened) this.socks.set(stack, s);
        this.localAddress = addr.slice();
        this.localPort = p;
        this.pinned = target !== 'all';
        return true;
      }
      for (const [, s] of opened) s.close();
      // A port the first stack picked may be taken on another: pick again (a chosen port is an error).
      if (port !== 0 || failure !== 'address-in-use' || attempt >= PORT_ATTEMPTS) return failure;
    }
  }

  /** Fixes the peer and the network that reaches it; binds the wildcard first when unbound. */
  connect(address: IpAddress, port: number): true | UdpBindError | UdpSendError {
    if (this.closed) return 'closed';
    if (this.localPort === 0) {
      const r = this.bind();
      if (r !== true) return r;
    }
    const s = this.socketFor(address);
    if (typeof s === 'string') return s;
    const r = s.connect(address, port);
    if (r !== true) return r;
    this.connectedOn = s;
    this.remoteAddress = address.slice();
    this.remotePort = port;
    return true;
  }

  /** Forgets the peer (every network is heard again). */
  disconnect(): void {
    this.connectedOn?.disconnect();
    this.connectedOn = null;
    this.remoteAddress = null;
    this.remotePort = 0;
  }

  /** Sends to `address:port` through the network that routes it, or to the connected peer. */
  send(data: Uint8Array, address?: IpAddress, port?: number): true | UdpSendError | UdpBindError {
    if (this.closed) return 'closed';
    if (!address) return this.connectedOn ? this.connectedOn.send(data) : 'no-destination';
    if (this.localPort === 0) {
      const r = this.bind();
      if (r !== true) return r;
    }
    const s = this.socketFor(address);
    if (typeof s === 'string') return s;
    return s.send(data, address, port);
  }

  /** Joins `group` on every network this endpoint is bound on (and on those it adds later). */
  addMembership(group: IpAddress): void {
    for (const s of this.socks.values()) s.addMembership(group);
    this.groups.push(group.slice());
  }

  /** Leaves `group` on every network; false when it was not joined. */
  dropMembership(group: IpAddress): boolean {
    const i = this.groups.findIndex((g) => ipEqual(g, group));
    if (i < 0) return false;
    this.groups.splice(i, 1);
    for (const s of this.socks.values()) s.dropMembership(group);
    return true;
  }

  /** Closes every stack socket. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const s of this.socks.values()) s.close();
    this.socks.clear();
    this.connectedOn = null;
  }

  /**
   * IP_MULTICAST_IF: multicast leaves through the network that has `addr` (null or the wildcard: the first
   * network). False, and no change, when no network has it (EADDRNOTAVAIL).
   */
  setMulticastInterface(addr: IpAddress | null): boolean {
    const a = addr && !isUnspecified(addr) ? native(addr) : null;
    if (a && chooseLocal(this.stacks(), a) === null) return false;
    this.multicastInterface = a;
    return true;
  }

  /** A network was left: its socket goes (a peer connected through it is forgotten). */
  dropStack(stack: Stack): void {
    const s = this.socks.get(stack);
    if (!s) return;
    this.socks.delete(stack);
    if (s === this.connectedOn) this.disconnect();
    s.close();
  }

  /** Networks this endpoint is bound on (introspection). */
  get stackCount(): number {
    return this.socks.size;
  }

  private setOpt<K extends keyof UdpOptions>(k: K, v: UdpOptions[K]): void {
    this.opts[k] = v;
    for (const s of this.socks.values()) (s as UdpOptions)[k] = v;
  }

  private open(stack: Stack): UdpSocket {
    const s = stack.udp.open(this.family);
    Object.assign(s, this.opts);
    s.onMessage = (data, info) => {
      // A connected endpoint hears its peer's network only.
      if (this.connectedOn !== null && s !== this.connectedOn) return;
      this.onMessage?.(data, info);
    };
    s.onError = (kind) => this.onError?.(kind);
    return s;
  }

  /** The socket that reaches `dst`: the pinned one, else by route (opened on a network joined since bind). */
  private socketFor(dst: IpAddress): UdpSocket | UdpSendError | UdpBindError {
    if (this.pinned) {
      const only = this.socks.values().next().value;
      return only ?? 'no-route';
    }
    const d = native(dst);
    const list = this.stacks();
    let ref: StackRef | null = null;
    if (isMulticast(d) && this.multicastInterface) {
      const r = chooseLocal(list, this.multicastInterface);
      ref = r === 'all' ? null : r;
    }
    ref ??= chooseRoute(list, d);
    if (!ref) return 'no-route';
    const have = this.socks.get(ref.stack);
    if (have) return have;
    const s = this.open(ref.stack);
    const r = s.bind(this.localAddress, this.localPort);
    if (r !== true) {
      s.close();
      return r;
    }
    for (const g of this.groups) s.addMembership(g);
    this.socks.set(ref.stack, s);
    return s;
  }
}
