/**
 * The real UDP boundary: {@link DgramUdpStack} implements the `UdpStack` / `UdpBinding` contract
 * of `./udp-binding.ts` over `node:dgram` (architecture.md: "runtime/ is the only place
 * with sockets, timers and files"). ZeroTier carries one packet or fragment per datagram
 * (protocol.md §3.1), so this is a thin adapter.
 *
 * Choices, and why:
 * - **Wildcard binds are two sockets.** `bind({ port })` (address omitted or `'::'`) opens an IPv4
 *   socket on `0.0.0.0:port` and an IPv6-only socket on `[::]:port` behind one {@link UdpBinding}.
 *   A single dual-stack `udp6` socket would also work, but libuv's `setTTL` on an IPv6 socket sets
 *   only `IPV6_UNICAST_HOPS`, which Linux does not apply to IPv4-mapped sends — so the TTL-2 junk
 *   datagram of RENDEZVOUS hole punching (§6.6, §9.4) would leave with TTL 64. Two sockets give
 *   each family its own TTL. Where IPv6 is unavailable the binding is IPv4 only. Datagrams that
 *   still arrive as `::ffff:a.b.c.d` are reported as `a.b.c.d`.
 * - **Synchronous sends.** Every socket gets a `lookup` that answers synchronously (our
 *   destinations are always IP literals, validated once per destination object by `send`), so
 *   `socket.send` reaches the kernel before it returns: `setTTL(ttl)` → send → `setTTL(64)` then
 *   applies to exactly one datagram, and no DNS machinery runs per packet. Measured alternatives
 *   (`npm run bench runtime`, "dgram shape" rows): without the callback, or on a connected socket,
 *   a send costs the same within noise (~3-4 µs, almost all of it the sendto syscall, which on
 *   loopback also delivers into the receiver's socket), so the callback that counts errors stays.
 * - **Errors are counted, not thrown** (UDP is best-effort): failed sends (EHOSTUNREACH, ENETUNREACH,
 *   EMSGSIZE…) and socket `'error'` events increment {@link DgramBinding.sendErrors} /
 *   {@link DgramBinding.socketErrors}. Only API misuse throws (closed socket, bad address/port,
 *   oversized datagram), as the contract says.
 * @module
 */
import dgram from 'node:dgram';
import { isIP, isIPv4 } from 'node:net';
import type {
  UdpAddress,
  UdpBinding,
  UdpBindOptions,
  UdpMessageHandler,
  UdpSendOptions,
  UdpStack,
} from './udp-binding.ts';

/** Largest UDP payload over IPv4 (65535 − 8 − 20). */
export const MAX_UDP_PAYLOAD = 65507;
/** TTL restored after a per-datagram TTL send (the contract's default). */
export const DEFAULT_TTL = 64;
/** Socket buffer size asked for (the reference also enlarges them; the OS may clamp it). */
const SOCKET_BUFFER_BYTES = 1 << 20;
/** Attempts to find an ephemeral port free in both families for a wildcard bind to port 0. */
const EPHEMERAL_ATTEMPTS = 16;

// Destinations are IP literals: answer synchronously so the datagram leaves inside send().
// Node calls lookup(address, familyOrOptions, callback) on every send of an unconnected socket;
// `send` has already validated the address, so the family is the socket's own (udp4 → 4).
function literalLookup4(
  address: string,
  familyOrOptions: unknown,
  callback?: (err: Error | null, address: string, family: number) => void,
): void {
  (typeof familyOrOptions === 'function' ? familyOrOptions : callback)?.(null, address, 4);
}

function literalLookup6(
  address: string,
  familyOrOptions: unknown,
  callback?: (err: Error | null, address: string, family: number) => void,
): void {
  (typeof familyOrOptions === 'function' ? familyOrOptions : callback)?.(null, address, 6);
}

/** `::ffff:a.b.c.d` → `a.b.c.d`; strips an IPv6 zone; otherwise unchanged. */
export function unmapAddress(ip: string): string {
  if (ip.length > 7 && ip.slice(0, 7).toLowerCase() === '::ffff:' && isIPv4(ip.slice(7))) return ip.slice(7);
  const zone = ip.indexOf('%');
  return zone >= 0 ? ip.slice(0, zone) : ip;
}

