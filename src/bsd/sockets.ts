/**
 * BSD-style socket calls over one stack, or over every joined network of a node (`node.bsd` in the public API;
 * libzt's `zts_bsd_*`, libzt-notes.md §1d; the network is chosen by route, src/net/route-choice.ts): numeric
 * file descriptors, results `>= 0` on success and `-errno` on failure (Linux values from
 * `constants.ts`), plus `errno` holding the last failure like libzt's `zts_errno` (per instance, never global).
 *
 * Calls that can block (`accept`, `connect`, `send`, `recv`, `sendto`, `recvfrom`, `poll`) return Promises. On a
 * blocking socket they settle when the call would return in C (honouring SO_RCVTIMEO / SO_SNDTIMEO, in ms
 * here); on a non-blocking one (`SOCK_NONBLOCK`, `fcntl(F_SETFL, O_NONBLOCK)` or `MSG_DONTWAIT`) they settle
 * at once with `-EAGAIN` / `-EINPROGRESS`. The other calls are synchronous.
 *
 * Addresses are text (`'10.147.17.5'`, `'fd00::5'`, `'::ffff:10.147.17.5'` for IPv4 on an AF_INET6 socket)
 * plus a port; calls that return an address fill a {@link SockAddr} passed in, as C fills a `sockaddr`.
 *
 * The layer is a thin mapping: a stream socket is a stack {@link TcpConnection} (pull mode, so unread data
 * closes the advertised window) or a {@link TcpListener}; a datagram socket is a stack `UdpSocket`.
 * Known differences from Linux: an AF_INET listener on the wildcard address resets IPv6 connections after
 * their handshake instead of never answering them (the stack's listener is family-blind); SO_LINGER with a
 * non-zero time closes gracefully in the background.
 * @module
 */

import { stacksOf } from '../dgram/binding.ts';
import { MultiUdp, openUdp } from '../dgram/udp-endpoint.ts';
import { chooseLocal, chooseRoute, nativeAddress } from '../net/route-choice.ts';
import type { Stack } from '../stack/stack.ts';
import type { TcpConnection } from '../stack/tcp/index.ts';
import { udpErrno } from '../stack/udp.ts';
import {
  formatIp,
  IPV4_ANY,
  IPV6_ANY,
  ipEqual,
  isUnspecified,
  isV4Mapped,
  parseIp,
  toV4Mapped,
} from '../stack/wire/ip-address.ts';
import type { BsdBinding, TcpStackRef } from './binding.ts';
import * as K from './constants.ts';
import { Entry, type Linger } from './entry.ts';
import { ListenerSet } from './listener-set.ts';
import { getOption, type SockOptValue, setOption } from './options.ts';

export type { MembershipRequest, SockOptValue } from './options.ts';

/** A socket address filled in by `accept`, `recvfrom`, `getsockname` and `getpeername`. */
export interface SockAddr {
  /** AF_INET or AF_INET6. */
  family: number;
  /** Text form (`'10.0.0.1'`, `'fd00::1'`, `'::ffff:10.0.0.1'`). */
  address: string;
  port: number;
}

/** One entry of `poll`: `revents` is written. */
export interface PollFd {
  fd: number;
  events: number;
  revents: number;
}

/** An empty {@link SockAddr} to pass as an out-parameter. */
export function sockaddr(): SockAddr {
  return { family: K.AF_UNSPEC, address: '', port: 0 };
}

/** Options of {@link BsdSockets}. */
export interface BsdOptions {
  /** Most open descriptors (EMFILE beyond); default 1024, as libzt's ZTS_FD_SETSIZE. */
  maxFds?: number;
}

/** `select`'s set update: `fd` stays in `set` when ready (counted 1), else leaves it. */
function keep(set: Set<number>, fd: number, ready: boolean): number {
  if (!set.has(fd)) return 0;
  if (ready) return 1;
  set.delete(fd);
  return 0;
}

const EPHEMERAL_LOW = 49152;
const EPHEMERAL_COUNT = 65536 - EPHEMERAL_LOW;

/** The BSD socket calls of one stack or a set of stacks (see the module comment). */
export class BsdSockets {
  /** The errno of the last failed call (0 before any), like libzt's `zts_errno`. */
  errno = 0;
  private readonly fds = new Map<number, Entry>();
  private readonly maxFds: number;
  private nextPort = Math.floor(Math.random() * EPHEMERAL_COUNT);

  constructor(
    private readonly binding: BsdBinding,
    opts: BsdOptions = {},
  ) {
    this.maxFds = opts.maxFds ?? 1024;
  }

  // ------------------------------------------------------------------ socket, bind, listen

