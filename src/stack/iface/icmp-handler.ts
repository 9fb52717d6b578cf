/**
 * ICMP of the interface (RFC 792, RFC 1122 §3.2.2, RFC 4443): answering echo requests, reporting echo
 * replies, obeying IPv4 Redirects, passing errors about our own datagrams to their transports (and learning
 * path MTUs from them, RFC 1191 / RFC 8201), sending rate-limited errors about datagrams we cannot deliver,
 * and handing NDP messages to ndp-handler.ts. The interface owns the state; this module holds the rules.
 * @module
 */

import type { IcmpErrorKind, IpAddress, SendFailure, TransportProtocol } from '../types.ts';
import { ETH_HEADER_LEN, ETHERTYPE_IPV4 } from '../wire/ethernet.ts';
import { emitIcmpv4, ICMPV4, icmpv4ErrorKind, parseIcmpv4 } from '../wire/icmpv4.ts';
import { emitIcmpv6, ICMPV6, icmpv6ErrorKind, parseIcmpv6 } from '../wire/icmpv6.ts';
import { ipEqual, isUnspecified } from '../wire/ip-address.ts';
import { parseIpv4Quote } from '../wire/ipv4.ts';
import { parseIpv6Quote } from '../wire/ipv6.ts';
import type { StackCounters } from './counters.ts';
import type { TokenBucket } from './icmp-errors.ts';
import { ICMPV4_MAX_QUOTE, ICMPV6_MAX_QUOTE, icmpv4ErrorAllowed, icmpv6ErrorAllowed } from './icmp-errors.ts';
import type { NdpHost } from './ndp-handler.ts';
import { handleNa, handleNs, handleRedirect } from './ndp-handler.ts';
import type { PathMtuCache } from './path-mtu.ts';
import type { RoutingTable } from './routes.ts';

/** What the ICMP rules need from the interface. */
export interface IcmpHost {
  readonly counters: StackCounters;
  readonly table: RoutingTable;
  readonly transports: Map<number, TransportProtocol>;
  readonly pathMtus: PathMtuCache;
  /** The rate limit shared by ICMPv4 and ICMPv6 errors. */
  readonly errorBucket: TokenBucket;
  /** The interface as the NDP rules see it. */
  readonly ndp: NdpHost;
  /** The interface clock. */
  now(): number;
  isLocal(addr: IpAddress): boolean;
  isBroadcast(addr: IpAddress): boolean;
  sourceFor(dst: IpAddress): IpAddress | null;
  /** Reports an echo reply to the application (`Interface.onEchoReply`). */
  echoReply(src: IpAddress, id: number, seq: number, data: Uint8Array, now: number): void;
  /** Sends an ICMPv4 message with default options. */
  sendIpv4(src: IpAddress, dst: IpAddress, msg: Uint8Array): true | SendFailure;
  /** Sends an ICMPv6 message with default options. */
  sendIpv6(src: IpAddress, dst: IpAddress, msg: Uint8Array): true | SendFailure;
}

/** Handles an ICMPv4 message addressed to us (`unicast`: not to a broadcast or multicast address). */
export function ingressIcmpv4(
  h: IcmpHost,
  src: Uint8Array,
  dst: Uint8Array,
  b: Uint8Array,
  unicast: boolean,
) {
  const c = h.counters.icmpv4;
  const r = parseIcmpv4(b);
  if (!r.ok) return c.drop(r.reason);
  const m = r.value;
  c.in++;
  switch (m.type) {
    case ICMPV4.ECHO_REQUEST: {
      // Like Linux's icmp_echo_ignore_broadcasts=1 (RFC 1122 §3.2.2.6 allows it): only unicast is answered.
      if (!unicast) return c.drop('broadcast-echo');
      c.out++;
      h.sendIpv4(dst, src, emitIcmpv4(ICMPV4.ECHO_REPLY, 0, m.rest, m.body));
      return;
    }
    case ICMPV4.ECHO_REPLY:
      h.echoReply(src, m.rest >>> 16, m.rest & 0xffff, m.body, h.now());
      return;
    case ICMPV4.REDIRECT:
      return ingressRedirect4(h, src, m.rest, m.body);
    default: {
      const kind = icmpv4ErrorKind(m.type, m.code);
      if (!kind) return c.drop('unhandled-type');
      const q = parseIpv4Quote(m.body);
      if (!q.ok) return c.drop(`quote-${q.reason}`);
      if (!h.isLocal(q.value.src)) return c.drop('quote-not-ours');
      // A quoted non-first fragment carries payload bytes, not the transport header the transport would read.
      if (((m.body[6] << 8) | m.body[7]) & 0x1fff) return c.drop('quote-non-first-fragment');
      const mtu = kind === 'frag-needed' ? m.rest & 0xffff : undefined;
      icmpToTransport(
        h,
        kind,
        q.value.protocol,
        q.value.src,
        q.value.dst,
        m.body.subarray(q.value.headerLen),
        mtu,
      );
    }
  }
}