function openSocket(type: 'udp4' | 'udp6', port: number, address: string): Promise<dgram.Socket> {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket({
      type,
      ipv6Only: type === 'udp6',
      reuseAddr: false,
      lookup: (type === 'udp4' ? literalLookup4 : literalLookup6) as never,
    });
    const onError = (err: Error) => {
      s.removeListener('listening', onListening);
      try {
        s.close();
      } catch {
        // already closed
      }
      reject(err);
    };
    const onListening = () => {
      s.removeListener('error', onError);
      try {
        s.setRecvBufferSize(SOCKET_BUFFER_BYTES);
        s.setSendBufferSize(SOCKET_BUFFER_BYTES);
      } catch {
        // The OS may refuse large buffers; the defaults still work.
      }
      resolve(s);
    };
    s.once('error', onError);
    s.once('listening', onListening);
    s.bind(port, address);
  });
}

function closeQuietly(s: dgram.Socket | undefined): void {
  try {
    s?.close();
  } catch {
    // already closed
  }
}

/** A bound {@link UdpBinding} over one or two `node:dgram` sockets (see the module documentation). */
export class DgramBinding implements UdpBinding {
  /** {@inheritDoc UdpBinding.onMessage} */
  onMessage: UdpMessageHandler | undefined;
  /** Datagrams handed to the kernel. */
  sent = 0;
  /** Datagrams received (including those dropped for want of a handler). */
  received = 0;
  /** Sends that failed (no route, message too big, …): counted and dropped, never thrown. */
  sendErrors = 0;
  /** Asynchronous socket errors (counted; the socket stays open). */
  socketErrors = 0;
  /** The last send or socket error, for diagnostics. */
  lastError: Error | undefined;
  private isClosed = false;
  /** One-entry cache of the last destination validated by `send` (see there). */
  private lastTo: UdpAddress | undefined;
  private lastPort = 0;
  private lastSocket: dgram.Socket | undefined;
  private lastIp = '';
  private readonly onSent = (err: Error | null) => {
    if (err) this.countSendError(err);
  };

  /** @internal Use {@link DgramUdpStack.bind}. */
  constructor(
    /** {@inheritDoc UdpBinding.localAddress} */
    readonly localAddress: UdpAddress,
    private readonly v4: dgram.Socket | undefined,
    private readonly v6: dgram.Socket | undefined,
  ) {
    if (v4) this.listen(v4, false);
    if (v6) this.listen(v6, true);
  }

