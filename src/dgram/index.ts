/**
 * `dgram` over a ZeroTier network (or any {@link Stack}): the same API as `node:dgram`, bound to one stack, or to
 * every joined network of a node (a {@link StackSetBinding}: each socket then chooses the network by route).
 *
 * ```ts
 * import { createDgram } from './index.ts';
 *
 * const dgram = createDgram(binding);         // binding: { stack, now, kick, hold? } from the runtime
 * const server = dgram.createSocket('udp4');
 * server.on('message', (msg, rinfo) => server.send(msg, rinfo.port, rinfo.address)); // echo
 * server.bind(5353, () => console.log('listening on', server.address()));
 *
 * const client = dgram.createSocket({ type: 'udp6' });
 * client.send('hello', 5353, '::ffff:10.147.17.5', (err, bytes) => {});
 * ```
 * @module
 */

import type { DgramBinding } from './binding.ts';
import { type RemoteInfo, Socket, type SocketOptions, type SocketType } from './socket.ts';

export type { DgramBinding, DgramStackBinding, SocketHost, StackSetBinding } from './binding.ts';
export type { DgramSystemError } from './errors.ts';
export type { AddressInfo, BindOptions, RemoteInfo, SocketOptions, SocketType } from './socket.ts';
export { Socket } from './socket.ts';

/** A `dgram`-shaped module bound to one stack. */
export interface DgramModule {
  /** Like `dgram.createSocket(type | options[, listener])`. */
  createSocket(type: SocketType | SocketOptions, listener?: (msg: Buffer, rinfo: RemoteInfo) => void): Socket;
  /** The socket class (`instanceof` checks). */
  readonly Socket: typeof Socket;
}

/** Builds the `dgram` module of one stack (`node.dgram` in the public API). */
export function createDgram(binding: DgramBinding): DgramModule {
  return {
    createSocket: (type, listener) => new Socket(binding, type, listener),
    Socket,
  };
}
