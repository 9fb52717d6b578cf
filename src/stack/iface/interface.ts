/**
 * One Ethernet interface of the stack: Ethernet dispatch, ARP and NDP neighbours, IPv4/IPv6 ingress and
 * egress (with bounded reassembly and fragmentation on send), ICMP echo and errors, loopback to our own
 * addresses, multicast membership, and counters. It implements `IpSender` for the transports (TCP, UDP)
 * and dispatches IP payloads to the `TransportProtocol` registered for each protocol number.
 *
 * Sans-I/O: frames come in through `receiveFrame(frame, now)` and leave through the `emit` hook; `poll(now)`
 * runs timers and `nextDeadline()` says when. Sends made between calls (from socket APIs) use the last `now`
 * seen. Hostile input is dropped and counted (counters.ts), never thrown.
 *
 * Read first: RFC 1122 (host requirements), RFC 826 (ARP), RFC 791/792 (IPv4/ICMP), RFC 8200/4443/4861
 * (IPv6/ICMPv6/NDP). On ZeroTier, frames are VL2 Ethernet (protocol.md §6.7) and ARP requests become
 * multicasts to (ff:ff:ff:ff:ff:ff, ADI = IPv4 target) (protocol.md §1.4): `multicastSubscriptions()` lists
 * what the link must subscribe to.
 * @module
 */

import type { IpAddress, IpSender, IpSendOptions, SendFailure, TransportProtocol } from '../types.ts';
import {
  BROADCAST_MAC,
  ETH_HEADER_LEN,
  ETHERTYPE_ARP,
  ETHERTYPE_IPV4,
  ETHERTYPE_IPV6,
  isGroupMac,
  macKey,
  multicastMacFor,
} from '../wire/ethernet.ts';
import { emitIcmpv4, ICMPV4, UNREACH } from '../wire/icmpv4.ts';
import { emitIcmpv6, ICMPV6, UNREACH6_PORT } from '../wire/icmpv6.ts';
import {
  IPV6_ALL_NODES,
  ipKey,
  ipv4Key,
  isMulticast,
  isUnspecified,
  linkLocalFromMac,
  solicitedNode,
} from '../wire/ip-address.ts';
import { emitIpv4Header, IPPROTO_ICMP, IPPROTO_ICMPV6, IPV4_HEADER_LEN, parseIpv4 } from '../wire/ipv4.ts';
import { emitIpv6Header, IPV6_HEADER_LEN, NH_NONE, parseIpv6 } from '../wire/ipv6.ts';
import { NA_FLAG_OVERRIDE } from '../wire/ndp.ts';
import type { ArpHost } from './arp-handler.ts';
import { announceArp, ingressArp, sendArpRequest, ZERO_MAC } from './arp-handler.ts';
import type { LayerCounters, StackCounters } from './counters.ts';
import { newStackCounters } from './counters.ts';
import type { DatagramFields } from './framing.ts';
import { buildIpv4Frames, buildIpv6Frames, buildLoopbackPacket } from './framing.ts';
import { TokenBucket } from './icmp-errors.ts';
import type { IcmpHost } from './icmp-handler.ts';
import {
  ingressIcmpv4,
  ingressIcmpv6,
  reportUnresolved,
  sendIcmpError4,
  sendIcmpError6,
} from './icmp-handler.ts';
import { GroupMembership } from './multicast.ts';
import type { NdpHost } from './ndp-handler.ts';
import { sendNa, sendNs } from './ndp-handler.ts';
import type { NeighborCacheOptions } from './neighbor-cache.ts';
import { NeighborCache } from './neighbor-cache.ts';
import { PathMtuCache } from './path-mtu.ts';
import type { ReassemblyOptions } from './reassembly.ts';
import { Reassembler } from './reassembly.ts';
import { RoutingTable } from './routes.ts';

/** The MTU of a ZeroTier virtual network (protocol.md §8.2 default `mtu`). */
export const ZT_DEFAULT_MTU = 2800;