  private listen(s: dgram.Socket, v6: boolean): void {
    // One handler per socket, made once (no closure per datagram). An IPv4 socket's sources are
    // dotted quads already: only the IPv6 socket needs `unmapAddress`.
    s.on('message', (msg: Buffer, rinfo: dgram.RemoteInfo) => {
      this.received++;
      const h = this.onMessage;
      if (!h) return;
      // The handler owns `data`: Node gives each message its own Buffer, viewed here without a copy.
      const data = new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength);
      h(data, { ip: v6 ? unmapAddress(rinfo.address) : rinfo.address, port: rinfo.port }, this);
    });
    s.on('error', (err: Error) => {
      this.socketErrors++;
      this.lastError = err;
    });
  }

  /** {@inheritDoc UdpBinding.closed} */
  get closed(): boolean {
    return this.isClosed;
  }

  /** The IP families this binding can send to (a wildcard bind has both unless IPv6 is unavailable). */
  get families(): (4 | 6)[] {
    const f: (4 | 6)[] = [];
    if (this.v4) f.push(4);
    if (this.v6) f.push(6);
    return f;
  }

  /** {@inheritDoc UdpBinding.send} */
  send(data: Uint8Array, to: UdpAddress, options?: UdpSendOptions): void {
    if (this.isClosed) {
      throw Object.assign(new Error('Not running'), { code: 'ERR_SOCKET_DGRAM_NOT_RUNNING' });
    }
    if (data.length > MAX_UDP_PAYLOAD)
      throw new RangeError(`UdpBinding.send: datagram of ${data.length} bytes exceeds ${MAX_UDP_PAYLOAD}`);
    // The runner passes one cached address object per destination: validate it once, then reuse
    // the socket and the unmapped IP while the same object comes back (a bulk transfer).
    let s: dgram.Socket | undefined;
    let ip: string;
    if (to === this.lastTo && to.port === this.lastPort) {
      s = this.lastSocket;
      ip = this.lastIp;
    } else {
      if (!Number.isInteger(to.port) || to.port < 1 || to.port > 0xffff)
        throw new RangeError(`UdpBinding.send: bad port ${to.port}`);
      ip = unmapAddress(to.ip);
      const fam = isIP(ip);
      if (fam === 0) throw new RangeError(`UdpBinding.send: not an IP address: ${to.ip}`);
      s = fam === 4 ? this.v4 : this.v6;
      if (!s) {
        // No socket of that family here (IPv6 disabled, or bound to one address): unreachable.
        this.countSendError(Object.assign(new Error(`no IPv${fam} socket`), { code: 'EAFNOSUPPORT' }));
        return;
      }
      this.lastTo = to;
      this.lastPort = to.port;
      this.lastSocket = s;
      this.lastIp = ip;
    }
    const ttl = options?.ttl;
    try {
      if (ttl !== undefined && ttl !== DEFAULT_TTL) s!.setTTL(ttl);
      // With the synchronous lookup the datagram normally reaches the kernel inside send(). When
      // the socket's send queue is backed up (EAGAIN) node:dgram keeps a reference to `data` and
      // sends it later: the node core never rewrites a datagram it handed over (its packets are
      // carved from fresh slab regions), so that is safe for it.
      s!.send(data, to.port, ip, this.onSent);
      this.sent++;
    } catch (err) {
      this.countSendError(err as Error);
    } finally {
      if (ttl !== undefined && ttl !== DEFAULT_TTL) {
        try {
          s!.setTTL(DEFAULT_TTL);
        } catch {
          // socket gone
        }
      }
    }
  }

  /** {@inheritDoc UdpBinding.close} */
  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.onMessage = undefined;
    closeQuietly(this.v4);
    closeQuietly(this.v6);
  }

  private countSendError(err: Error): void {
    this.sendErrors++;
    this.lastError = err;
  }
}

/**
 * The operating system's UDP, as a `UdpStack`. Stateless: one instance can serve many nodes.
 *
 * `bind()` with no address (or `'::'`) binds every address of both families on one port;
 * `'0.0.0.0'` every IPv4 address; a specific address only that one. Port 0 picks an ephemeral
 * port (the same in both families). Rejects with the OS error (e.g. `EADDRINUSE`) if it cannot bind.
 */
export class DgramUdpStack implements UdpStack {
  /** Binds; see the class documentation. */
  async bind(options: UdpBindOptions = {}): Promise<DgramBinding> {
    const port = options.port ?? 0;
    if (!Number.isInteger(port) || port < 0 || port > 0xffff) throw new RangeError(`bind: bad port ${port}`);
    const address = options.address ?? '::';
    if (address === '::') return this.bindWildcard(port);
    const fam = isIP(address);
    if (fam === 0) throw new RangeError(`bind: not an IP address: ${address}`);
    if (fam === 4) {
      const s = await openSocket('udp4', port, address);
      return new DgramBinding({ ip: address, port: s.address().port }, s, undefined);
    }
    const s = await openSocket('udp6', port, address);
    return new DgramBinding({ ip: address, port: s.address().port }, undefined, s);
  }

  private async bindWildcard(port: number): Promise<DgramBinding> {
    for (let attempt = 0; ; attempt++) {
      const v4 = await openSocket('udp4', port, '0.0.0.0');
      const actual = v4.address().port;
      try {
        const v6 = await openSocket('udp6', actual, '::');
        return new DgramBinding({ ip: '::', port: actual }, v4, v6);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EADDRINUSE' && port === 0 && attempt < EPHEMERAL_ATTEMPTS) {
          // The kernel gave an IPv4 port that is taken in IPv6: try another.
          closeQuietly(v4);
          continue;
        }
        if (code === 'EADDRINUSE') {
          closeQuietly(v4);
          throw err;
        }
        // No IPv6 on this host (EAFNOSUPPORT, EADDRNOTAVAIL…): IPv4 only.
        return new DgramBinding({ ip: '0.0.0.0', port: actual }, v4, undefined);
      }
    }
  }
}
