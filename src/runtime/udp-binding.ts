/**
 * The UDP boundary of a ZeroTier node: what the node driver needs from "a bound UDP socket".
 * ZeroTier carries one packet or fragment per datagram (protocol.md §3.1), and a path is the pair
 * (local socket, remote IP:port) (protocol.md §9.3), so the driver needs exactly: bind a port,
 * send a datagram to an address, be told of each datagram with its source address and the socket
 * it arrived on, close.
 *
 * Two implementations share this interface: `SimHost` in `src/testing/sim-host.ts` (in-memory,
 * fake-clock driven) and `src/runtime/udp.ts`, over `node:dgram`. Mapping to `node:dgram`:
 * - `bind({ port, address })`: `dgram.createSocket({ type: 'udp6' })` when `address` is
 *   omitted or `'::'` (dual-stack: IPv4 peers then appear as `::ffff:a.b.c.d`, which the adapter
 *   must turn back into `a.b.c.d`), `'udp4'` for `'0.0.0.0'` or an IPv4 address; then
 *   `socket.bind(port, address)`; resolve once `'listening'` fires. Port 0 = ephemeral.
 * - `localAddress`: `{ ip: socket.address().address, port: socket.address().port }`.
 * - `onMessage`: `socket.on('message', (msg, rinfo) => b.onMessage?.(msg, { ip, port: rinfo.port }, b))`.
 * - `send(data, to, { ttl })`: `socket.send(Buffer.from(data), to.port, ip, cb)`. Two traps,
 *   both caught by `udp-binding-compliance.ts` when run on real sockets: dgram reads the bytes
 *   only after an asynchronous address lookup, so the adapter must copy (this interface promises
 *   the caller may reuse `data` at once); and a dual-stack `udp6` socket cannot send to a bare
 *   IPv4 string, so `ip` is `::ffff:a.b.c.d` there. For `ttl`, `setTTL(ttl)` before and
 *   `setTTL(64)` after. Send failures (the callback's error: EHOSTUNREACH, EMSGSIZE…) are
 *   counted and dropped, never thrown: UDP is best-effort.
 * - `close()`: `socket.close()`; later sends throw `ERR_SOCKET_DGRAM_NOT_RUNNING` like Node.
 *
 * A minimal adapter along these lines passes `defineUdpBindingCompliance` on 127.0.0.1.
 * @module
 */

/** A UDP endpoint. `ip` is a canonical IPv4 or IPv6 string (no brackets, no zone). */
export interface UdpAddress {
  readonly ip: string;
  readonly port: number;
}

/** Per-datagram send options. */
export interface UdpSendOptions {
  /**
   * IP TTL / hop limit for this datagram only (default 64). RENDEZVOUS hole punching sends a
   * junk datagram with TTL 2 so it opens the local NAT but dies before the far one (§6.6).
   */
  ttl?: number;
}

/**
 * Receives one datagram. `data` belongs to the callee (a fresh copy per delivery); `binding` is
 * the socket it arrived on, which identifies the local half of a ZeroTier path (§9.3).
 */
export type UdpMessageHandler = (data: Uint8Array, from: UdpAddress, binding: UdpBinding) => void;

/** A bound UDP socket. */
export interface UdpBinding {
  /** The bound address: a wildcard (`0.0.0.0` / `::`) or the specific IP, and the actual port. */
  readonly localAddress: UdpAddress;
  /** True once {@link UdpBinding.close} was called. */
  readonly closed: boolean;
  /** Called for every datagram received; datagrams arriving while it is unset are dropped. */
  onMessage: UdpMessageHandler | undefined;
  /**
   * Sends one datagram (copied before return, so the caller may reuse `data`). Best-effort:
   * network failures are dropped silently. Throws only on misuse (closed socket, bad address or
   * port, datagram over 65507 bytes).
   */
  send(data: Uint8Array, to: UdpAddress, options?: UdpSendOptions): void;
  /** Releases the port; idempotent. */
  close(): void;
}

/** Where to bind. */
export interface UdpBindOptions {
  /** Port to bind; 0 or omitted = a random free ephemeral port. */
  port?: number;
  /**
   * Local address: omitted or `'::'` = every address of both families; `'0.0.0.0'` = every
   * IPv4 address; otherwise one of the host's addresses (or a loopback address).
   */
  address?: string;
}

/** Something that can bind UDP sockets: a simulated host, or the real OS in `src/runtime`. */
export interface UdpStack {
  /** Binds a socket (synchronous in the simulator, asynchronous over `node:dgram`: `await` it). */
  bind(options?: UdpBindOptions): UdpBinding | Promise<UdpBinding>;
}