  /** Creates a socket: `domain` AF_INET/AF_INET6, `type` SOCK_STREAM/SOCK_DGRAM (| SOCK_NONBLOCK). */
  socket(domain: number, type: number, protocol = 0): number {
    if (domain !== K.AF_INET && domain !== K.AF_INET6) return this.fail(K.EAFNOSUPPORT);
    const nonblocking = (type & K.SOCK_NONBLOCK) !== 0;
    const base = type & ~(K.SOCK_NONBLOCK | K.SOCK_CLOEXEC);
    let proto: number;
    if (base === K.SOCK_STREAM) proto = K.IPPROTO_TCP;
    else if (base === K.SOCK_DGRAM) proto = K.IPPROTO_UDP;
    else return this.fail(K.ESOCKTNOSUPPORT);
    if (protocol !== 0 && protocol !== proto) return this.fail(K.EPROTONOSUPPORT);
    let fd = 0;
    while (this.fds.has(fd)) fd++;
    if (fd >= this.maxFds) return this.fail(K.EMFILE);
    const e = new Entry(fd, domain, base, proto, nonblocking);
    if (base === K.SOCK_DGRAM) this.openUdp(e);
    this.fds.set(fd, e);
    return fd;
  }

  /** Binds to `address` (`''`, `'0.0.0.0'` or `'::'` = any) and `port` (0 = ephemeral). */
  bind(fd: number, address: string, port: number): number {
    const e = this.get(fd);
    if (!e) return this.fail(K.EBADF);
    if (e.localPort !== 0 || e.listener || e.conn) return this.fail(K.EINVAL);
    if (!Number.isInteger(port) || port < 0 || port > 65535) return this.fail(K.EINVAL);
    const ip = this.parse(e, address, true);
    if (typeof ip === 'number') return this.fail(ip);
    if (e.udp) {
      const r = e.udp.bind(ip, port);
      if (r !== true) return this.fail(K.errnoOf(udpErrno(r)));
      e.localAddr = isUnspecified(ip) ? null : ip;
      e.localPort = e.udp.localPort;
      return 0;
    }
    const native = nativeAddress(ip);
    if (!isUnspecified(native) && !this.isLocal(native)) return this.fail(K.EADDRNOTAVAIL);
    const local = isUnspecified(ip) ? null : ip;
    if (port === 0) {
      port = this.pickPort(e, local);
      if (!port) return this.fail(K.EADDRINUSE);
      e.autoPort = true;
    } else if (this.tcpConflict(e, local, port)) return this.fail(K.EADDRINUSE);
    e.localAddr = local;
    e.localPort = port;
    return 0;
  }

  /** Starts accepting connections (stream sockets; binds an ephemeral port first when unbound). */
  listen(fd: number, backlog = 128): number {
    const e = this.get(fd);
    if (!e) return this.fail(K.EBADF);
    if (e.type !== K.SOCK_STREAM) return this.fail(K.EOPNOTSUPP);
    const n = Math.max(1, Math.min(4096, Math.floor(backlog) || 1));
    // Two queues, as Linux has a SYN queue beside the accept queue: the stack's listener bounds handshakes (plus
    // the established connections it holds while ours is full) by `backlog`, ours holds `backlog` more. Bursts of
    // up to `backlog` simultaneous connects thus complete at once; established-but-unaccepted ones reach 2 × backlog.
    if (e.listener) {
      e.backlog = n;
      return 0;
    }
    if (e.conn) return this.fail(K.EINVAL);
    if (e.localPort === 0) {
      const p = this.pickPort(e, null);
      if (!p) return this.fail(K.EADDRINUSE);
      e.localPort = p;
      e.autoPort = true;
    }
    // Bound to the wildcard: every joined network; to an address: its network (route-choice.ts).
    const owner = chooseLocal(this.stacks(), e.localAddr ? nativeAddress(e.localAddr) : null);
    const on = owner === 'all' ? this.stacks() : owner ? [owner] : [];
    if (on.length === 0) return this.fail(e.localAddr ? K.EADDRNOTAVAIL : K.ENETDOWN);
    // A port we picked may be taken outside this layer (a `net` server on the same stack): pick another.
    for (let attempt = 0; ; attempt++) {
      try {
        e.listener = new ListenerSet(on, e.localPort, {
          address: e.localAddr ? nativeAddress(e.localAddr) : null,
          backlog: n,
          ...this.tcpOptions(e),
        });
        break;
      } catch (err) {
        const code = (err as { code?: string }).code ?? 'EIO';
        const next = code === 'EADDRINUSE' && e.autoPort && attempt < 64 ? this.pickPort(e, e.localAddr) : 0;
        if (!next) return this.fail(K.errnoOf(code));
        e.localPort = next;
      }
    }
    e.backlog = n;
    e.listener.onconnection = (c, stack) => this.enqueueAccepted(e, c, stack);
    return 0;
  }

  // ------------------------------------------------------------------ accept, connect

  /** Takes an established connection: its new fd, the peer written to `addr` when given. */
  async accept(fd: number, addr?: SockAddr): Promise<number> {
    const e = this.get(fd);
    if (!e) return this.fail(K.EBADF);
    if (!e.listener) return this.fail(K.EINVAL);
    for (;;) {
      if (e.closed) return this.fail(K.EBADF);
      if (!e.listener) return this.fail(K.EINVAL);
      if (e.acceptQueue.length > 0) {
        let nfd = 0;
        while (this.fds.has(nfd)) nfd++;
        if (nfd >= this.maxFds) return this.fail(K.EMFILE);
        const n = e.acceptQueue.shift() as Entry;
        const c = n.conn as TcpConnection;
        this.refill(e);
        n.fd = nfd;
        this.fds.set(nfd, n);
        if (addr) this.fill(addr, n, c.remoteAddress, c.remotePort);
        return nfd;
      }
      if (e.nonblocking) return this.fail(K.EAGAIN);
      if (!(await this.block([e], () => e.closed || !e.listener || e.acceptQueue.length > 0, e.rcvTimeo)))
        return this.fail(K.EAGAIN);
    }
  }

