/**
 * Socket-layer benchmarks (issue 6): `net` throughput, Node `http` request rate and a large http
 * download, between two user-space stacks on the in-memory link of src/testing/stack-pair.ts (real
 * timers, frames delivered in batches on setImmediate). For comparison, the same measurements over
 * plain Node `net`/`http` on the kernel's loopback in the same run.
 *
 * Run: npm run bench net
 */
import { once } from 'node:events';
import * as http from 'node:http';
import * as nodeNet from 'node:net';
import { performance } from 'node:perf_hooks';
import { createHttp } from '../src/http/index.ts';
import { createNet } from '../src/net/index.ts';
import { createStackPair } from '../src/testing/stack-pair.ts';
import { report } from './measure.ts';

const MB = 1 << 20;

interface NetLike {
  createServer(l: (s: nodeNet.Socket) => void): {
    listen(port: number): unknown;
    close(): unknown;
    once(e: string, f: () => void): unknown;
  };
  connect(port: number, host: string): nodeNet.Socket;
}

/** Sends `bytes` one way as fast as backpressure allows; returns Mbit/s. */
async function throughput(net: NetLike, host: string, port: number, bytes: number): Promise<number> {
  let got = 0;
  let t0 = 0;
  const done = new Promise<number>((resolve) => {
    const server = net.createServer((s) => {
      s.on('data', (d: Buffer) => {
        got += d.length;
      });
      s.on('end', () => {
        const ms = performance.now() - t0;
        server.close();
        resolve((bytes * 8) / (ms * 1000));
      });
    });
    server.listen(port);
  });
  await new Promise((r) => setTimeout(r, 20));
  const c = net.connect(port, host);
  await once(c, 'connect');
  t0 = performance.now();
  const chunk = Buffer.alloc(64 * 1024, 0x5a);
  let sent = 0;
  while (sent < bytes) {
    sent += chunk.length;
    if (!c.write(chunk)) await once(c, 'drain');
  }
  c.end();
  const mbps = await done;
  if (got !== bytes) throw new Error(`got ${got} of ${bytes}`);
  c.destroy();
  return mbps;
}

/** Sequential GETs on one keep-alive connection for `ms`; returns requests/s. */
async function requestRate(
  get: (url: string, cb: (res: http.IncomingMessage) => void) => void,
  url: string,
  ms: number,
): Promise<number> {
  const one = () =>
    new Promise<void>((resolve) =>
      get(url, (res) => {
        res.resume();
        res.on('end', () => resolve());
      }),
    );
  for (let i = 0; i < 50; i++) await one();
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < ms) {
    await one();
    n++;
  }
  return (n * 1000) / (performance.now() - t0);
}

async function downloadMbps(
  get: (url: string, cb: (res: http.IncomingMessage) => void) => void,
  url: string,
  bytes: number,
) {
  const t0 = performance.now();
  let got = 0;
  await new Promise<void>((resolve) =>
    get(url, (res) => {
      res.on('data', (d: Buffer) => {
        got += d.length;
      });
      res.on('end', () => resolve());
    }),
  );
  if (got !== bytes) throw new Error(`download got ${got}`);
  return (bytes * 8) / ((performance.now() - t0) * 1000);
}

async function main() {
  const BYTES = 200 * MB;
  const DL = 100 * MB;
  const big = Buffer.alloc(DL, 0x33);
  const handler: http.RequestListener = (req, res) => {
    if (req.url === '/big') res.end(big);
    else res.end('hello');
  };

  // --- our stack pair
  const pair = createStackPair();
  const netA = createNet(pair.a);
  const netB = createNet(pair.b);
  const ours = { createServer: netB.createServer, connect: netA.connect } as unknown as NetLike;
  report('net: stack pair, one connection (IPv4)', await throughput(ours, pair.b.v4, 5001, BYTES), 'Mbit/s');
  report('net: stack pair, one connection (IPv6)', await throughput(ours, pair.b.v6, 5002, BYTES), 'Mbit/s');
  const httpA = createHttp(netA);
  const httpB = createHttp(netB);
  const hs = httpB.createServer(handler);
  hs.listen(80);
  await once(hs, 'listening');
  const ourGet = (url: string, cb: (res: http.IncomingMessage) => void) => httpA.get(url, {}, cb);
  report(
    'http: stack pair, keep-alive GET',
    await requestRate(ourGet, `http://${pair.b.v4}/`, 2000),
    'req/s',
  );
  report('http: stack pair, 100 MB GET', await downloadMbps(ourGet, `http://${pair.b.v4}/big`, DL), 'Mbit/s');
  let fetches = 0;
  const tf = performance.now();
  while (performance.now() - tf < 2000) {
    const r = await httpA.fetch(`http://${pair.b.v4}/`);
    await r.text();
    fetches++;
  }
  report('fetch (undici): stack pair, keep-alive GET', (fetches * 1000) / (performance.now() - tf), 'req/s');
  hs.close();
  await httpA.close();
  await httpB.close();
  pair.close();

  // --- kernel loopback, same process, for comparison
  const kernel = nodeNet as unknown as NetLike;
  report(
    'net: kernel loopback (node:net), one connection',
    await throughput(kernel, '127.0.0.1', 0 || 45001, BYTES),
    'Mbit/s',
  );
  const ks = http.createServer(handler);
  ks.listen(45080);
  await once(ks, 'listening');
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const kGet = (url: string, cb: (res: http.IncomingMessage) => void) => http.get(url, { agent }, cb);
  report(
    'http: kernel loopback, keep-alive GET',
    await requestRate(kGet, 'http://127.0.0.1:45080/', 2000),
    'req/s',
  );
  report(
    'http: kernel loopback, 100 MB GET',
    await downloadMbps(kGet, 'http://127.0.0.1:45080/big', DL),
    'Mbit/s',
  );
  agent.destroy();
  ks.close();
}

await main();
