/**
 * Test helpers for TCP: two TcpLayers over a SimIpNetwork, and a byte-exact bulk transfer driver.
 * Not part of the public API.
 * @module
 */

import { SimIpNetwork, type SimLinkOptions } from '../../testing/sim-link.ts';
import type { TcpConnection } from './connection.ts';
import { TcpLayer } from './layer.ts';
import type { TcpLayerOptions } from './options.ts';

/** Two TCP layers joined by an impaired in-memory link. */
export interface TcpPair {
  net: SimIpNetwork;
  a: TcpLayer;
  b: TcpLayer;
}

/** Builds a pair; `opts` go to both layers (random is filled from the seeded PRNG). */
export function tcpPair(
  link: SimLinkOptions & { seed?: number; mtu?: number } = {},
  opts: Partial<TcpLayerOptions> = {},
): TcpPair {
  const net = new SimIpNetwork(link);
  const random = (n: number) => net.rng.bytes(n);
  const a = new TcpLayer(net.a, { random, ...opts });
  const b = new TcpLayer(net.b, { random, ...opts });
  net.a.transport = a;
  net.b.transport = b;
  return { net, a, b };
}

/** Deterministic pattern byte at stream position i (so receivers can check without storing the source). */
export function patternByte(i: number): number {
  return (i * 31 + (i >>> 8) * 7 + (i >>> 16)) & 0xff;
}

/** Result of `bulkTransfer`. */
export interface TransferResult {
  done: boolean;
  received: number;
  corrupt: number;
  fakeMs: number;
  client: TcpConnection;
  server: TcpConnection | null;
}

/**
 * Sends `size` pattern bytes from a to b (b listens on 80), a closes, b checks every byte and
 * closes on end. Bounded by `limitMs` of fake time.
 */
export function bulkTransfer(p: TcpPair, size: number, limitMs: number, chunk = 65536): TransferResult {
  const { net, a, b } = p;
  const l = b.listen(80);
  let server: TcpConnection | null = null;
  let received = 0;
  let corrupt = 0;
  let serverEnded = false;
  let clientClosed = false;
  l.onconnection = (c) => {
    server = c;
    c.ondata = (d) => {
      for (let i = 0; i < d.length; i++) if (d[i] !== patternByte(received + i)) corrupt++;
      received += d.length;
    };
    c.onend = () => {
      serverEnded = true;
      c.close();
    };
  };
  const src = new Uint8Array(chunk);
  let written = 0;
  const client = a.connect(net.b.address, 80);
  const pump = () => {
    while (written < size) {
      const n = Math.min(chunk, size - written);
      for (let i = 0; i < n; i++) src[i] = patternByte(written + i);
      const k = client.write(src, 0, n);
      written += k;
      if (k < n) return;
    }
    client.shutdown();
  };
  client.onconnect = pump;
  client.ondrain = pump;
  client.onclose = () => {
    clientClosed = true;
  };
  const start = net.now;
  const done = net.run(() => serverEnded && clientClosed, start + limitMs);
  return { done, received, corrupt, fakeMs: net.now - start, client, server };
}
