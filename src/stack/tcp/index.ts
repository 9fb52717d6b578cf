/**
 * TCP for the user-space stack (RFC 9293 with RFC 1122, 5961, 6528, 7323, 2018, 6675, 6298, 5681,
 * 6582, 9438, 3042, 8985, 5482). Public surface for the socket layer:
 *
 * - {@link TcpLayer}: the `TransportProtocol` for IP protocol 6. `new TcpLayer(stack.ip, { random })`,
 *   then `stack.registerTransport(6, tcp)`. Methods: `listen(port, opts)`, `connect(ip, port, opts)`,
 *   `counters`, `connectionCount`, and the sans-I/O trio `receive` / `poll(now)` / `nextDeadline()`.
 * - {@link TcpListener}: `onconnection(conn)` or pull-mode `accept()`; `close()`; `backlog`.
 * - {@link TcpConnection}: `write(bytes) → accepted`, `read(max)` / `readInto(buf)` or push-mode
 *   `ondata` with `pause()` / `resume()` (the receive window follows the reader), `shutdown()` (FIN,
 *   half-close), `close()`, `abort()` (RST), `setNoDelay`, `setKeepAlive`, `setUserTimeout`,
 *   `stats()`, `state`, `readableLength`, `writableLength`, `writableSpace`; events `onconnect`,
 *   `ondata`, `onreadable`, `ondrain`, `onend`, `onerror(code)`, `onclose`.
 *
 * Callbacks run synchronously but never in the middle of segment processing (see connection.ts,
 * "Events and re-entrancy"). API calls use the layer's last known time (`poll(now)` updates it).
 * @module
 */

export { BufferPool } from './buffer-pool.ts';
export { TcpConnection } from './connection.ts';
export { TcpLayer, TcpListener } from './layer.ts';
export {
  DEFAULTS as TCP_DEFAULTS,
  type TcpConnectionOptions,
  type TcpConnectionStats,
  TcpCounters,
  type TcpErrorCode,
  type TcpLayerOptions,
  type TcpState,
} from './options.ts';
