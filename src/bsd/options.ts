/**
 * `setsockopt` / `getsockopt` for one socket {@link Entry}: SOL_SOCKET, IPPROTO_TCP, IPPROTO_IP and
 * IPPROTO_IPV6 options mapped onto the stack's TCP connection and UDP endpoint (Linux semantics: buffer sizes
 * reported doubled, SO_ERROR cleared by reading, IPV6_V6ONLY only before bind).
 * @module
 */

import { MultiUdp } from '../dgram/udp-endpoint.ts';
import { parseIp, toV4Mapped } from '../stack/wire/ip-address.ts';
import * as K from './constants.ts';
import type { Entry, Linger } from './entry.ts';

/** `struct ip_mreq` / `struct ipv6_mreq` with text addresses (the interface is ignored: one interface). */
export interface MembershipRequest {
  imr_multiaddr?: string;
  imr_interface?: string;
  ipv6mr_multiaddr?: string;
  ipv6mr_interface?: number;
}

/**
 * A value for `setsockopt`: an int (booleans count as 0/1), a {@link Linger}, or a multicast group for the
 * membership options (the group's text, or a {@link MembershipRequest}).
 */
export type SockOptValue = number | boolean | Linger | string | MembershipRequest;

/** A multicast group given as text, in the socket's family (IPv4 groups on AF_INET6 sockets are v4-mapped). */
function groupFor(e: Entry, text: string): Uint8Array | null {
  const ip = parseIp(text.split('%')[0]);
  if (!ip) return null;
  if (e.domain === K.AF_INET) return ip.length === 4 ? ip : null;
  return ip.length === 4 ? toV4Mapped(ip) : ip;
}

/** Applies `setsockopt` to `e`: 0, or the errno (positive) of the failure. */
export function setOption(e: Entry, level: number, name: number, value: SockOptValue): number {
  const int = typeof value === 'boolean' ? (value ? 1 : 0) : typeof value === 'number' ? value : Number.NaN;
  const needInt = () => Number.isInteger(int);
  const c = e.conn;
  switch (level) {
    case K.SOL_SOCKET:
      switch (name) {
        case K.SO_REUSEADDR:
        case K.SO_REUSEPORT:
          if (!needInt()) return K.EINVAL;
          e.reuseAddr = int !== 0;
          return 0;
        case K.SO_KEEPALIVE:
          if (!needInt()) return K.EINVAL;
          e.keepAlive = int !== 0;
          if (c) c.setKeepAlive(e.keepAlive, e.keepIdle * 1000);
          return 0;
        case K.SO_BROADCAST:
          if (!needInt()) return K.EINVAL;
          if (e.udp) e.udp.broadcast = int !== 0;
          return 0;
        case K.SO_RCVBUF:
        case K.SO_SNDBUF:
          if (!needInt() || int < 0) return K.EINVAL;
          // Linux doubles the value (room for bookkeeping) and getsockopt reports the doubled size.
          if (name === K.SO_RCVBUF) {
            e.rcvbuf = Math.max(2304, int * 2);
            e.rcvbufSet = true;
          } else {
            e.sndbuf = Math.max(4608, int * 2);
            e.sndbufSet = true;
          }
          return 0;
        case K.SO_LINGER:
          if (typeof value !== 'object' || value === null || !('l_onoff' in value)) return K.EINVAL;
          e.linger = { l_onoff: value.l_onoff ? 1 : 0, l_linger: Math.max(0, value.l_linger | 0) };
          return 0;
        case K.SO_RCVTIMEO:
        case K.SO_SNDTIMEO:
          if (!needInt() || int < 0) return K.EINVAL;
          if (name === K.SO_RCVTIMEO) e.rcvTimeo = int;
          else e.sndTimeo = int;
          return 0;
        default:
          return K.ENOPROTOOPT;
      }
    case K.IPPROTO_TCP:
      if (e.type !== K.SOCK_STREAM) return K.ENOPROTOOPT;
      if (!needInt()) return K.EINVAL;
      switch (name) {
        case K.TCP_NODELAY:
          e.noDelay = int !== 0;
          if (c) c.setNoDelay(e.noDelay);
          return 0;
        case K.TCP_KEEPIDLE:
        case K.TCP_KEEPINTVL:
        case K.TCP_KEEPCNT:
          if (int < 1) return K.EINVAL;
          if (name === K.TCP_KEEPIDLE) e.keepIdle = int;
          else if (name === K.TCP_KEEPINTVL) e.keepIntvl = int;
          else e.keepCnt = int;
          if (c) {
            c.keepAliveInterval = e.keepIntvl * 1000;
            c.keepAliveCount = e.keepCnt;
            if (e.keepAlive) c.setKeepAlive(true, e.keepIdle * 1000);
          }
          return 0;
        case K.TCP_USER_TIMEOUT:
          if (int < 0) return K.EINVAL;
          e.userTimeout = int;
          if (c && int > 0) c.setUserTimeout(int);
          return 0;
        case K.TCP_MAXSEG:
          return 0; // accepted: the MSS follows the interface MTU and path MTU discovery
        default:
          return K.ENOPROTOOPT;
      }
    case K.IPPROTO_IP:
    case K.IPPROTO_IPV6:
      return setIpOption(e, level, name, value, int);
    default:
      return K.ENOPROTOOPT;
  }
}