/** Loopback packets handled per drain, so two transports answering each other cannot spin forever. */
const LOOPBACK_BATCH = 1024;
const ALL_HOSTS_V4 = new Uint8Array([224, 0, 0, 1]);
/** Options of an {@link Interface}. */
export interface InterfaceOptions {
  /** Our MAC (6 bytes). On ZeroTier it is derived from the node address and network ID (protocol.md §1.3). */
  mac: Uint8Array;
  /** Link MTU in bytes (IP datagram size); default 2800. */
  mtu?: number;
  /** Where outgoing frames go (each a fresh buffer the receiver owns). */
  emit: (frame: Uint8Array) => void;
  /** Randomness (IP identification seeds). Default: a fixed seed (tests), pass the runtime's CSPRNG in production. */
  random?: (n: number) => Uint8Array;
  /** Configure fe80::/64 from the MAC (RFC 4862 §5.3); default true. */
  linkLocal?: boolean;
  neighbor?: NeighborCacheOptions;
  reassembly?: ReassemblyOptions;
  /** ICMP error rate limit (RFC 1812 §4.3.2.8, RFC 4443 §2.4(f)); defaults follow Linux: burst 50, 1000/s. */
  icmpRateLimit?: { burst: number; perSecond: number };
}

/** Called for every ICMP/ICMPv6 echo reply addressed to us. `data` is valid only during the call. */
export type EchoReplyHandler = (
  src: IpAddress,
  id: number,
  seq: number,
  data: Uint8Array,
  now: number,
) => void;

/** A multicast subscription for the link layer: ZeroTier's (MAC, ADI) group (protocol.md §1.4). */
export interface MulticastSubscription {
  readonly mac: Uint8Array;
  readonly adi: number;
}

/** The interface. See the module comment. */
export class Interface implements IpSender {
  /** Per-layer counters, live. */
  readonly counters: StackCounters = newStackCounters();
  /** Addresses and routes. Change addresses through {@link addAddress}/{@link removeAddress} (they announce). */
  readonly table = new RoutingTable();
  /** Transports by IP protocol number (17 = UDP, 6 = TCP). */
  readonly transports = new Map<number, TransportProtocol>();
  /** Our MAC. */
  readonly mac: Uint8Array;
  /** Link MTU (IP datagram size); smaller path MTUs are learned from ICMP (see {@link pathMtu}). */
  get mtu(): number {
    return this.pathMtus.linkMtu;
  }
  set mtu(v: number) {
    if (!Number.isInteger(v) || v < 1280 || v > 65535)
      throw new RangeError('mtu must be 1280..65535 (IPv6 needs 1280, RFC 8200 §5)');
    this.pathMtus.linkMtu = v;
  }
  /** Echo replies (see {@link ping}). */
  onEchoReply: EchoReplyHandler | null = null;
  /** Called when {@link multicastSubscriptions} changed. */
  onMulticastChange: (() => void) | null = null;

  readonly arp: NeighborCache;
  readonly ndp: NeighborCache;
  /** The interface as the NDP rules see it (ndp-handler.ts). */
  private readonly ndpHost: NdpHost;
  /** The interface as the ICMP rules see it (icmp-handler.ts). */
  private readonly icmpHost: IcmpHost;
  /** The interface as the ARP rules see it (arp-handler.ts). */
  private readonly arpHost: ArpHost;
  readonly reassembly4: Reassembler;
  readonly reassembly6: Reassembler;
  private readonly emitHook: (frame: Uint8Array) => void;
  private now = 0;
  private ident4: number;
  private ident6: number;
  private readonly groups = new GroupMembership(() => this.onMulticastChange?.());
  private loopQueue: Uint8Array[] = [];
  /** Learned path MTUs (see {@link pathMtu}). */
  readonly pathMtus = new PathMtuCache(ZT_DEFAULT_MTU);
  private readonly icmpBucket: TokenBucket;
  /** Source MAC of the frame being processed (to answer an NS without resolving its sender). */
  private rxSrcMac: Uint8Array = ZERO_MAC;
  /** True while datagrams we sent to ourselves are being delivered (127/8 and ::1 are valid only then). */
  private fromLoopback = false;

