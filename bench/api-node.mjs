/**
 * One measured node of `bench/api.bench.ts`, run on plain `node` (no tsx) against the COMPILED
 * package, so the benchmark measures what users run (issue 6): no keepNames `__name` calls in hot
 * paths, no loader in the RSS.
 *
 * Usage (the parent does this): `node --expose-gc bench/api-node.mjs <dist index URL> <planet hex> <nwid>`.
 * It records its memory at each stage (bare process, package imported, node started, network joined),
 * serves a TCP sink and a TCP echo on the virtual network AND on 127.0.0.1 (the same-run baseline),
 * plus a UDP echo on 127.0.0.1, prints one JSON line `{ ready: true, ... }`, then answers JSON
 * commands, one per stdin line (`{ id, cmd, ... }` → `{ id, ok, value }` or `{ id, error }`):
 * - `ping { ip, n, timeout }` → sorted round trips (ms) of `n` ICMP echoes;
 * - `rtt { ip, port, n, zt }` → sorted 1-byte TCP request/response round trips (ms);
 * - `udprtt { port, n }` → sorted 1-byte plain node:dgram round trips (ms);
 * - `bulk { ip, port, bytes, zt }` → `{ secs, bytes }` of a bulk TCP write acknowledged by the sink;
 * - `cpu` → `process.cpuUsage()`; `mem` → memory after a pause and a full GC;
 * - `snapshot { path }` → writes a V8 heap snapshot (to find what the idle node holds);
 * - `stop` → stops the node and exits.
 */

import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import v8 from 'node:v8';

const [distUrl, planetHex, nwid] = process.argv.slice(2);
const stages = [];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * RSS split into anonymous memory (heaps, buffers: the process's own) and file-backed pages (mostly
 * the node binary's code and data, shared with every other node process); Linux only, else zeros.
 */
function rssSplit() {
  try {
    const s = readFileSync('/proc/self/status', 'utf8');
    const kb = (k) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(s)?.[1] ?? 0) * 1024;
    return { rssAnon: kb('RssAnon'), rssFile: kb('RssFile') };
  } catch {
    return { rssAnon: 0, rssFile: 0 };
  }
}

/** Memory after a full GC (run with --expose-gc), in bytes. */
async function mem(stage) {
  await sleep(50);
  globalThis.gc?.();
  // V8 returns freed pages to the OS from a background task after the GC: give it time, else rss
  // still counts pages the heap no longer uses.
  await sleep(300);
  globalThis.gc?.();
  await sleep(300);
  const m = process.memoryUsage();
  const space = (name) =>
    v8.getHeapSpaceStatistics().find((x) => x.space_name === name)?.physical_space_size ?? 0;
  return {
    stage,
    ...rssSplit(),
    newSpace: space('new_space'),
    oldSpace: space('old_space'),
    rss: m.rss,
    heapUsed: m.heapUsed,
    heapTotal: m.heapTotal,
    external: m.external,
    arrayBuffers: m.arrayBuffers,
  };
}

/** Sink: counts bytes until FIN, then answers the count (8 bytes) and closes. Echo: echoes. */
function serve(m, host) {
  const sink = m.createServer((s) => {
    let n = 0;
    s.on('data', (d) => {
      n += d.length;
    });
    s.on('end', () => {
      const b = Buffer.alloc(8);
      b.writeBigUInt64BE(BigInt(n));
      s.end(b);
    });
    s.on('error', () => {});
  });
  const echo = m.createServer((s) => {
    s.setNoDelay(true);
    s.pipe(s);
    s.on('error', () => {});
  });
  const listen = (srv, port) =>
    new Promise((r) =>
      host ? srv.listen(port, host, () => r(srv.address().port)) : srv.listen(port, () => r(port)),
    );
  return Promise.all([listen(sink, host ? 0 : 5001), listen(echo, host ? 0 : 5002)]);
}

function connected(s) {
  return new Promise((resolve, reject) => {
    s.once('connect', () => resolve());
    s.once('error', reject);
  });
}

