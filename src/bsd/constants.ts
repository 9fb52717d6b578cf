/**
 * The numbers of the BSD socket API, with Linux's values (asm-generic/errno.h, bits/socket.h, netinet/in.h,
 * netinet/tcp.h, asm-generic/poll.h, asm-generic/fcntl.h), so code ported from C or from libzt keeps its
 * constants (libzt-notes.md §1d). Results of the BSD calls are `-errno` on failure.
 * @module
 */

// ------------------------------------------------------------------ errno (asm-generic/errno-base.h, errno.h)
export const EPERM = 1;
export const EINTR = 4;
export const EIO = 5;
export const EBADF = 9;
/** Try again (also EWOULDBLOCK): a non-blocking call that would block. */
export const EAGAIN = 11;
export const EWOULDBLOCK = EAGAIN;
export const ENOMEM = 12;
export const EACCES = 13;
export const EFAULT = 14;
export const EINVAL = 22;
export const EMFILE = 24;
export const EPIPE = 32;
export const EPROTO = 71;
export const ENOTSOCK = 88;
export const EDESTADDRREQ = 89;
export const EMSGSIZE = 90;
export const EPROTOTYPE = 91;
export const ENOPROTOOPT = 92;
export const EPROTONOSUPPORT = 93;
export const ESOCKTNOSUPPORT = 94;
export const EOPNOTSUPP = 95;
export const EAFNOSUPPORT = 97;
export const EADDRINUSE = 98;
export const EADDRNOTAVAIL = 99;
export const ENETDOWN = 100;
export const ENETUNREACH = 101;
export const ECONNABORTED = 103;
export const ECONNRESET = 104;
export const ENOBUFS = 105;
export const EISCONN = 106;
export const ENOTCONN = 107;
export const ESHUTDOWN = 108;
export const ETIMEDOUT = 110;
export const ECONNREFUSED = 111;
export const EHOSTDOWN = 112;
export const EHOSTUNREACH = 113;
/** A connect is already in progress on this non-blocking socket. */
export const EALREADY = 114;
/** A non-blocking connect started: wait for POLLOUT, then read SO_ERROR. */
export const EINPROGRESS = 115;

/** Errno values by name (the names Node and libuv use in `err.code`). */
export const ERRNO: Readonly<Record<string, number>> = Object.freeze({
  EPERM,
  EINTR,
  EIO,
  EBADF,
  EAGAIN,
  ENOMEM,
  EACCES,
  EFAULT,
  EINVAL,
  EMFILE,
  EPIPE,
  EPROTO,
  ENOTSOCK,
  EDESTADDRREQ,
  EMSGSIZE,
  EPROTOTYPE,
  ENOPROTOOPT,
  EPROTONOSUPPORT,
  ESOCKTNOSUPPORT,
  EOPNOTSUPP,
  EAFNOSUPPORT,
  EADDRINUSE,
  EADDRNOTAVAIL,
  ENETDOWN,
  ENETUNREACH,
  ECONNABORTED,
  ECONNRESET,
  ENOBUFS,
  EISCONN,
  ENOTCONN,
  ESHUTDOWN,
  ETIMEDOUT,
  ECONNREFUSED,
  EHOSTDOWN,
  EHOSTUNREACH,
  EALREADY,
  EINPROGRESS,
});

/** The name of an errno value (`errnoName(111) === 'ECONNREFUSED'`); accepts `-errno` results too. */
export function errnoName(errno: number): string {
  const n = Math.abs(errno);
  for (const [k, v] of Object.entries(ERRNO)) if (v === n) return k;
  return `E${n}`;
}

/** The errno value of a name such as `'ECONNRESET'` (EIO for names outside the table). */
export function errnoOf(name: string): number {
  return ERRNO[name] ?? EIO;
}

