/**
 * The numbers of the BSD socket API, with Linux's values (asm-generic/errno.h, bits/socket.h, netinet/in.h,
 * netinet/tcp.h, asm-generic/poll.h, asm-generic/fcntl.h), so code ported from C or from libzt keeps its
 * constants (libzt-notes.md §1d). Results of the BSD calls are `-errno` on failure.
 * @module
 */

// ------------------------------------------------------------------ errno (asm-generic/errno-base.h, errno.h)
/** Operation not permitted. */
export const EPERM = 1;
/** Interrupted system call. */
export const EINTR = 4;
/** Input/output error. */
export const EIO = 5;
/** Bad file descriptor. */
export const EBADF = 9;
/** Try again (also EWOULDBLOCK): a non-blocking call that would block. */
export const EAGAIN = 11;
/** Same as EAGAIN. */
export const EWOULDBLOCK = EAGAIN;
/** Cannot allocate memory. */
export const ENOMEM = 12;
/** Permission denied. */
export const EACCES = 13;
/** Bad address. */
export const EFAULT = 14;
/** Invalid argument. */
export const EINVAL = 22;
/** Too many open files. */
export const EMFILE = 24;
/** Broken pipe. */
export const EPIPE = 32;
/** Protocol error. */
export const EPROTO = 71;
/** Socket operation on non-socket. */
export const ENOTSOCK = 88;
/** Destination address required. */
export const EDESTADDRREQ = 89;
/** Message too long. */
export const EMSGSIZE = 90;
/** Protocol wrong type for socket. */
export const EPROTOTYPE = 91;
/** Protocol not available. */
export const ENOPROTOOPT = 92;
/** Protocol not supported. */
export const EPROTONOSUPPORT = 93;
/** Socket type not supported. */
export const ESOCKTNOSUPPORT = 94;
/** Operation not supported. */
export const EOPNOTSUPP = 95;
/** Address family not supported by protocol. */
export const EAFNOSUPPORT = 97;
/** Address already in use. */
export const EADDRINUSE = 98;
/** Cannot assign requested address. */
export const EADDRNOTAVAIL = 99;
/** Network is down. */
export const ENETDOWN = 100;
/** Network is unreachable. */
export const ENETUNREACH = 101;
/** Software caused connection abort. */
export const ECONNABORTED = 103;
/** Connection reset by peer. */
export const ECONNRESET = 104;
/** No buffer space available. */
export const ENOBUFS = 105;
/** Transport endpoint is already connected. */
export const EISCONN = 106;
/** Transport endpoint is not connected. */
export const ENOTCONN = 107;
/** Cannot send after transport endpoint shutdown. */
export const ESHUTDOWN = 108;
/** Connection timed out. */
export const ETIMEDOUT = 110;
/** Connection refused. */
export const ECONNREFUSED = 111;
/** Host is down. */
export const EHOSTDOWN = 112;
/** No route to host. */
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
/** Unspecified address family. */
export const AF_UNSPEC = 0;
/** IPv4 sockets. */
export const AF_INET = 2;
/** IPv6 sockets (dual stack unless IPV6_V6ONLY). */
export const AF_INET6 = 10;
/** TCP. */
export const SOCK_STREAM = 1;
/** UDP. */
export const SOCK_DGRAM = 2;
/** OR-ed into `type` of `socket()`: start non-blocking (Linux). */
export const SOCK_NONBLOCK = 0o4000;
/** OR-ed into `type` of `socket()`: accepted and ignored (no exec here). */
export const SOCK_CLOEXEC = 0o2000000;
/** Level of IPv4 options. */
export const IPPROTO_IP = 0;
/** TCP (protocol and option level). */
export const IPPROTO_TCP = 6;
/** UDP. */
export const IPPROTO_UDP = 17;
/** Level of IPv6 options. */
export const IPPROTO_IPV6 = 41;

// ------------------------------------------------------------------ socket options
/** Level of socket options. */
export const SOL_SOCKET = 1;
/** Allow binding beside a socket that is not listening. */
export const SO_REUSEADDR = 2;
/** Read: SOCK_STREAM or SOCK_DGRAM. */
export const SO_TYPE = 3;
/** Read (and clear) the pending asynchronous error, e.g. of a non-blocking connect. */
export const SO_ERROR = 4;
/** Allow sending to broadcast addresses. */
export const SO_BROADCAST = 6;
/** Send buffer size (reported doubled). */
export const SO_SNDBUF = 7;
/** Receive buffer size (reported doubled). */
export const SO_RCVBUF = 8;
/** TCP keepalive probes. */
export const SO_KEEPALIVE = 9;
/** Close behaviour; {l_onoff: 1, l_linger: 0} resets the connection. */
export const SO_LINGER = 13;
/** Treated as SO_REUSEADDR. */
export const SO_REUSEPORT = 15;
/** Receive timeout in milliseconds here (Linux takes a `struct timeval`); 0 = none. */
export const SO_RCVTIMEO = 20;
/** Send/connect timeout in milliseconds here (Linux takes a `struct timeval`); 0 = none. */
export const SO_SNDTIMEO = 21;
/** Read: 1 when listening. */
export const SO_ACCEPTCONN = 30;
/** Read: IPPROTO_TCP or IPPROTO_UDP. */
export const SO_PROTOCOL = 38;
/** Read: AF_INET or AF_INET6. */
export const SO_DOMAIN = 39;