async function rtt(s, n) {
  s.setNoDelay(true);
  await connected(s);
  const times = [];
  const one = Buffer.from([1]);
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const got = new Promise((r) => s.once('data', r));
    s.write(one);
    await got;
    times.push(performance.now() - t0);
  }
  s.destroy();
  return times.sort((x, y) => x - y);
}

async function bulk(s, bytes) {
  await connected(s);
  const chunk = Buffer.alloc(64 * 1024, 0x5a);
  const t0 = performance.now();
  const done = new Promise((resolve, reject) => {
    s.once('data', (d) => resolve(d.readBigUInt64BE(0)));
    s.once('error', reject);
  });
  let sent = 0;
  while (sent < bytes) {
    sent += chunk.length;
    if (!s.write(chunk)) await new Promise((r) => s.once('drain', r));
  }
  s.end();
  const n = await done;
  const secs = (performance.now() - t0) / 1000;
  s.destroy();
  if (Number(n) !== sent) throw new Error(`sink got ${n} of ${sent} bytes`);
  return { secs, bytes: sent };
}

async function udpRtt(port, n) {
  const s = createSocket('udp4');
  await new Promise((r) => s.bind(0, '127.0.0.1', r));
  const one = Buffer.from([1]);
  const times = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const got = new Promise((r) => s.once('message', r));
    s.send(one, port, '127.0.0.1');
    await got;
    times.push(performance.now() - t0);
  }
  s.close();
  return times.sort((x, y) => x - y);
}

stages.push(await mem('bare node process'));
const sdk = await import(distUrl);
stages.push(await mem('package imported'));
const planet = sdk.World.fromBytes(Buffer.from(planetHex, 'hex'));
if (!planet.ok) throw new Error(planet.reason);
const node = await sdk.ZeroTierNode.start({
  storage: new sdk.MemoryStore(),
  planet: planet.value,
  port: 0,
  bindAddress: '127.0.0.1',
  secondaryPort: false,
  advertiseInterfaces: false,
});
stages.push(await mem('node started'));
const info = await node.join(nwid);
stages.push(await mem('network joined'));

await serve(node.net);
const [kernelSink, kernelEcho] = await serve(net, '127.0.0.1');
const udpEcho = createSocket('udp4');
udpEcho.on('message', (m, r) => udpEcho.send(m, r.port, r.address));
await new Promise((r) => udpEcho.bind(0, '127.0.0.1', r));

const commands = {
  ping: async ({ ip, n, timeout }) => {
    const t = [];
    for (let i = 0; i < n; i++) t.push(await node.ping(ip, { timeout }));
    return t.sort((x, y) => x - y);
  },
  rtt: ({ ip, port, n, zt }) => rtt(zt ? node.net.connect(port, ip) : net.connect(port, ip), n),
  udprtt: ({ port, n }) => udpRtt(port, n),
  bulk: ({ ip, port, bytes, zt }) => bulk(zt ? node.net.connect(port, ip) : net.connect(port, ip), bytes),
  cpu: () => process.cpuUsage(),
  mem: ({ label }) => mem(label),
  snapshot: ({ path }) => v8.writeHeapSnapshot(path),
  stop: async () => {
    udpEcho.close();
    await node.stop();
    setImmediate(() => process.exit(0));
    return true;
  },
};

const lines = createInterface({ input: process.stdin });
// The parent went away: do not linger.
lines.on('close', () => process.exit(0));
lines.on('line', (line) => {
  const m = JSON.parse(line);
  Promise.resolve()
    .then(() => commands[m.cmd](m))
    .then(
      (value) => console.log(JSON.stringify({ id: m.id, ok: true, value })),
      (e) => console.log(JSON.stringify({ id: m.id, error: String(e?.stack ?? e) })),
    );
});
console.log(
  JSON.stringify({
    ready: true,
    address: node.address,
    addresses: info.addresses,
    kernel: { sink: kernelSink, echo: kernelEcho, udpEcho: udpEcho.address().port },
    stages,
  }),
);
