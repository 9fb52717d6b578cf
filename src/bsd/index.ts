/**
 * BSD-style socket calls over a ZeroTier network (or any {@link Stack}): `node.bsd` in the public API, the
 * calls libzt users know (`zts_bsd_*`, libzt-notes.md §1d) with Linux's constants and `-errno` results.
 *
 * A TCP echo server and a client, blocking style (each call is awaited):
 * ```ts
 * import { createBsd, sockaddr, errnoName, AF_INET, SOCK_STREAM } from './index.ts';
 *
 * const bsd = createBsd(binding);                    // binding: { stack, tcp, now, kick, hold? }
 * const srv = bsd.socket(AF_INET, SOCK_STREAM, 0);
 * bsd.bind(srv, '0.0.0.0', 7);
 * bsd.listen(srv, 16);
 * const peer = sockaddr();
 * const fd = await bsd.accept(srv, peer);            // peer.address, peer.port
 * const buf = new Uint8Array(4096);
 * for (let n; (n = await bsd.recv(fd, buf)) > 0; ) await bsd.send(fd, buf.subarray(0, n));
 * bsd.close(fd);
 *
 * const cli = bsd.socket(AF_INET, SOCK_STREAM, 0);
 * if ((await bsd.connect(cli, '10.147.17.5', 7)) < 0) console.log('failed:', errnoName(bsd.errno));
 * ```
 * Non-blocking style: `bsd.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK)` (or `fcntl(fd, F_SETFL, O_NONBLOCK)`),
 * `connect` answers `-EINPROGRESS`, then `await bsd.poll([{ fd, events: POLLOUT, revents: 0 }], 5000)` and
 * `bsd.getsockopt(fd, SOL_SOCKET, SO_ERROR)` (0 = connected); `recv` answers `-EAGAIN` when nothing is there.
 * @module
 */

import type { BsdBinding } from './binding.ts';
import { type BsdOptions, BsdSockets } from './sockets.ts';

export type { BsdBinding, SocketStackBinding, TcpStackRef } from './binding.ts';
export * from './constants.ts';
export type { Linger } from './entry.ts';
export type { BsdOptions, MembershipRequest, PollFd, SockAddr, SockOptValue } from './sockets.ts';
export { BsdSockets, sockaddr } from './sockets.ts';

/** The BSD socket calls of one stack (`node.bsd`). */
export function createBsd(binding: BsdBinding, opts?: BsdOptions): BsdSockets {
  return new BsdSockets(binding, opts);
}