/**
 * ICMP Redirect (RFC 792; a host MUST obey it, RFC 1122 §3.2.2.2, treating network redirects as host
 * redirects, §3.3.1.2). Accepted only from the gateway we currently use for the quoted destination, and
 * only towards a gateway on our link.
 */
function ingressRedirect4(h: IcmpHost, src: Uint8Array, rest: number, body: Uint8Array) {
  const c = h.counters.icmpv4;
  const q = parseIpv4Quote(body);
  if (!q.ok) return c.drop(`quote-${q.reason}`);
  if (!h.isLocal(q.value.src)) return c.drop('quote-not-ours');
  const target = q.value.dst.slice();
  const current = h.table.nextHop(target);
  if (!current || !ipEqual(current, src)) return c.drop('redirect-not-from-gateway');
  const gw = new Uint8Array([rest >>> 24, (rest >>> 16) & 0xff, (rest >>> 8) & 0xff, rest & 0xff]);
  if (
    isUnspecified(gw) ||
    (gw[0] & 0xf0) >= 0xe0 ||
    h.isLocal(gw) ||
    h.isBroadcast(gw) ||
    !h.table.isOnLink(gw)
  )
    return c.drop('redirect-bad-gateway');
  h.table.addRedirect(target, gw);
}

/** Handles an ICMPv6 message addressed to us (NDP messages go to ndp-handler.ts). */
export function ingressIcmpv6(
  h: IcmpHost,
  src: Uint8Array,
  dst: Uint8Array,
  b: Uint8Array,
  hopLimit: number,
  unicast: boolean,
) {
  const c = h.counters.icmpv6;
  const r = parseIcmpv6(b, src, dst);
  if (!r.ok) return c.drop(r.reason);
  const m = r.value;
  c.in++;
  switch (m.type) {
    case ICMPV6.ECHO_REQUEST: {
      // RFC 4443 §4.2: a reply to a multicast request comes from one of our unicast addresses.
      const from = unicast ? dst : h.sourceFor(src);
      if (!from) return c.drop('no-source');
      c.out++;
      h.sendIpv6(from, src, emitIcmpv6(ICMPV6.ECHO_REPLY, 0, m.rest, m.body, from, src));
      return;
    }
    case ICMPV6.ECHO_REPLY:
      h.echoReply(src, m.rest >>> 16, m.rest & 0xffff, m.body, h.now());
      return;
    case ICMPV6.NEIGHBOR_SOLICITATION:
      return handleNs(h.ndp, src, dst, m.code, m.body, hopLimit);
    case ICMPV6.NEIGHBOR_ADVERTISEMENT:
      return handleNa(h.ndp, dst, m.code, m.rest, m.body, hopLimit);
    case ICMPV6.REDIRECT:
      return handleRedirect(h.ndp, src, m.code, m.body, hopLimit);
    default: {
      const kind = icmpv6ErrorKind(m.type, m.code);
      if (!kind) return c.drop('unhandled-type');
      const q = parseIpv6Quote(m.body);
      if (!q.ok) return c.drop(`quote-${q.reason}`);
      if (!h.isLocal(q.value.src)) return c.drop('quote-not-ours');
      const mtu = kind === 'frag-needed' ? m.rest : undefined;
      icmpToTransport(
        h,
        kind,
        q.value.protocol,
        q.value.src,
        q.value.dst,
        m.body.subarray(q.value.payloadOffset),
        mtu,
      );
    }
  }
}