  /**
   * Connects to `address`:`port`. Stream sockets: resolves 0 once established, or `-errno` (ECONNREFUSED,
   * ETIMEDOUT, EHOSTUNREACH…); non-blocking ones answer -EINPROGRESS (then poll for POLLOUT and read
   * SO_ERROR). Datagram sockets: fixes the peer (`address` '' dissolves it, as AF_UNSPEC does in C).
   */
  async connect(fd: number, address: string, port: number): Promise<number> {
    const e = this.get(fd);
    if (!e) return this.fail(K.EBADF);
    if (!Number.isInteger(port) || port < 0 || port > 65535) return this.fail(K.EINVAL);
    if (e.udp && address === '') {
      // AF_UNSPEC in C: dissolve the association of a datagram socket.
      e.udp.disconnect();
      return 0;
    }
    const ip = this.parse(e, address, false);
    if (typeof ip === 'number') return this.fail(ip);
    if (e.udp) {
      if (port === 0) return this.fail(K.EINVAL);
      const r = e.udp.connect(ip, port);
      this.binding.kick();
      if (r !== true) return this.fail(K.errnoOf(udpErrno(r)));
      e.localPort = e.udp.localPort;
      return 0;
    }
    if (e.listener) return this.fail(K.EISCONN);
    if (e.conn && !e.connClosed) return this.fail(e.connected ? K.EISCONN : K.EALREADY);
    if (e.conn && e.connected) return this.fail(K.EISCONN);
    if (port === 0) return this.fail(K.ECONNREFUSED);
    if (e.domain === K.AF_INET6 && e.v6only && isV4Mapped(ip)) return this.fail(K.ENETUNREACH);
    const remote = nativeAddress(ip);
    if (isUnspecified(remote)) return this.fail(K.ECONNREFUSED);
    // The network whose routes cover the destination (a bound address: its own network), as Linux answers
    // ENETUNREACH at once rather than sending a SYN nowhere (route-choice.ts).
    const owner = e.localAddr ? chooseLocal(this.stacks(), nativeAddress(e.localAddr)) : null;
    const ref = chooseRoute(owner && owner !== 'all' ? [owner] : this.stacks(), remote);
    if (!ref) return this.fail(K.ENETUNREACH);
    this.syncTime();
    let c: TcpConnection;
    try {
      c = ref.tcp.connect(remote, port, {
        ...(e.localAddr ? { localAddress: nativeAddress(e.localAddr) } : {}),
        ...(e.localPort ? { localPort: e.localPort } : {}),
        ...this.tcpOptions(e),
      });
    } catch (err) {
      this.binding.kick();
      return this.fail(K.errnoOf((err as { code?: string }).code ?? 'EIO'));
    }
    this.binding.kick();
    e.conn = c;
    e.connStack = ref.stack;
    e.connClosed = false;
    e.error = 0;
    e.eof = false;
    e.localAddr = this.toFamily(e, c.localAddress);
    e.localPort = c.localPort;
    this.attach(e, c);
    if (e.nonblocking) return this.fail(K.EINPROGRESS);
    const done = await this.block([e], () => e.closed || !e.connecting, e.sndTimeo);
    if (e.closed) return this.fail(K.EBADF);
    if (!done) return this.fail(K.EINPROGRESS);
    if (e.connected && !e.error) return 0;
    const err = e.error || K.ECONNREFUSED;
    e.error = 0;
    return this.fail(err);
  }

  // ------------------------------------------------------------------ send, recv

  /** Sends on a connected socket; resolves the bytes accepted (all of them unless non-blocking) or -errno. */
  send(fd: number, buf: Uint8Array, flags = 0): Promise<number> {
    return this.sendto(fd, buf, flags);
  }

  /** Receives into `buf`: resolves the byte count, 0 at end of stream, or -errno. MSG_PEEK, MSG_WAITALL, MSG_DONTWAIT. */
  recv(fd: number, buf: Uint8Array, flags = 0): Promise<number> {
    return this.recvfrom(fd, buf, flags);
  }

  /** `write(fd, buf)` = `send(fd, buf, 0)`. */
  write(fd: number, buf: Uint8Array): Promise<number> {
    return this.sendto(fd, buf, 0);
  }

  /** `read(fd, buf)` = `recv(fd, buf, 0)`. */
  read(fd: number, buf: Uint8Array): Promise<number> {
    return this.recvfrom(fd, buf, 0);
  }