// ------------------------------------------------------------------ domains, types, protocols
export const AF_UNSPEC = 0;
export const AF_INET = 2;
export const AF_INET6 = 10;
export const SOCK_STREAM = 1;
export const SOCK_DGRAM = 2;
/** OR-ed into `type` of `socket()`: start non-blocking (Linux). */
export const SOCK_NONBLOCK = 0o4000;
/** OR-ed into `type` of `socket()`: accepted and ignored (no exec here). */
export const SOCK_CLOEXEC = 0o2000000;
export const IPPROTO_IP = 0;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
export const IPPROTO_IPV6 = 41;

// ------------------------------------------------------------------ socket options
export const SOL_SOCKET = 1;
export const SO_REUSEADDR = 2;
export const SO_TYPE = 3;
export const SO_ERROR = 4;
export const SO_BROADCAST = 6;
export const SO_SNDBUF = 7;
export const SO_RCVBUF = 8;
export const SO_KEEPALIVE = 9;
export const SO_LINGER = 13;
export const SO_REUSEPORT = 15;
/** Receive timeout in milliseconds here (Linux takes a `struct timeval`); 0 = none. */
export const SO_RCVTIMEO = 20;
/** Send/connect timeout in milliseconds here (Linux takes a `struct timeval`); 0 = none. */
export const SO_SNDTIMEO = 21;
export const SO_ACCEPTCONN = 30;
export const SO_PROTOCOL = 38;
export const SO_DOMAIN = 39;

export const TCP_NODELAY = 1;
export const TCP_MAXSEG = 2;
export const TCP_KEEPIDLE = 4;
export const TCP_KEEPINTVL = 5;
export const TCP_KEEPCNT = 6;
export const TCP_USER_TIMEOUT = 18;

export const IP_TOS = 1;
export const IP_TTL = 2;
export const IP_MULTICAST_IF = 32;
export const IP_MULTICAST_TTL = 33;
export const IP_MULTICAST_LOOP = 34;
export const IP_ADD_MEMBERSHIP = 35;
export const IP_DROP_MEMBERSHIP = 36;

export const IPV6_UNICAST_HOPS = 16;
export const IPV6_MULTICAST_IF = 17;
export const IPV6_MULTICAST_HOPS = 18;
export const IPV6_MULTICAST_LOOP = 19;
/** Also known as IPV6_ADD_MEMBERSHIP. */
export const IPV6_JOIN_GROUP = 20;
/** Also known as IPV6_DROP_MEMBERSHIP. */
export const IPV6_LEAVE_GROUP = 21;
export const IPV6_V6ONLY = 26;

// ------------------------------------------------------------------ flags of send/recv
export const MSG_OOB = 0x1;
export const MSG_PEEK = 0x2;
export const MSG_DONTROUTE = 0x4;
export const MSG_TRUNC = 0x20;
export const MSG_DONTWAIT = 0x40;
export const MSG_WAITALL = 0x100;
export const MSG_NOSIGNAL = 0x4000;

// ------------------------------------------------------------------ fcntl, shutdown, poll
export const F_GETFD = 1;
export const F_SETFD = 2;
export const F_GETFL = 3;
export const F_SETFL = 4;
export const O_RDWR = 0o2;
export const O_NONBLOCK = 0o4000;

export const SHUT_RD = 0;
export const SHUT_WR = 1;
export const SHUT_RDWR = 2;

export const POLLIN = 0x1;
export const POLLPRI = 0x2;
export const POLLOUT = 0x4;
export const POLLERR = 0x8;
export const POLLHUP = 0x10;
export const POLLNVAL = 0x20;
export const POLLRDNORM = 0x40;
export const POLLWRNORM = 0x100;
export const POLLRDHUP = 0x2000;

// ------------------------------------------------------------------ ioctl (asm-generic/ioctls.h)
/** Bytes readable now (stream) or the size of the next datagram. */
export const FIONREAD = 0x541b;
/** Sets (non-zero) or clears non-blocking mode, like F_SETFL O_NONBLOCK. */
export const FIONBIO = 0x5421;
