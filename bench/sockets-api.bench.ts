/**
 * The socket APIs over two in-memory stacks (src/testing/stack-pair.ts: frames cross by setImmediate, real
 * timers): what the `bsd` and `dgram` layers cost on top of the stack.
 * - bsd: TCP throughput with blocking send/recv (64 KiB calls), and 1-byte round trips (send → recv → send).
 * - dgram: one-way datagram rate (1200-byte payloads, one in flight per 64) and echo round trips, next to
 *   node:dgram's echo round trip over the host's loopback in the same run.
 *
 * Run: npm run bench sockets-api
 */
import * as nodeDgram from 'node:dgram';
import { once } from 'node:events';
import * as K from '../src/bsd/constants.ts';
import { createBsd } from '../src/bsd/index.ts';
import { createDgram } from '../src/dgram/index.ts';
import { createStackPair as createTestPair } from '../src/testing/stack-pair.ts';
import { report } from './measure.ts';

async function bsdThroughput(bytes: number): Promise<number> {
  const p = createTestPair();
  const a = createBsd(p.a);
  const b = createBsd(p.b);
  const srv = b.socket(K.AF_INET, K.SOCK_STREAM, 0);
  b.bind(srv, '', 9000);
  b.listen(srv, 4);
  const acc = b.accept(srv);
  const c = a.socket(K.AF_INET, K.SOCK_STREAM, 0);
  await a.connect(c, p.b.v4, 9000);
  const fd = await acc;
  const chunk = new Uint8Array(65536);
  const t0 = performance.now();
  const sender = (async () => {
    for (let sent = 0; sent < bytes; sent += chunk.length) await a.send(c, chunk);
    a.shutdown(c, K.SHUT_WR);
  })();
  const buf = new Uint8Array(65536);
  let got = 0;
  for (;;) {
    const n = await b.recv(fd, buf);
    if (n <= 0) break;
    got += n;
  }
  await sender;
  const ms = performance.now() - t0;
  p.close();
  if (got !== bytes) throw new Error(`bench: got ${got}`);
  return (bytes * 8) / (ms / 1000) / 1e9;
}

async function bsdRoundTrip(n: number): Promise<number> {
  const p = createTestPair();
  const a = createBsd(p.a);
  const b = createBsd(p.b);
  const srv = b.socket(K.AF_INET, K.SOCK_STREAM, 0);
  b.bind(srv, '', 9001);
  b.listen(srv, 4);
  const acc = b.accept(srv);
  const c = a.socket(K.AF_INET, K.SOCK_STREAM, 0);
  a.setsockopt(c, K.IPPROTO_TCP, K.TCP_NODELAY, 1);
  await a.connect(c, p.b.v4, 9001);
  const fd = await acc;
  b.setsockopt(fd, K.IPPROTO_TCP, K.TCP_NODELAY, 1);
  const one = new Uint8Array(1);
  const echo = (async () => {
    const buf = new Uint8Array(1);
    while ((await b.recv(fd, buf)) > 0) await b.send(fd, buf);
  })();
  for (let i = 0; i < 200; i++) {
    await a.send(c, one);
    await a.recv(c, one);
  }
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    await a.send(c, one);
    await a.recv(c, one);
  }
  const us = ((performance.now() - t0) * 1000) / n;
  a.close(c);
  await echo;
  p.close();
  return us;
}

async function dgramRate(count: number): Promise<number> {
  const p = createTestPair();
  const server = createDgram(p.b).createSocket('udp4');
  server.bind(9002);
  await once(server, 'listening');
  let got = 0;
  let resolveDone: () => void = () => {};
  const done = new Promise<void>((r) => {
    resolveDone = r;
  });
  let window: () => void = () => {};
  server.on('message', () => {
    got++;
    if (got % 64 === 0) window();
    if (got === count) resolveDone();
  });
  const client = createDgram(p.a).createSocket('udp4');
  const payload = Buffer.alloc(1200);
  const t0 = performance.now();
  for (let sent = 0; sent < count; ) {
    const burst = Math.min(64, count - sent);
    const acked = new Promise<void>((r) => {
      window = r;
    });
    for (let i = 0; i < burst; i++) client.send(payload, 9002, p.b.v4);
    sent += burst;
    if (sent < count) await acked;
  }
  await done;
  const rate = count / ((performance.now() - t0) / 1000);
  client.close();
  server.close();
  p.close();
  return rate;
}

async function dgramRoundTrip(n: number): Promise<number> {
  const p = createTestPair();
  const server = createDgram(p.b).createSocket('udp6');
  server.on('message', (m, r) => server.send(m, r.port, r.address));
  server.bind(9003);
  await once(server, 'listening');
  const client = createDgram(p.a).createSocket('udp6');
  const msg = Buffer.alloc(32);
  const rtt = async () => {
    const got = once(client, 'message');
    client.send(msg, 9003, p.b.v6);
    await got;
  };
  for (let i = 0; i < 200; i++) await rtt();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await rtt();
  const us = ((performance.now() - t0) * 1000) / n;
  client.close();
  server.close();
  p.close();
  return us;
}

/** The same echo round trip with node:dgram over the host's loopback (kernel UDP), for scale. */
async function nodeDgramRoundTrip(n: number): Promise<number> {
  const server = nodeDgram.createSocket('udp6');
  server.on('message', (m, r) => server.send(m, r.port, r.address));
  server.bind(0, '::1');
  await once(server, 'listening');
  const port = server.address().port;
  const client = nodeDgram.createSocket('udp6');
  const msg = Buffer.alloc(32);
  const rtt = async () => {
    const got = once(client, 'message');
    client.send(msg, port, '::1');
    await got;
  };
  for (let i = 0; i < 200; i++) await rtt();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await rtt();
  const us = ((performance.now() - t0) * 1000) / n;
  client.close();
  server.close();
  return us;
}

let best = 0;
for (let i = 0; i < 3; i++) best = Math.max(best, await bsdThroughput(256 << 20));
report('bsd TCP throughput (send/recv 64 KiB, 256 MiB)', best, 'Gbit/s');
let rt = Number.POSITIVE_INFINITY;
for (let i = 0; i < 3; i++) rt = Math.min(rt, await bsdRoundTrip(3000));
report('bsd TCP round trip (1 byte, NODELAY)', rt, 'µs');
let rate = 0;
for (let i = 0; i < 3; i++) rate = Math.max(rate, await dgramRate(100_000));
report('dgram datagrams/s (1200 B, one way)', rate, '/s');
report('dgram throughput (1200 B payloads)', (rate * 1200 * 8) / 1e9, 'Gbit/s');
let drt = Number.POSITIVE_INFINITY;
for (let i = 0; i < 3; i++) drt = Math.min(drt, await dgramRoundTrip(3000));
report('dgram echo round trip (udp6, 32 B)', drt, 'µs');
let ndrt = Number.POSITIVE_INFINITY;
for (let i = 0; i < 3; i++) ndrt = Math.min(ndrt, await nodeDgramRoundTrip(3000));
report('node:dgram echo round trip (udp6 ::1, kernel)', ndrt, 'µs');