/** Disable Nagle's algorithm. */
export const TCP_NODELAY = 1;
/** Read: the MSS in use (setting is accepted and ignored). */
export const TCP_MAXSEG = 2;
/** Idle seconds before the first keepalive probe. */
export const TCP_KEEPIDLE = 4;
/** Seconds between keepalive probes. */
export const TCP_KEEPINTVL = 5;
/** Unanswered probes before the connection is dropped. */
export const TCP_KEEPCNT = 6;
/** Milliseconds data may stay unacknowledged (RFC 5482). */
export const TCP_USER_TIMEOUT = 18;

/** Type of service (stored only). */
export const IP_TOS = 1;
/** Unicast TTL. */
export const IP_TTL = 2;
/** Multicast interface (one interface: accepted). */
export const IP_MULTICAST_IF = 32;
/** Multicast TTL (default 1). */
export const IP_MULTICAST_TTL = 33;
/** Deliver our multicasts to local members too (default on). */
export const IP_MULTICAST_LOOP = 34;
/** Join an IPv4 group (value: group text or ip_mreq). */
export const IP_ADD_MEMBERSHIP = 35;
/** Leave an IPv4 group. */
export const IP_DROP_MEMBERSHIP = 36;

/** Unicast hop limit. */
export const IPV6_UNICAST_HOPS = 16;
/** Multicast interface (one interface: accepted). */
export const IPV6_MULTICAST_IF = 17;
/** Multicast hop limit (default 1). */
export const IPV6_MULTICAST_HOPS = 18;
/** Deliver our multicasts to local members too (default on). */
export const IPV6_MULTICAST_LOOP = 19;
/** Also known as IPV6_ADD_MEMBERSHIP. */
export const IPV6_JOIN_GROUP = 20;
/** Also known as IPV6_DROP_MEMBERSHIP. */
export const IPV6_LEAVE_GROUP = 21;
/** Refuse IPv4 (v4-mapped) traffic; set before bind. */
export const IPV6_V6ONLY = 26;

// ------------------------------------------------------------------ flags of send/recv
/** Out-of-band data (not supported). */
export const MSG_OOB = 0x1;
/** Read without consuming. */
export const MSG_PEEK = 0x2;
/** Accepted and ignored. */
export const MSG_DONTROUTE = 0x4;
/** Datagrams: return the real length even when truncated. */
export const MSG_TRUNC = 0x20;
/** This call does not block (EAGAIN instead). */
export const MSG_DONTWAIT = 0x40;
/** Stream: wait until the buffer is full (or EOF/error). */
export const MSG_WAITALL = 0x100;
/** Accepted (there are no signals here). */
export const MSG_NOSIGNAL = 0x4000;

// ------------------------------------------------------------------ fcntl, shutdown, poll
/** Read descriptor flags (always 0). */
export const F_GETFD = 1;
/** Set descriptor flags (accepted). */
export const F_SETFD = 2;
/** Read status flags: O_RDWR | O_NONBLOCK. */
export const F_GETFL = 3;
/** Set status flags (O_NONBLOCK). */
export const F_SETFL = 4;
/** Reported by F_GETFL. */
export const O_RDWR = 0o2;
/** Non-blocking mode (F_SETFL). */
export const O_NONBLOCK = 0o4000;

/** Stop receiving: recv answers 0. */
export const SHUT_RD = 0;
/** Stop sending: FIN after queued data. */
export const SHUT_WR = 1;
/** Both. */
export const SHUT_RDWR = 2;

/** Readable: data, EOF, an error or a connection to accept. */
export const POLLIN = 0x1;
/** Urgent data (never reported). */
export const POLLPRI = 0x2;
/** Writable. */
export const POLLOUT = 0x4;
/** Error pending (SO_ERROR). */
export const POLLERR = 0x8;
/** Hung up: both directions finished, or reset. */
export const POLLHUP = 0x10;
/** Not an open descriptor. */
export const POLLNVAL = 0x20;
/** Same as POLLIN. */
export const POLLRDNORM = 0x40;
/** Same as POLLOUT. */
export const POLLWRNORM = 0x100;
/** The peer shut down its sending side. */
export const POLLRDHUP = 0x2000;

// ------------------------------------------------------------------ ioctl (asm-generic/ioctls.h)
/** Bytes readable now (stream) or the size of the next datagram. */
export const FIONREAD = 0x541b;
/** Sets (non-zero) or clears non-blocking mode, like F_SETFL O_NONBLOCK. */
export const FIONBIO = 0x5421;