  /** Sends `buf` to `address`:`port` (datagram sockets), or on the connection (stream sockets ignore the address). */
  async sendto(fd: number, buf: Uint8Array, flags = 0, address?: string, port?: number): Promise<number> {
    const e = this.get(fd);
    if (!e) return this.fail(K.EBADF);
    if (!(buf instanceof Uint8Array)) return this.fail(K.EFAULT);
    if (address !== undefined && typeof address !== 'string') return this.fail(K.EINVAL);
    if (e.udp) return this.sendDatagram(e, buf, address, port);
    const c = e.conn;
    if (!c || (e.connClosed && !e.connected)) return this.fail(K.ENOTCONN);
    const nonblocking = e.nonblocking || (flags & K.MSG_DONTWAIT) !== 0;
    let sent = 0;
    for (;;) {
      if (e.closed) return sent > 0 ? sent : this.fail(K.EBADF);
      if (e.error) {
        if (sent > 0) return sent;
        const err = e.error;
        e.error = 0;
        return this.fail(err);
      }
      if (e.shutWr || e.connClosed) return sent > 0 ? sent : this.fail(K.EPIPE);
      if (e.connected) {
        this.syncTime();
        const n = c.write(buf, sent, buf.length);
        this.binding.kick();
        sent += n;
        if (sent === buf.length) return sent;
      }
      if (nonblocking) return sent > 0 ? sent : this.fail(K.EAGAIN);
      const ok = await this.block(
        [e],
        () => e.closed || e.error !== 0 || e.connClosed || (e.connected && c.writableSpace > 0),
        e.sndTimeo,
      );
      if (!ok) return sent > 0 ? sent : this.fail(K.EAGAIN);
    }
  }

  /** Receives into `buf`; the sender is written to `from` when given. Datagrams longer than `buf` are truncated (MSG_TRUNC: the real length is returned). */
  async recvfrom(fd: number, buf: Uint8Array, flags = 0, from?: SockAddr): Promise<number> {
    const e = this.get(fd);
    if (!e) return this.fail(K.EBADF);
    if (!(buf instanceof Uint8Array) || (from !== undefined && (typeof from !== 'object' || from === null)))
      return this.fail(K.EFAULT);
    const nonblocking = e.nonblocking || (flags & K.MSG_DONTWAIT) !== 0;
    if (e.udp) {
      for (;;) {
        if (e.closed) return this.fail(K.EBADF);
        const d = e.dgrams[0];
        if (d) {
          if (!(flags & K.MSG_PEEK)) {
            e.dgrams.shift();
            e.queuedBytes -= d.data.length;
          }
          const n = Math.min(buf.length, d.data.length);
          buf.set(d.data.subarray(0, n));
          if (from) this.fill(from, e, d.address, d.port);
          return flags & K.MSG_TRUNC ? d.data.length : n;
        }
        if (e.error) {
          const err = e.error;
          e.error = 0;
          return this.fail(err);
        }
        if (e.shutRd) return 0;
        if (nonblocking) return this.fail(K.EAGAIN);
        if (
          !(await this.block(
            [e],
            () => e.closed || e.dgrams.length > 0 || e.error !== 0 || e.shutRd,
            e.rcvTimeo,
          ))
        )
          return this.fail(K.EAGAIN);
      }
    }
    const c = e.conn;
    if (!c) return this.fail(K.ENOTCONN);
    const waitAll = (flags & K.MSG_WAITALL) !== 0 && !(flags & K.MSG_PEEK);
    let got = 0;
    for (;;) {
      if (e.closed) return got > 0 ? got : this.fail(K.EBADF);
      if (e.readable > 0 && buf.length > 0) {
        got += flags & K.MSG_PEEK ? this.peek(e, c, buf) : this.take(e, c, buf.subarray(got));
        if (from) this.fill(from, e, c.remoteAddress, c.remotePort);
        if (!waitAll || got === buf.length) return got;
        continue;
      }
      if (buf.length === 0 && e.connected) return 0;
      if (e.error && got === 0) {
        const err = e.error;
        e.error = 0;
        return this.fail(err);
      }
      if (e.eof || e.shutRd || e.connClosed) return got;
      if (!e.connected && !e.connecting) return this.fail(K.ENOTCONN);
      if (nonblocking) return got > 0 ? got : this.fail(K.EAGAIN);
      const ok = await this.block(
        [e],
        () => e.closed || e.readable > 0 || e.eof || e.shutRd || e.connClosed || e.error !== 0,
        e.rcvTimeo,
      );
      if (!ok) return got > 0 ? got : this.fail(K.EAGAIN);
    }
  }

  // ------------------------------------------------------------------ shutdown, close

  /** SHUT_RD: further receives return 0; SHUT_WR: sends FIN (the peer reads EOF); SHUT_RDWR: both. */
  shutdown(fd: number, how: number): number {
    const e = this.get(fd);
    if (!e) return this.fail(K.EBADF);
    if (how !== K.SHUT_RD && how !== K.SHUT_WR && how !== K.SHUT_RDWR) return this.fail(K.EINVAL);
    const connected = e.udp ? e.udp.remoteAddress !== null : e.conn !== null && (e.connected || e.connecting);
    if (!connected && !e.listener) return this.fail(K.ENOTCONN);
    if (how !== K.SHUT_WR) e.shutRd = true;
    if (how !== K.SHUT_RD) {
      e.shutWr = true;
      if (e.conn && !e.connClosed) {
        this.syncTime();
        e.conn.shutdown();
        this.binding.kick();
      }
    }
    if (e.listener && how !== K.SHUT_WR) {
      // Linux: shutting down a listener's read side stops it; accept then fails with EINVAL.
      this.closeListener(e);
    }
    this.wake(e);
    return 0;
  }