/**
 * Tells the transport of `protocol` about an error on its datagram `src → dst` (`quoted`: its transport
 * header onwards). For 'frag-needed' the path MTU is learned first and the transport hears the MTU now
 * in effect (a larger report than what we use changes nothing).
 */
export function icmpToTransport(
  h: IcmpHost,
  kind: IcmpErrorKind,
  protocol: number,
  src: Uint8Array,
  dst: Uint8Array,
  quoted: Uint8Array,
  mtu?: number,
): void {
  if (kind === 'frag-needed' && mtu !== undefined) {
    h.pathMtus.learn(dst, mtu, h.now());
    mtu = h.pathMtus.get(dst, h.now());
  }
  const t = h.transports.get(protocol);
  if (t) t.icmpError(kind, src, dst, quoted, h.now(), mtu);
}

/** Frames that waited for a neighbour that never answered: tell their transports (RFC 1122 §2.3.2.2). */
export function reportUnresolved(h: IcmpHost, pending: Uint8Array[], c: { drop(r: string): void }): void {
  for (const f of pending) {
    c.drop('unresolved');
    const type = (f[12] << 8) | f[13];
    const ip = f.subarray(ETH_HEADER_LEN);
    if (type === ETHERTYPE_IPV4) {
      const q = parseIpv4Quote(ip);
      if (q.ok && ((ip[6] << 8) | ip[7]) & 0x1fff) continue; // a non-first fragment quotes no transport header
      if (q.ok)
        icmpToTransport(
          h,
          'host-unreachable',
          q.value.protocol,
          q.value.src,
          q.value.dst,
          ip.subarray(q.value.headerLen),
        );
    } else {
      const q = parseIpv6Quote(ip);
      if (q.ok)
        icmpToTransport(
          h,
          'host-unreachable',
          q.value.protocol,
          q.value.src,
          q.value.dst,
          ip.subarray(q.value.payloadOffset),
        );
    }
  }
}

/** Sends an ICMPv4 error about `pkt` (a whole received datagram, header first). */
export function sendIcmpError4(h: IcmpHost, type: number, code: number, rest: number, pkt: Uint8Array): void {
  sendIcmpError(h, 4, type, code, rest, pkt);
}

/** Sends an ICMPv6 error about `pkt` (a whole received packet). */
export function sendIcmpError6(h: IcmpHost, type: number, code: number, rest: number, pkt: Uint8Array): void {
  sendIcmpError(h, 6, type, code, rest, pkt);
}

/**
 * The error rules both versions share: only when allowed about `pkt` (icmp-errors.ts), within the rate
 * limit, back to `pkt`'s source, from `pkt`'s destination if that is ours (else our best source), quoting
 * as much of `pkt` as the version allows.
 */
function sendIcmpError(
  h: IcmpHost,
  v: 4 | 6,
  type: number,
  code: number,
  rest: number,
  pkt: Uint8Array,
): void {
  if (!(v === 4 ? icmpv4ErrorAllowed(pkt) : icmpv6ErrorAllowed(pkt))) return;
  const c = v === 4 ? h.counters.icmpv4 : h.counters.icmpv6;
  if (!h.errorBucket.take(h.now())) {
    c.drop('rate-limited');
    return;
  }
  // Source and destination address fields: IPv4 header bytes 12..16 and 16..20, IPv6 8..24 and 24..40.
  const [srcAt, dstAt, len] = v === 4 ? [12, 16, 4] : [8, 24, 16];
  const src = pkt.slice(srcAt, srcAt + len);
  const from = h.isLocal(pkt.subarray(dstAt, dstAt + len)) ? pkt.slice(dstAt, dstAt + len) : h.sourceFor(src);
  if (!from) return;
  c.out++;
  if (v === 4) {
    h.sendIpv4(
      from,
      src,
      emitIcmpv4(type, code, rest, pkt.subarray(0, Math.min(pkt.length, ICMPV4_MAX_QUOTE))),
    );
  } else {
    const quote = pkt.subarray(0, Math.min(pkt.length, ICMPV6_MAX_QUOTE));
    h.sendIpv6(from, src, emitIcmpv6(type, code, rest, quote, from, src));
  }
}
