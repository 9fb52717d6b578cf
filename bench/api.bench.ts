/**
 * The public API end to end, two processes over real UDP on loopback (issue 6 "Benchmarks"):
 * this process runs our root and node A; a child process runs node B. Both join an ad-hoc IPv4
 * network (§1.2); then A measures the ICMP round trip to B (`node.ping`), a TCP request/response
 * round trip (1 byte each way, `node.net`), and TCP throughput A → B (bulk write, B acknowledges the
 * byte count). The same TCP measurements over a plain Node `net` connection on 127.0.0.1 are
 * printed next to them, in the same run. B reports its RSS when idle with one network joined.
 *
 * `npm run bench api` (set BENCH_MB to change the bulk size, default 256).
 */

import { spawn } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createTestWorld } from '../src/api/local-world.ts';
import type { ZeroTierNode } from '../src/api/zerotier-node.ts';
import { World } from '../src/protocol/world.ts';
import { report } from './measure.ts';

const NWID = 'ff0a000000000001';
const BULK = Number(process.env.BENCH_MB ?? 256) * 1024 * 1024;
const SINK_PORT = 5001;
const ECHO_PORT = 5002;

/** Sink: counts bytes until FIN, then answers the count (8 bytes) and closes. Echo: echoes. */
function serve(m: { createServer: typeof net.createServer }): Array<{ close(): void }> {
  const sink = m.createServer((s) => {
    let n = 0;
    s.on('data', (d: Buffer) => {
      n += d.length;
    });
    s.on('end', () => {
      const b = Buffer.alloc(8);
      b.writeBigUInt64BE(BigInt(n));
      s.end(b);
    });
    s.on('error', () => {});
  });
  sink.listen(SINK_PORT);
  const echo = m.createServer((s) => {
    s.setNoDelay(true);
    s.pipe(s);
    s.on('error', () => {});
  });
  echo.listen(ECHO_PORT);
  return [sink, echo];
}

async function child(planetHex: string): Promise<void> {
  const { ZeroTierNode } = await import('../src/api/zerotier-node.ts');
  const { MemoryStore } = await import('../src/runtime/store.ts');
  const d = World.fromBytes(Buffer.from(planetHex, 'hex'));
  if (!d.ok) throw new Error(d.reason);
  const node = await ZeroTierNode.start({
    storage: new MemoryStore(),
    planet: d.value,
    bindAddress: '127.0.0.1',
    secondaryPort: false,
    advertiseInterfaces: false,
  });
  const info = await node.join(NWID);
  serve(node.net as unknown as typeof net);
  await new Promise((r) => setTimeout(r, 1000));
  globalThis.gc?.();
  const rss = process.memoryUsage().rss;
  console.log(JSON.stringify({ ready: true, addresses: info.addresses, rss }));
  process.stdin.on('end', () => void node.stop().then(() => process.exit(0)));
  process.stdin.resume();
}

async function rtt(connect: () => net.Socket, n: number): Promise<number> {
  const s = connect();
  s.setNoDelay(true);
  await new Promise<void>((r, j) => {
    s.once('connect', () => r());
    s.once('error', j);
  });
  const times: number[] = [];
  const one = Buffer.from([1]);
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const got = new Promise<void>((r) => s.once('data', () => r()));
    s.write(one);
    await got;
    times.push(performance.now() - t0);
  }
  s.destroy();
  times.sort((x, y) => x - y);
  return times[times.length >> 1];
}

async function bulk(connect: () => net.Socket): Promise<number> {
  const s = connect();
  await new Promise<void>((r, j) => {
    s.once('connect', () => r());
    s.once('error', j);
  });
  const chunk = Buffer.alloc(64 * 1024, 0x5a);
  const t0 = performance.now();
  const done = new Promise<bigint>((r, j) => {
    s.once('data', (d: Buffer) => r(d.readBigUInt64BE(0)));
    s.once('error', j);
  });
  let sent = 0;
  while (sent < BULK) {
    sent += chunk.length;
    if (!s.write(chunk)) await new Promise((r) => s.once('drain', r));
  }
  s.end();
  const n = await done;
  const secs = (performance.now() - t0) / 1000;
  if (Number(n) !== sent) throw new Error(`sink got ${n} of ${sent} bytes`);
  s.destroy();
  return (sent * 8) / secs / 1e9;
}

async function main(): Promise<void> {
  const world = await createTestWorld();
  const a: ZeroTierNode = await world.startNode();
  const kid = spawn(
    process.execPath,
    [
      '--expose-gc',
      '--import',
      'tsx',
      fileURLToPath(import.meta.url),
      'child',
      Buffer.from(world.planet.toBytes()).toString('hex'),
    ],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const lines = createInterface({ input: kid.stdout! });
  const ready = await new Promise<{ addresses: string[]; rss: number }>((resolve) =>
    lines.on('line', (l) => {
      try {
        const m = JSON.parse(l);
        if (m.ready) resolve(m);
      } catch {
        // not ours
      }
    }),
  );
  await a.join(NWID);
  const bV4 = ready.addresses.find((x) => !x.includes(':'))!.split('/')[0];
  // First contact (WHOIS, ARP, direct path) before measuring.
  for (let i = 0; i < 40; i++)
    if (
      await a.ping(bV4, { timeout: 500 }).then(
        () => true,
        () => false,
      )
    )
      break;
  const pings: number[] = [];
  for (let i = 0; i < 50; i++) pings.push(await a.ping(bV4, { timeout: 1000 }));
  pings.sort((x, y) => x - y);

  const local = serve(net);
  await new Promise((r) => setTimeout(r, 100));
  const zt = () => a.net.connect(ECHO_PORT, bV4) as unknown as net.Socket;
  const ztSink = () => a.net.connect(SINK_PORT, bV4) as unknown as net.Socket;
  const kernel = () => net.connect(ECHO_PORT, '127.0.0.1');
  const kernelSink = () => net.connect(SINK_PORT, '127.0.0.1');

  report('ICMP echo round trip A->B (median of 50)', pings[pings.length >> 1], 'ms', '<= 0.4 ms');
  report('TCP 1-byte round trip A->B (median of 200)', await rtt(zt, 200), 'ms', '<= 0.4 ms');
  report('  plain node:net loopback, same run', await rtt(kernel, 200), 'ms');
  report(`TCP throughput A->B (${BULK >> 20} MiB)`, await bulk(ztSink), 'Gbit/s', '>= 1.4 Gbit/s');
  report('  plain node:net loopback, same run', await bulk(kernelSink), 'Gbit/s');
  report('RSS of idle node B with one network', ready.rss / 1024 / 1024, 'MB', '<= 60 MB');
  for (const s of local) s.close();
  kid.stdin!.end();
  await new Promise((r) => kid.once('exit', r));
  await a.stop();
  await world.stop();
  randomFillSync(new Uint8Array(1));
}

if (process.argv[2] === 'child') await child(process.argv[3]);
else await main();