/** Reads `getsockopt` of `e`: an int (negative = -errno) or a {@link Linger}; SO_ERROR clears the pending error. */
export function getOption(e: Entry, level: number, name: number): number | Linger {
  const b = (x: boolean) => (x ? 1 : 0);
  if (level === K.SOL_SOCKET) {
    switch (name) {
      case K.SO_TYPE:
        return e.type;
      case K.SO_DOMAIN:
        return e.domain;
      case K.SO_PROTOCOL:
        return e.protocol;
      case K.SO_ERROR: {
        const err = e.error;
        e.error = 0;
        return err;
      }
      case K.SO_ACCEPTCONN:
        return b(e.listener !== null);
      case K.SO_REUSEADDR:
      case K.SO_REUSEPORT:
        return b(e.reuseAddr);
      case K.SO_KEEPALIVE:
        return b(e.keepAlive);
      case K.SO_BROADCAST:
        return b(e.udp?.broadcast ?? false);
      case K.SO_RCVBUF:
        return e.rcvbuf;
      case K.SO_SNDBUF:
        return e.sndbuf;
      case K.SO_LINGER:
        return { ...e.linger };
      case K.SO_RCVTIMEO:
        return e.rcvTimeo;
      case K.SO_SNDTIMEO:
        return e.sndTimeo;
      default:
        return -K.ENOPROTOOPT;
    }
  }
  if (level === K.IPPROTO_TCP && e.type === K.SOCK_STREAM) {
    switch (name) {
      case K.TCP_NODELAY:
        return b(e.conn ? e.conn.noDelay : e.noDelay);
      case K.TCP_KEEPIDLE:
        return e.keepIdle;
      case K.TCP_KEEPINTVL:
        return e.keepIntvl;
      case K.TCP_KEEPCNT:
        return e.keepCnt;
      case K.TCP_USER_TIMEOUT:
        return e.userTimeout;
      case K.TCP_MAXSEG:
        return e.conn ? e.conn.stats().mss : 536;
      default:
        return -K.ENOPROTOOPT;
    }
  }
  if (level === K.IPPROTO_IP || level === K.IPPROTO_IPV6) {
    const u = e.udp;
    switch (name) {
      case K.IP_TTL:
      case K.IPV6_UNICAST_HOPS:
        return u ? u.ttl : 64;
      case K.IP_MULTICAST_TTL:
      case K.IPV6_MULTICAST_HOPS:
        return u ? u.multicastTtl : 1;
      case K.IP_MULTICAST_LOOP:
      case K.IPV6_MULTICAST_LOOP:
        return b(u ? u.multicastLoopback : true);
      case K.IPV6_V6ONLY:
        if (level === K.IPPROTO_IPV6 && e.domain === K.AF_INET6) return b(e.v6only);
        break;
      case K.IP_TOS:
        if (level === K.IPPROTO_IP) return e.tos;
        break;
    }
  }
  return -K.ENOPROTOOPT;
}

function setIpOption(e: Entry, level: number, name: number, value: SockOptValue, int: number): number {
  const u = e.udp;
  const v6 = level === K.IPPROTO_IPV6;
  if (v6 && e.domain !== K.AF_INET6) return K.ENOPROTOOPT;
  switch (name) {
    case K.IPV6_V6ONLY:
      if (!v6) break;
      if (!Number.isInteger(int)) return K.EINVAL;
      if (e.localPort !== 0) return K.EINVAL;
      e.v6only = int !== 0;
      if (u) u.ipv6Only = e.v6only;
      return 0;
    case K.IP_TOS:
      if (v6) break;
      e.tos = int & 0xff;
      return 0;
    case K.IP_TTL:
    case K.IPV6_UNICAST_HOPS:
      if (!Number.isInteger(int) || int < -1 || int > 255 || int === 0) return K.EINVAL;
      if (u) u.ttl = int === -1 ? 64 : int;
      return 0;
    case K.IP_MULTICAST_TTL:
    case K.IPV6_MULTICAST_HOPS:
      if (!Number.isInteger(int) || int < -1 || int > 255) return K.EINVAL;
      if (u) u.multicastTtl = int === -1 ? 1 : int;
      return 0;
    case K.IP_MULTICAST_LOOP:
    case K.IPV6_MULTICAST_LOOP:
      if (!Number.isInteger(int)) return K.EINVAL;
      if (u) u.multicastLoopback = int !== 0;
      return 0;
    case K.IP_MULTICAST_IF: {
      // One network: any choice is it. Several (node.bsd): the network that has the address (struct in_addr
      // as text, or an ip_mreq's imr_interface).
      if (v6 || !(u instanceof MultiUdp)) return 0;
      const text =
        typeof value === 'string'
          ? value
          : typeof value === 'object' && value !== null
            ? (value as MembershipRequest).imr_interface
            : undefined;
      const ip = typeof text === 'string' ? parseIp(text) : null;
      if (ip?.length !== 4) return K.EINVAL;
      return u.setMulticastInterface(ip) ? 0 : K.EADDRNOTAVAIL;
    }
    case K.IPV6_MULTICAST_IF:
      return 0; // an interface index: each network is one interface, and the index is not modelled
    case K.IP_ADD_MEMBERSHIP:
    case K.IP_DROP_MEMBERSHIP:
    case K.IPV6_JOIN_GROUP:
    case K.IPV6_LEAVE_GROUP: {
      if (!u) return K.ENOPROTOOPT;
      const text =
        typeof value === 'string'
          ? value
          : typeof value === 'object' && value !== null
            ? ((value as MembershipRequest).imr_multiaddr ?? (value as MembershipRequest).ipv6mr_multiaddr)
            : undefined;
      if (typeof text !== 'string') return K.EINVAL;
      const g = groupFor(e, text);
      if (!g) return K.EINVAL;
      const join = name === K.IP_ADD_MEMBERSHIP || name === K.IPV6_JOIN_GROUP;
      try {
        if (join) u.addMembership(g);
        else if (!u.dropMembership(g)) return K.EADDRNOTAVAIL;
      } catch {
        return K.EINVAL;
      }
      return 0;
    }
  }
  return K.ENOPROTOOPT;
}