  constructor(opts: InterfaceOptions) {
    if (!(opts.mac instanceof Uint8Array) || opts.mac.length !== 6)
      throw new TypeError('mac must be 6 bytes');
    if (isGroupMac(opts.mac)) throw new TypeError('mac must be a unicast MAC');
    this.mac = opts.mac.slice();
    this.mtu = opts.mtu ?? ZT_DEFAULT_MTU;
    this.emitHook = opts.emit;
    const seed = opts.random ? opts.random(8) : new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]);
    this.ident4 = (seed[0] << 8) | seed[1];
    this.ident6 = ((seed[2] << 24) | (seed[3] << 16) | (seed[4] << 8) | seed[5]) >>> 0;
    this.icmpBucket = new TokenBucket(opts.icmpRateLimit?.burst ?? 50, opts.icmpRateLimit?.perSecond ?? 1000);
    this.arp = new NeighborCache(
      {
        probe: (ip, m) => sendArpRequest(this.arpHost, ip, m),
        failed: (_ip, p) => reportUnresolved(this.icmpHost, p, this.counters.arp),
      },
      opts.neighbor,
    );
    this.ndp = new NeighborCache(
      {
        probe: (ip, m) => sendNs(this.ndpHost, ip, m),
        failed: (_ip, p) => reportUnresolved(this.icmpHost, p, this.counters.ndp),
      },
      opts.neighbor,
    );
    this.ndpHost = {
      mac: this.mac,
      table: this.table,
      cache: this.ndp,
      counters: this.counters.ndp,
      now: () => this.now,
      rxSrcMac: () => this.rxSrcMac,
      sourceFor: (dst) => this.sourceFor(dst),
      sendIcmpv6: (src, dst, msg, mac) => {
        this.sendIpv6(IPPROTO_ICMPV6, src, dst, msg, { ttl: 255 }, mac);
      },
      flush: (frames, mac) => this.flush(frames, mac),
    };
    this.arpHost = {
      mac: this.mac,
      table: this.table,
      cache: this.arp,
      counters: this.counters.arp,
      defended: new Map<number, number>(),
      now: () => this.now,
      sourceFor: (dst) => this.sourceFor(dst),
      flush: (frames, mac) => this.flush(frames, mac),
      emitFrame: (f) => this.emitFrame(f),
    };
    this.icmpHost = {
      counters: this.counters,
      table: this.table,
      transports: this.transports,
      pathMtus: this.pathMtus,
      errorBucket: this.icmpBucket,
      ndp: this.ndpHost,
      now: () => this.now,
      isLocal: (a) => this.isLocal(a),
      isBroadcast: (a) => this.isBroadcast(a),
      sourceFor: (dst) => this.sourceFor(dst),
      echoReply: (src, id, seq, data, now) => this.onEchoReply?.(src, id, seq, data, now),
      sendIpv4: (src, dst, msg) => this.sendIpv4(IPPROTO_ICMP, src, dst, msg, undefined, null),
      sendIpv6: (src, dst, msg) => this.sendIpv6(IPPROTO_ICMPV6, src, dst, msg, undefined, null),
    };
    this.reassembly4 = new Reassembler({ maxDatagramLen: 65535 - IPV4_HEADER_LEN, ...opts.reassembly });
    this.reassembly6 = new Reassembler({ maxDatagramLen: 65535, ...opts.reassembly });
    this.joinGroup(ALL_HOSTS_V4);
    this.joinGroup(IPV6_ALL_NODES);
    if (opts.linkLocal !== false) this.addAddress(linkLocalFromMac(this.mac), 64);
  }

  /** Advances the interface clock (monotonic; earlier values are ignored). */
  setTime(now: number): void {
    if (now > this.now) this.now = now;
  }

  // ---------------------------------------------------------------- configuration

  /**
   * Assigns an address. IPv4: sends a gratuitous ARP (RFC 5227 §3 announcement). IPv6: joins the
   * solicited-node group and sends an unsolicited NA (RFC 4861 §7.2.6). Duplicate Address Detection is
   * not done: ZeroTier controllers assign unique addresses.
   */
  addAddress(address: IpAddress, prefixLength: number): void {
    if (isMulticast(address) || isUnspecified(address)) throw new TypeError('not a unicast address');
    if (!this.table.addAddress(address, prefixLength)) return;
    if (address.length === 4) {
      this.arp.delete(ipv4Key(address));
      announceArp(this.arpHost, address);
    } else {
      this.ndp.delete(ipKey(address));
      this.joinGroup(solicitedNode(address));
      sendNa(this.ndpHost, address, IPV6_ALL_NODES, multicastMacFor(IPV6_ALL_NODES), NA_FLAG_OVERRIDE);
    }
    this.onMulticastChange?.();
  }

  /** Removes an address (and its solicited-node membership). */
  removeAddress(address: IpAddress): boolean {
    if (!this.table.removeAddress(address)) return false;
    if (address.length === 16) this.leaveGroup(solicitedNode(address));
    this.onMulticastChange?.();
    return true;
  }

  /** Joins an IP multicast group (reference counted): frames to its MAC and packets to it are accepted. */
  joinGroup(group: IpAddress): void {
    this.groups.join(group);
  }

  /** Leaves a group joined with {@link joinGroup}; returns false when not joined. */
  leaveGroup(group: IpAddress): boolean {
    return this.groups.leave(group);
  }

  /** True for 255.255.255.255 and the directed broadcast address of one of our IPv4 subnets. */
  isBroadcast(dst: IpAddress): boolean {
    return dst.length === 4 && (ipv4Key(dst) === 0xffffffff || this.table.isDirectedBroadcast(dst));
  }

  /** Queues a datagram for delivery to ourselves (multicast loopback, RFC 1112 §6.1), as if received. */
  deliverLocally(protocol: number, src: IpAddress, dst: IpAddress, payload: Uint8Array): void {
    const ident = this.ident4;
    this.ident4 = (this.ident4 + 1) & 0xffff;
    this.loopQueue.push(buildLoopbackPacket({ protocol, src, dst, ttl: 1, tos: 0 }, ident, payload));
    this.counters.loopback.out++;
  }

  /** True when packets to `group` are accepted. */
  isJoined(group: IpAddress): boolean {
    return this.groups.hasIpKey(ipKey(group));
  }

  /**
   * What the link must subscribe to (protocol.md §1.4): broadcast with ADI = each IPv4 address (ARP), and
   * each joined multicast MAC with ADI 0 (solicited-node groups, all-nodes, joined groups).
   */
  multicastSubscriptions(): MulticastSubscription[] {
    const out: MulticastSubscription[] = [];
    for (const a of this.table.addresses())
      if (a.address.length === 4) out.push({ mac: BROADCAST_MAC.slice(), adi: ipv4Key(a.address) });
    for (const mac of this.groups.macList()) out.push({ mac, adi: 0 });
    return out;
  }

  // ---------------------------------------------------------------- IpSender

  /** See `IpSender.sourceFor`. */
  sourceFor(dst: IpAddress): IpAddress | null {
    // Loopback destinations (127/8, ::1) are answered from themselves, like Linux's lo.
    if (isLoopbackAddress(dst)) return dst.slice();
    return this.table.sourceFor(dst);
  }

  /** See `IpSender.maxPayload`. */
  maxPayload(dst: IpAddress): number {
    return this.pathMtu(dst) - (dst.length === 4 ? IPV4_HEADER_LEN : IPV6_HEADER_LEN);
  }

  /** See `IpSender.hasRoute`. */
  hasRoute(dst: IpAddress): boolean {
    return this.isLocal(dst) || this.table.nextHop(dst) !== null;
  }

  /** See `IpSender.isLocal`. */
  isLocal(addr: IpAddress): boolean {
    return this.table.isLocalKey(ipKey(addr)) || isLoopbackAddress(addr);
  }

  /**
   * See `IpSender.send`. Large datagrams are fragmented unless `dontFragment` (then 'too-big'); a source that
   * is not one of our addresses gives 'no-source'.
   */
  send(
    protocol: number,
    src: IpAddress,
    dst: IpAddress,
    payload: Uint8Array,
    opts?: IpSendOptions,
  ): true | SendFailure {
    // RFC 1122 §3.3.6 / §3.2.1.3: a host sends only from its own addresses (0.0.0.0 allowed, as for DHCP).
    if (dst.length === 4) {
      if (src.length !== 4 || !(this.isLocal(src) || ipv4Key(src) === 0)) {
        this.counters.ipv4.drop('foreign-source');
        return 'no-source';
      }
      return this.sendIpv4(protocol, src, dst, payload, opts, null);
    }
    if (dst.length !== 16 || src.length !== 16 || !this.isLocal(src)) {
      this.counters.ipv6.drop('foreign-source');
      return 'no-source';
    }
    return this.sendIpv6(protocol, src, dst, payload, opts, null);
  }

  /** Sends an ICMP/ICMPv6 echo request from the best source address. */
  ping(dst: IpAddress, id: number, seq: number, data: Uint8Array = new Uint8Array(0)): true | SendFailure {
    const src = this.sourceFor(dst);
    if (!src) return 'no-source';
    const rest = ((id & 0xffff) << 16) | (seq & 0xffff);
    if (dst.length === 4) {
      this.counters.icmpv4.out++;
      return this.sendIpv4(
        IPPROTO_ICMP,
        src,
        dst,
        emitIcmpv4(ICMPV4.ECHO_REQUEST, 0, rest, data),
        undefined,
        null,
      );
    }
    this.counters.icmpv6.out++;
    const msg = emitIcmpv6(ICMPV6.ECHO_REQUEST, 0, rest, data, src, dst);
    return this.sendIpv6(IPPROTO_ICMPV6, src, dst, msg, undefined, null);
  }

  // ---------------------------------------------------------------- time

  /** Runs timers due at `now`: neighbour probes, reassembly expiry, loopback delivery, transports. */
  poll(now: number): void {
    this.setTime(now);
    this.arp.poll(this.now);
    this.ndp.poll(this.now);
    for (const x of this.reassembly4.poll(this.now)) {
      this.counters.reassembly.drop('timeout');
      // RFC 792: Time Exceeded code 1 when the first fragment was seen (its header + 8 bytes were kept).
      if (x.firstContext) sendIcmpError4(this.icmpHost, ICMPV4.TIME_EXCEEDED, 1, 0, x.firstContext);
    }
    for (const x of this.reassembly6.poll(this.now)) {
      this.counters.reassembly.drop('timeout');
      if (x.firstContext) sendIcmpError6(this.icmpHost, ICMPV6.TIME_EXCEEDED, 1, 0, x.firstContext);
    }
    this.drainLoopback();
    for (const t of this.transports.values()) if (t.nextDeadline() <= this.now) t.poll(this.now);
    this.drainLoopback();
  }

  /** The earliest time `poll` must run (ms), or Infinity. */
  nextDeadline(): number {
    if (this.loopQueue.length) return this.now;
    let d = Math.min(
      this.arp.nextDeadline(),
      this.ndp.nextDeadline(),
      this.reassembly4.nextDeadline(),
      this.reassembly6.nextDeadline(),
    );
    for (const t of this.transports.values()) d = Math.min(d, t.nextDeadline());
    return d;
  }

  // ---------------------------------------------------------------- ingress

  /** Processes one received Ethernet frame. The frame is only read during the call. */
  receiveFrame(frame: Uint8Array, now: number) {
    this.setTime(now);
    const c = this.counters.ethernet;
    if (frame.length < ETH_HEADER_LEN) return c.drop('truncated');
    if (isGroupMac(frame, 0)) {
      const bcast = frame[0] === 255 && frame[1] === 255 && frame[2] === 255 && frame[3] === 255;
      if (!(bcast && frame[4] === 255 && frame[5] === 255) && !this.groups.hasMacKey(macKey(frame, 0)))
        return c.drop('not-subscribed');
    } else if (!sameMac(frame, 0, this.mac)) return c.drop('not-for-us');
    if (sameMac(frame, 6, this.mac)) return c.drop('own-source');
    c.in++;
    this.rxSrcMac = frame.subarray(6, 12);
    const type = (frame[12] << 8) | frame[13];
    const payload = frame.subarray(ETH_HEADER_LEN);
    const linkGroup = isGroupMac(frame, 0);
    if (type === ETHERTYPE_IPV4) this.ingressIpv4(payload, linkGroup);
    else if (type === ETHERTYPE_IPV6) this.ingressIpv6(payload);
    else if (type === ETHERTYPE_ARP) ingressArp(this.arpHost, payload);
    else c.drop('unknown-ethertype');
    this.drainLoopback();
  }

  private drainLoopback() {
    if (this.loopQueue.length === 0) return;
    const q = this.loopQueue;
    const batch = q.length > LOOPBACK_BATCH ? q.splice(0, LOOPBACK_BATCH) : q;
    if (batch === q) this.loopQueue = [];
    this.rxSrcMac = this.mac;
    this.fromLoopback = true;
    for (const p of batch) {
      this.counters.loopback.in++;
      if (p[0] >> 4 === 4) this.ingressIpv4(p, false);
      else this.ingressIpv6(p);
    }
    this.fromLoopback = false;
  }

  private ingressIpv4(pkt: Uint8Array, linkGroup: boolean) {
    const c = this.counters.ipv4;
    const r = parseIpv4(pkt);
    if (!r.ok) return c.drop(r.reason);
    const h = r.value;
    const dk = ipv4Key(h.dst);
    let unicast = true;
    // RFC 1122 §3.2.1.3(g): 127/8 must never appear on a link; it is only valid looped back inside the host.
    if ((h.dst[0] === 127 || h.src[0] === 127) && !this.fromLoopback) return c.drop('martian-loopback');
    if (!this.table.isLocalKey(dk) && h.dst[0] !== 127) {
      if (dk === 0xffffffff || this.table.isDirectedBroadcast(h.dst)) unicast = false;
      else if ((h.dst[0] & 0xf0) === 0xe0) {
        if (!this.groups.hasIpKey(dk)) return c.drop('not-joined');
        unicast = false;
      } else return c.drop('not-for-us');
    }
    // RFC 1122 §3.3.6: a unicast datagram that arrived in a link-layer broadcast is discarded.
    if (unicast && linkGroup) return c.drop('link-broadcast');
    // RFC 1122 §3.2.1.3: a source must be a unicast address (0.0.0.0 is allowed for DHCP-like uses).
    if ((h.src[0] & 0xf0) >= 0xe0) return c.drop('bad-source');
    if (h.moreFragments || h.fragOffset !== 0) {
      const key = `${ipv4Key(h.src)}:${dk}:${h.protocol}:${h.ident}`;
      const data = pkt.subarray(h.headerLen, h.totalLen);
      const ctx = h.fragOffset === 0 ? pkt.subarray(0, Math.min(h.totalLen, h.headerLen + 8)) : null;
      const full = this.reassemble(
        this.reassembly4,
        key,
        h.fragOffset,
        h.moreFragments,
        data,
        IPV4_HEADER_LEN,
        ctx,
      );
      if (full === null) return;
      emitIpv4Header(
        {
          totalLen: full.length,
          ident: h.ident,
          protocol: h.protocol,
          src: h.src,
          dst: h.dst,
          ttl: h.ttl,
          tos: h.tos,
        },
        full,
        0,
      );
      c.in++;
      return this.dispatch4(h.protocol, full.subarray(12, 16), full.subarray(16, 20), full, 20, unicast);
    }
    c.in++;
    this.dispatch4(h.protocol, h.src, h.dst, pkt.subarray(0, h.totalLen), h.headerLen, unicast);
  }

  /**
   * Adds a fragment to `r` and counts it: the whole datagram (with `headerRoom` free bytes in front) when
   * it completes, else null (still pending, or dropped and counted).
   */
  private reassemble(
    r: Reassembler,
    key: string,
    offset: number,
    more: boolean,
    data: Uint8Array,
    headerRoom: number,
    ctx: Uint8Array | null,
  ): Uint8Array | null {
    const c = this.counters.reassembly;
    const res = r.add(key, offset, more, data, this.now, headerRoom, ctx);
    if (res.status === 'dropped') {
      c.drop(res.reason);
      return null;
    }
    c.in++;
    if (res.status === 'pending') return null;
    c.out++;
    return res.packet;
  }

  private dispatch4(
    protocol: number,
    src: Uint8Array,
    dst: Uint8Array,
    pkt: Uint8Array,
    headerLen: number,
    unicast: boolean,
  ) {
    const payload = pkt.subarray(headerLen);
    if (protocol === IPPROTO_ICMP) return ingressIcmpv4(this.icmpHost, src, dst, payload, unicast);
    const t = this.transports.get(protocol);
    if (!t) {
      this.counters.ipv4.drop('unknown-protocol');
      if (unicast) sendIcmpError4(this.icmpHost, ICMPV4.DEST_UNREACHABLE, UNREACH.PROTOCOL, 0, pkt);
      return;
    }
    // A transport returns `false` when no endpoint wants the datagram (UDP): answer port unreachable.
    const accepted = t.receive(src, dst, payload, this.now) as unknown;
    if (accepted === false && unicast)
      sendIcmpError4(this.icmpHost, ICMPV4.DEST_UNREACHABLE, UNREACH.PORT, 0, pkt);
  }

  /** The MTU towards `dst`: the link MTU unless a smaller path MTU was learned (RFC 1191, RFC 8201). */
  pathMtu(dst: IpAddress): number {
    return this.pathMtus.get(dst, this.now);
  }

  private ingressIpv6(pkt: Uint8Array, reassembled = false): void {
    const c = this.counters.ipv6;
    const r = parseIpv6(pkt);
    if (!r.ok) {
      c.drop(r.reason);
      return;
    }
    const h = r.value;
    const dk = ipKey(h.dst);
    let unicast = true;
    // RFC 4291 §2.5.3: ::1 is never sent on a link.
    if ((isLoopbackV6(h.dst) || isLoopbackV6(h.src)) && !this.fromLoopback) {
      c.drop('martian-loopback');
      return;
    }
    if (!this.table.isLocalKey(dk) && !isLoopbackV6(h.dst)) {
      if (h.dst[0] !== 0xff) {
        c.drop('not-for-us');
        return;
      }
      if (!this.groups.hasIpKey(dk)) {
        c.drop('not-joined');
        return;
      }
      unicast = false;
    }
    if (h.src[0] === 0xff) {
      c.drop('bad-source');
      return;
    }
    if (h.fragment) {
      // RFC 8200 §4.1: one fragment header at most. A reassembled packet that holds another one would make
      // each layer of nesting a new reassembly (and a recursion): refuse it.
      if (reassembled) {
        this.counters.reassembly.drop('nested-fragment');
        return;
      }
      const f = h.fragment;
      const key = `${ipKey(h.src)}:${dk}:${f.ident}`;
      const ctx = f.fragOffset === 0 ? pkt.subarray(0, Math.min(h.end, f.headerOffset + 8 + 8)) : null;
      const data = pkt.subarray(h.payloadOffset, h.end);
      const full = this.reassemble(
        this.reassembly6,
        key,
        f.fragOffset,
        f.moreFragments,
        data,
        IPV6_HEADER_LEN,
        ctx,
      );
      if (full === null) return;
      // Rebuild a plain header (the unfragmentable extension headers, if any, were only for transit) and walk
      // the fragmentable part's own headers again.
      emitIpv6Header(
        {
          payloadLen: full.length - IPV6_HEADER_LEN,
          nextHeader: f.nextHeader,
          src: h.src,
          dst: h.dst,
          hopLimit: h.hopLimit,
        },
        full,
        0,
      );
      this.ingressIpv6(full, true);
      return;
    }
    c.in++;
    const payload = pkt.subarray(h.payloadOffset, h.end);
    const whole = pkt.subarray(0, h.end);
    if (h.protocol === IPPROTO_ICMPV6) {
      ingressIcmpv6(this.icmpHost, h.src, h.dst, payload, h.hopLimit, unicast);
      return;
    }
    if (h.protocol === NH_NONE) return;
    const t = this.transports.get(h.protocol);
    if (!t) {
      c.drop('unknown-protocol');
      // RFC 8200 §4: Parameter Problem code 1 pointing at the unrecognized Next Header field.
      if (unicast) sendIcmpError6(this.icmpHost, ICMPV6.PARAMETER_PROBLEM, 1, h.nextHeaderFieldOffset, whole);
      return;
    }
    const accepted = t.receive(h.src, h.dst, payload, this.now) as unknown;
    if (accepted === false && unicast)
      sendIcmpError6(this.icmpHost, ICMPV6.DEST_UNREACHABLE, UNREACH6_PORT, 0, whole);
  }

  // ---------------------------------------------------------------- egress

  private flush(frames: Uint8Array[], mac: Uint8Array): void {
    for (const f of frames) {
      f.set(mac.subarray(0, 6), 0);
      this.emitFrame(f);
    }
  }

  private emitFrame(f: Uint8Array): void {
    this.counters.ethernet.out++;
    this.emitHook(f);
  }

  private sendIpv4(
    protocol: number,
    src: Uint8Array,
    dst: Uint8Array,
    payload: Uint8Array,
    opts: IpSendOptions | undefined,
    forceMac: Uint8Array | null,
  ): true | SendFailure {
    const c = this.counters.ipv4;
    if (IPV4_HEADER_LEN + payload.length > 65535) return 'too-big';
    const dk = ipv4Key(dst);
    const ident = this.ident4;
    this.ident4 = (this.ident4 + 1) & 0xffff;
    const f: DatagramFields = { protocol, src, dst, ttl: opts?.ttl ?? 64, tos: opts?.tos ?? 0 };
    if (this.table.isLocalKey(dk) || dst[0] === 127) return this.loopback(f, ident, payload, c);
    let mac = forceMac;
    let hop: Uint8Array | null = null;
    if (!mac) {
      if (dk === 0xffffffff || this.table.isDirectedBroadcast(dst)) mac = BROADCAST_MAC;
      else if ((dst[0] & 0xf0) === 0xe0) mac = multicastMacFor(dst);
      else {
        hop = this.nextHop(dst, c);
        if (!hop) return 'no-route';
        mac = this.arp.lookup(ipv4Key(hop), this.now);
      }
    }
    const mtu = this.pathMtu(dst);
    const fits = IPV4_HEADER_LEN + payload.length <= mtu;
    if (!fits && opts?.dontFragment) {
      c.drop('too-big');
      return 'too-big';
    }
    const frames = buildIpv4Frames(f, ident, opts?.dontFragment ?? false, payload, mtu, mac, this.mac);
    return this.transmit(frames, !fits, c, mac, hop, this.arp);
  }

  private sendIpv6(
    protocol: number,
    src: Uint8Array,
    dst: Uint8Array,
    payload: Uint8Array,
    opts: IpSendOptions | undefined,
    forceMac: Uint8Array | null,
  ): true | SendFailure {
    const c = this.counters.ipv6;
    if (payload.length > 65535) return 'too-big';
    const f: DatagramFields = { protocol, src, dst, ttl: opts?.ttl ?? 64, tos: opts?.tos ?? 0 };
    if (this.table.isLocalKey(ipKey(dst)) || isLoopbackV6(dst)) return this.loopback(f, 0, payload, c);
    let mac = forceMac;
    let hop: Uint8Array | null = null;
    if (!mac) {
      if (dst[0] === 0xff) mac = multicastMacFor(dst);
      else {
        hop = this.nextHop(dst, c);
        if (!hop) return 'no-route';
        mac = this.ndp.lookup(ipKey(hop), this.now);
      }
    }
    const mtu = this.pathMtu(dst);
    const fits = IPV6_HEADER_LEN + payload.length <= mtu;
    let ident = 0;
    if (!fits) {
      // IPv6 routers never fragment; hosts fragment at the source (RFC 8200 §4.5) unless the transport does
      // its own sizing (TCP passes dontFragment).
      if (opts?.dontFragment) {
        c.drop('too-big');
        return 'too-big';
      }
      ident = this.ident6;
      this.ident6 = (this.ident6 + 1) >>> 0;
    }
    const frames = buildIpv6Frames(f, ident, payload, mtu, mac, this.mac);
    return this.transmit(frames, !fits, c, mac, hop, this.ndp);
  }

  /** The next hop towards unicast `dst`, or null after counting a 'no-route' drop on `c`. */
  private nextHop(dst: Uint8Array, c: LayerCounters): Uint8Array | null {
    const hop = this.table.nextHop(dst);
    if (!hop) c.drop('no-route');
    return hop;
  }

  /** Queues a datagram to one of our own addresses; it is delivered by the next drain (receive or poll). */
  private loopback(f: DatagramFields, ident: number, payload: Uint8Array, c: LayerCounters): true {
    this.loopQueue.push(buildLoopbackPacket(f, ident, payload));
    this.counters.loopback.out++;
    c.out++;
    return true;
  }

  /**
   * Counts a sent datagram (`c`, and fragmentation when it was split) and sends its frames when the
   * destination MAC is known, or queues them on the neighbour entry of `hop`.
   */
  private transmit(
    frames: Uint8Array[],
    fragmented: boolean,
    c: LayerCounters,
    mac: Uint8Array | null,
    hop: Uint8Array | null,
    cache: NeighborCache,
  ): true | SendFailure {
    if (fragmented) {
      this.counters.fragmentation.in++;
      this.counters.fragmentation.out += frames.length;
    }
    c.out++;
    if (mac) {
      for (const f of frames) this.emitFrame(f);
      return true;
    }
    const key = ipKey(hop!);
    let ok = true;
    for (const f of frames) if (!cache.enqueue(key, hop!, f, this.now)) ok = false;
    return ok ? true : 'queue-full';
  }
}

function sameMac(buf: Uint8Array, off: number, mac: Uint8Array): boolean {
  return (
    buf[off] === mac[0] &&
    buf[off + 1] === mac[1] &&
    buf[off + 2] === mac[2] &&
    buf[off + 3] === mac[3] &&
    buf[off + 4] === mac[4] &&
    buf[off + 5] === mac[5]
  );
}

function isLoopbackAddress(a: Uint8Array): boolean {
  return a.length === 4 ? a[0] === 127 : isLoopbackV6(a);
}

function isLoopbackV6(a: Uint8Array): boolean {
  for (let i = 0; i < 15; i++) if (a[i] !== 0) return false;
  return a[15] === 1;
}