  /** Closes `fd`: a connection finishes gracefully (RST when unread data remains or SO_LINGER is {1, 0}). */
  close(fd: number): number {
    const e = this.get(fd);
    if (!e) return this.fail(K.EBADF);
    e.closed = true;
    this.fds.delete(fd);
    this.syncTime();
    if (e.listener) this.closeListener(e);
    const c = e.conn;
    if (c) {
      c.onconnect = c.onreadable = c.ondrain = c.onend = c.onclose = null;
      c.onerror = null;
      if ((e.linger.l_onoff && e.linger.l_linger === 0) || e.peeked.length > 0) c.abort();
      else c.close();
    }
    if (e.udp) e.udp.close();
    this.binding.kick();
    this.wake(e);
    return 0;
  }

  // ------------------------------------------------------------------ options

  /** Sets an option (SOL_SOCKET, IPPROTO_TCP, IPPROTO_IP, IPPROTO_IPV6 levels; see constants.ts). */
  setsockopt(fd: number, level: number, name: number, value: SockOptValue): number {
    const e = this.get(fd);
    if (!e) return this.fail(K.EBADF);
    const err = setOption(e, level, name, value);
    this.binding.kick();
    return err ? this.fail(err) : 0;
  }

  /** Reads an option: an int (negative = -errno), or a {@link Linger} for SO_LINGER. SO_ERROR clears the pending error. */
  getsockopt(fd: number, level: number, name: number): number | Linger {
    const e = this.get(fd);
    if (!e) return this.fail(K.EBADF);
    const v = getOption(e, level, name);
    return typeof v === 'number' && v < 0 ? this.fail(-v) : v;
  }

  /** Writes the bound address to `addr` (port 0 / any before bind). */
  getsockname(fd: number, addr: SockAddr): number {
    const e = this.get(fd);
    if (!e) return this.fail(K.EBADF);
    if (typeof addr !== 'object' || addr === null) return this.fail(K.EFAULT);
    const any = e.domain === K.AF_INET ? IPV4_ANY : IPV6_ANY;
    if (e.udp) this.fill(addr, e, e.udp.localPort ? e.udp.localAddress : any, e.udp.localPort);
    else this.fill(addr, e, e.localAddr ?? any, e.localPort);
    return 0;
  }

  /** Writes the peer's address to `addr`; -ENOTCONN when not connected. */
  getpeername(fd: number, addr: SockAddr): number {
    const e = this.get(fd);
    if (!e) return this.fail(K.EBADF);
    if (typeof addr !== 'object' || addr === null) return this.fail(K.EFAULT);
    if (e.udp) {
      if (!e.udp.remoteAddress) return this.fail(K.ENOTCONN);
      this.fill(addr, e, e.udp.remoteAddress, e.udp.remotePort);
      return 0;
    }
    if (!e.conn || !e.connected || e.connClosed) return this.fail(K.ENOTCONN);
    this.fill(addr, e, e.conn.remoteAddress, e.conn.remotePort);
    return 0;
  }

  /** F_GETFL (O_RDWR | O_NONBLOCK), F_SETFL (O_NONBLOCK), F_GETFD/F_SETFD (accepted, 0). */
  fcntl(fd: number, cmd: number, arg = 0): number {
    const e = this.get(fd);
    if (!e) return this.fail(K.EBADF);
    switch (cmd) {
      case K.F_GETFL:
        return K.O_RDWR | (e.nonblocking ? K.O_NONBLOCK : 0);
      case K.F_SETFL:
        e.nonblocking = (arg & K.O_NONBLOCK) !== 0;
        return 0;
      case K.F_GETFD:
      case K.F_SETFD:
        return 0;
      default:
        return this.fail(K.EINVAL);
    }
  }

  /** FIONREAD (bytes readable now; for datagram sockets the size of the next datagram) and FIONBIO (arg ≠ 0: non-blocking). */
  ioctl(fd: number, request: number, arg = 0): number {
    const e = this.get(fd);
    if (!e) return this.fail(K.EBADF);
    switch (request) {
      case K.FIONREAD:
        if (e.udp) return e.dgrams[0]?.data.length ?? 0;
        if (e.listener) return this.fail(K.EINVAL);
        return e.readable;
      case K.FIONBIO:
        e.nonblocking = arg !== 0;
        return 0;
      default:
        return this.fail(K.EINVAL);
    }
  }

  /**
   * `select` on sets of descriptors: waits like {@link poll} (readable, writable, error), then leaves in each
   * set only the descriptors that are ready, as C's `FD_ISSET` would see them. `timeout` in ms, negative =
   * forever. Resolves the number of ready entries (summed over the sets), 0 on timeout, -EBADF for a closed fd.
   */
  async select(
    readfds: Set<number>,
    writefds: Set<number>,
    exceptfds: Set<number>,
    timeout: number,
  ): Promise<number> {
    if (![readfds, writefds, exceptfds].every((x) => x instanceof Set)) return this.fail(K.EFAULT);
    const all = new Set([...readfds, ...writefds, ...exceptfds]);
    for (const fd of all) if (!this.get(fd)) return this.fail(K.EBADF);
    const pfds: PollFd[] = [...all].map((fd) => ({
      fd,
      events: (readfds.has(fd) ? K.POLLIN : 0) | (writefds.has(fd) ? K.POLLOUT : 0) | K.POLLPRI,
      revents: 0,
    }));
    const r = await this.poll(pfds, timeout);
    if (r < 0) return r;
    let n = 0;
    for (const p of pfds) {
      // Linux's select maps POLLHUP/POLLERR to readable (and POLLERR to writable): a read/write then reports it.
      const rd = (p.revents & (K.POLLIN | K.POLLHUP | K.POLLERR)) !== 0;
      const wr = (p.revents & (K.POLLOUT | K.POLLERR)) !== 0;
      const ex = (p.revents & K.POLLPRI) !== 0;
      if (p.revents & K.POLLNVAL) return this.fail(K.EBADF);
      n += keep(readfds, p.fd, rd) + keep(writefds, p.fd, wr) + keep(exceptfds, p.fd, ex);
    }
    return n;
  }

  /**
   * Waits until one of `fds` is ready for its `events` (POLLIN, POLLOUT; POLLERR, POLLHUP and POLLNVAL are
   * always reported), at most `timeout` ms (negative = forever, 0 = just check). Writes each `revents` and
   * resolves the number of entries with events, 0 on timeout.
   */
  async poll(fds: PollFd[], timeout: number): Promise<number> {
    if (!Array.isArray(fds) || fds.some((p) => typeof p !== 'object' || p === null))
      return this.fail(K.EFAULT);
    if (typeof timeout !== 'number' || Number.isNaN(timeout)) return this.fail(K.EINVAL);
    const scan = () => {
      let n = 0;
      for (const p of fds) {
        p.revents = this.reventsOf(p.fd, p.events);
        if (p.revents) n++;
      }
      return n;
    };
    const n = scan();
    if (n > 0 || timeout === 0) return n;
    const watched: Entry[] = [];
    for (const p of fds) {
      const e = this.get(p.fd);
      if (e) watched.push(e);
    }
    await this.block(watched, () => scan() > 0, Math.max(timeout, 0));
    return scan();
  }

  /**
   * Closes every descriptor (for the network going away: `node.stop()`, `leave`); blocked calls resolve -EBADF,
   * so nothing keeps the process alive afterwards.
   */
  closeAll(): void {
    for (const fd of [...this.fds.keys()]) this.close(fd);
  }

  /**
   * A network was left (`node.bsd` over several networks): its connections fail with ENETDOWN (blocked calls
   * return it), listeners and datagram sockets stop using it and keep the other networks.
   */
  dropStack(stack: Stack): void {
    for (const e of [...this.fds.values()]) {
      e.listener?.drop(stack);
      if (e.udp instanceof MultiUdp) e.udp.dropStack(stack);
      if (e.connStack === stack && e.conn && !e.connClosed) {
        const c = e.conn;
        c.onconnect = c.onreadable = c.ondrain = c.onend = c.onclose = null;
        c.onerror = null;
        c.abort();
        e.error = K.ENETDOWN;
        e.connClosed = true;
      }
      this.wake(e);
    }
    this.binding.kick();
  }

  /** Open descriptors (introspection). */
  get openCount(): number {
    return this.fds.size;
  }

  // ------------------------------------------------------------------ internals

  private fail(errno: number): number {
    this.errno = errno;
    return -errno;
  }

  private get(fd: number): Entry | undefined {
    const e = this.fds.get(fd);
    return e && !e.closed ? e : undefined;
  }

  private reventsOf(fd: number, events: number): number {
    if (fd < 0) return 0;
    const e = this.get(fd);
    if (!e) return K.POLLNVAL;
    let ev = e.revents();
    if (ev & K.POLLIN) ev |= K.POLLRDNORM;
    if (ev & K.POLLOUT) ev |= K.POLLWRNORM;
    return ev & (events | K.POLLERR | K.POLLHUP | K.POLLNVAL);
  }

  /**
   * Resolves true once `ready()` holds, false after `timeout` ms (0 = no timeout). `ready` is re-checked when
   * one of `on` changes (its own waiters only: a busy socket does not wake calls blocked on others).
   */
  private block(on: readonly Entry[], ready: () => boolean, timeout: number): Promise<boolean> {
    if (ready()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const release = this.binding.hold?.();
      let timer: NodeJS.Timeout | undefined;
      const done = (v: boolean) => {
        for (const e of on) e.waiters.delete(check);
        if (timer) clearTimeout(timer);
        release?.();
        resolve(v);
      };
      const check = () => {
        if (ready()) done(true);
      };
      for (const e of on) e.waiters.add(check);
      if (timeout > 0) timer = setTimeout(() => done(false), timeout);
    });
  }

  /** Something changed on `e`: calls blocked on it (and polls watching it) re-check their condition. */
  private wake(e: Entry): void {
    if (e.waiters.size === 0) return;
    for (const w of [...e.waiters]) w();
  }

  /** The stacks this layer spans (one, or every joined network). */
  private stacks(): readonly TcpStackRef[] {
    return stacksOf<TcpStackRef>(this.binding);
  }

  private syncTime(): void {
    const now = this.binding.now();
    for (const r of this.stacks()) {
      r.stack.setTime(now);
      if (now > r.tcp.now) r.tcp.poll(now);
    }
  }

  private openUdp(e: Entry): void {
    const u = openUdp(this.binding, e.domain === K.AF_INET ? 4 : 6);
    e.udp = u;
    u.onMessage = (data, info) => {
      // Linux drops datagrams beyond SO_RCVBUF (counted as receive-buffer errors).
      if (e.queuedBytes + data.length > e.rcvbuf && e.dgrams.length > 0) return;
      e.dgrams.push({ data, address: info.address, port: info.port });
      e.queuedBytes += data.length;
      this.wake(e);
    };
    u.onError = (kind) => {
      e.error = K.errnoOf(udpErrno(kind));
      this.wake(e);
    };
  }

  private async sendDatagram(e: Entry, buf: Uint8Array, address?: string, port?: number): Promise<number> {
    const u = e.udp;
    if (!u) return this.fail(K.EBADF);
    if (e.shutWr) return this.fail(K.EPIPE);
    if (e.error && u.remoteAddress) {
      const err = e.error;
      e.error = 0;
      return this.fail(err);
    }
    this.syncTime();
    let r: ReturnType<typeof u.send>;
    if (address !== undefined && address !== '') {
      if (port === undefined || !Number.isInteger(port) || port < 1 || port > 65535)
        return this.fail(K.EINVAL);
      const ip = this.parse(e, address, false);
      if (typeof ip === 'number') return this.fail(ip);
      if (e.domain === K.AF_INET6 && e.v6only && isV4Mapped(ip)) return this.fail(K.ENETUNREACH);
      r = u.send(buf, ip, port);
    } else r = u.send(buf);
    this.binding.kick();
    if (r !== true) return this.fail(K.errnoOf(udpErrno(r)));
    e.localPort = u.localPort;
    return buf.length;
  }

  private tcpOptions(e: Entry) {
    return {
      noDelay: e.noDelay,
      keepAlive: e.keepAlive,
      keepAliveDelay: e.keepIdle * 1000,
      keepAliveInterval: e.keepIntvl * 1000,
      keepAliveCount: e.keepCnt,
      ...(e.userTimeout > 0 ? { userTimeout: e.userTimeout } : {}),
      ...(e.rcvbufSet ? { receiveBufferSize: e.rcvbuf } : {}),
      ...(e.sndbufSet ? { sendBufferSize: e.sndbuf } : {}),
    };
  }

  /** Wires a stack connection's events to the entry (pull mode: `onreadable`, so the window tracks reading). */
  private attach(e: Entry, c: TcpConnection): void {
    c.onconnect = () => {
      e.connected = true;
      this.wake(e);
    };
    c.onreadable = () => this.wake(e);
    c.ondrain = () => this.wake(e);
    c.onend = () => {
      e.eof = true;
      this.wake(e);
    };
    c.onerror = (code) => {
      e.error = K.errnoOf(code);
      this.wake(e);
    };
    c.onclose = () => {
      e.connClosed = true;
      this.wake(e);
    };
  }

  /** A listener's new connection: family-checked, then queued for `accept` (or left to the stack's queue when full). */
  private enqueueAccepted(e: Entry, c: TcpConnection, stack: Stack): void {
    const v4peer = c.remoteAddress.length === 4;
    if ((e.domain === K.AF_INET && !v4peer) || (e.domain === K.AF_INET6 && e.v6only && v4peer)) {
      c.abort();
      this.binding.kick();
      return;
    }
    // Until accepted, the connection is watched (with the listener's options) so that data, EOF and resets
    // that arrive before `accept` are all seen by the accepted socket.
    const n = new Entry(-1, e.domain, K.SOCK_STREAM, K.IPPROTO_TCP, false);
    for (const k of [
      'keepAlive',
      'keepIdle',
      'keepIntvl',
      'keepCnt',
      'noDelay',
      'rcvbuf',
      'sndbuf',
      'v6only',
    ] as const)
      (n as unknown as Record<string, unknown>)[k] = e[k];
    n.conn = c;
    n.connStack = stack;
    n.connected = true;
    n.localAddr = this.toFamily(n, c.localAddress);
    n.localPort = c.localPort;
    this.attach(n, c);
    if (c.state === 'Closed') n.connClosed = true;
    e.acceptQueue.push(n);
    if (e.acceptQueue.length >= e.backlog && e.listener) e.listener.onconnection = null;
    this.wake(e);
  }

  /** After an accept: pull connections the stack queued while ours was full, and resume push mode. */
  private refill(e: Entry): void {
    const l = e.listener;
    if (!l) return;
    while (e.acceptQueue.length < e.backlog) {
      const a = l.accept();
      if (!a) break;
      this.enqueueAccepted(e, a.c, a.stack);
    }
    if (e.acceptQueue.length < e.backlog) l.onconnection = (c, stack) => this.enqueueAccepted(e, c, stack);
  }

  private closeListener(e: Entry): void {
    const l = e.listener;
    if (!l) return;
    l.onconnection = null;
    l.close();
    for (const n of e.acceptQueue.splice(0)) n.conn?.abort();
    e.listener = null;
    this.binding.kick();
  }

  /** Reads from peeked bytes first, then the connection. */
  private take(e: Entry, c: TcpConnection, dst: Uint8Array): number {
    let n = 0;
    if (e.peeked.length > 0) {
      n = Math.min(dst.length, e.peeked.length);
      dst.set(e.peeked.subarray(0, n));
      e.peeked = e.peeked.subarray(n);
    }
    if (n < dst.length && c.readableLength > 0) {
      this.syncTime();
      n += c.readInto(dst, n, dst.length - n);
      this.binding.kick();
    }
    return n;
  }

  /** MSG_PEEK: moves up to `dst.length` bytes into the peek buffer and copies them out without consuming. */
  private peek(e: Entry, c: TcpConnection, dst: Uint8Array): number {
    if (e.peeked.length < dst.length && c.readableLength > 0) {
      const more = c.read(dst.length - e.peeked.length);
      if (more) {
        const joined = new Uint8Array(e.peeked.length + more.length);
        joined.set(e.peeked);
        joined.set(more, e.peeked.length);
        e.peeked = joined;
      }
      this.binding.kick();
    }
    const n = Math.min(dst.length, e.peeked.length);
    dst.set(e.peeked.subarray(0, n));
    return n;
  }

  /** Parses `text` for `e`'s family: AF_INET6 takes IPv4 as v4-mapped; '' is the wildcard when `allowAny`. */
  private parse(e: Entry, text: string, allowAny: boolean): Uint8Array | number {
    if (typeof text !== 'string') return K.EINVAL;
    if (text === '' && allowAny) return e.domain === K.AF_INET ? IPV4_ANY : IPV6_ANY;
    const ip = parseIp(text.split('%')[0]);
    if (!ip) return K.EINVAL;
    if (e.domain === K.AF_INET) return ip.length === 4 ? ip : K.EAFNOSUPPORT;
    return ip.length === 4 ? toV4Mapped(ip) : ip;
  }

  /** The socket's form of a stack address: IPv4 on an AF_INET6 socket is v4-mapped. */
  private toFamily(e: Entry, ip: Uint8Array): Uint8Array {
    return e.domain === K.AF_INET6 && ip.length === 4 ? toV4Mapped(ip) : ip;
  }

  private fill(out: SockAddr, e: Entry, ip: Uint8Array, port: number): void {
    out.family = e.domain;
    out.address = formatIp(this.toFamily(e, ip));
    out.port = port;
  }

  private isLocal(ip: Uint8Array): boolean {
    if (this.stacks().some((r) => r.stack.ip.isLocal(ip))) return true;
    if (ip.length === 4) return ip[0] === 127;
    return ip.every((b, i) => b === (i === 15 ? 1 : 0));
  }

  /** True when another stream socket of this layer holds `port` on an overlapping address. */
  private tcpConflict(e: Entry, local: Uint8Array | null, port: number): boolean {
    const mine = local ? nativeAddress(local) : null;
    for (const o of this.fds.values()) {
      if (o === e || o.type !== K.SOCK_STREAM || o.localPort !== port || o.closed) continue;
      const theirs = o.localAddr ? nativeAddress(o.localAddr) : null;
      const sameFamilyOrDual =
        o.domain === e.domain ||
        (e.domain === K.AF_INET6 && !e.v6only && (!mine || mine.length === 4)) ||
        (o.domain === K.AF_INET6 && !o.v6only && (!theirs || theirs.length === 4));
      if (!sameFamilyOrDual) continue;
      const overlap = !mine || !theirs || ipEqual(mine, theirs);
      if (!overlap) continue;
      // SO_REUSEADDR on both lets a socket bind beside one that is not listening (Linux).
      if (e.reuseAddr && o.reuseAddr && !o.listener) continue;
      return true;
    }
    return false;
  }

  private pickPort(e: Entry, local: Uint8Array | null): number {
    for (let i = 0; i < EPHEMERAL_COUNT; i++) {
      const p = EPHEMERAL_LOW + ((this.nextPort + i) % EPHEMERAL_COUNT);
      if (!this.tcpConflict(e, local, p)) {
        this.nextPort = (this.nextPort + i + 1) % EPHEMERAL_COUNT;
        return p;
      }
    }
    return 0;
  }
}
