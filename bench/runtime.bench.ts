/**
 * The runtime on real loopback sockets: `npm run bench runtime`.
 *
 * - DgramUdpStack: cost of one `send` of a 1432-byte datagram (path MTU, §3.1), and datagrams/s
 *   received in bursts (what the OS + node:dgram + our adapter deliver to a handler);
 * - NodeRunner end to end: USER_MESSAGEs/s from one leaf to another over a direct loopback path
 *   (send → armor → UDP → receive → dearmor → event), in windows of 256 in flight.
 *
 * Real time and real sockets: numbers depend on the machine and its load (shared machine).
 */
import { readFileSync } from 'node:fs';
import { Identity } from '../src/protocol/identity.ts';
import { parseInetAddress } from '../src/protocol/inet-address.ts';
import { World, WorldType } from '../src/protocol/world.ts';
import { NodeRunner } from '../src/runtime/node-runner.ts';
import { MemoryStore } from '../src/runtime/store.ts';
import { DgramUdpStack } from '../src/runtime/udp.ts';
import { report, timePerCall } from './measure.ts';

const IDS: string[] = JSON.parse(
  readFileSync(new URL('../test/vl1/fixtures/identities.json', import.meta.url), 'utf8'),
).identities;
const id = (i: number) => {
  const d = Identity.fromString(IDS[i]);
  if (!d.ok) throw new Error(d.reason);
  return d.value;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function udpBench(): Promise<void> {
  const stack = new DgramUdpStack();
  const a = await stack.bind({ address: '127.0.0.1' });
  const b = await stack.bind({ address: '127.0.0.1' });
  const to = { ip: '127.0.0.1', port: b.localAddress.port };
  const payload = new Uint8Array(1432);
  let got = 0;
  b.onMessage = () => {
    got++;
  };
  // Send cost (the receive side drains in between batches).
  const per = timePerCall(() => a.send(payload, to), { ms: 500, batch: 200 });
  report('udp send 1432 B (µs/datagram)', per, 'µs');
  await sleep(100);
  // Receive rate: bursts of 256 (below socket buffer limits), then wait for them.
  const burst = 256;
  const t0 = performance.now();
  let sent = 0;
  got = 0;
  while (performance.now() - t0 < 2000) {
    const target = got + burst;
    for (let i = 0; i < burst; i++) a.send(payload, to);
    sent += burst;
    const w0 = performance.now();
    while (got < target && performance.now() - w0 < 200) await new Promise((r) => setImmediate(r));
  }
  const secs = (performance.now() - t0) / 1000;
  report('udp loopback receive, bursts of 256 (datagrams/s)', got / secs, '/s');
  report('udp loopback delivered / sent', (100 * got) / sent, '%');
  if (a.sendErrors > 0) console.log(`(${a.sendErrors} send errors: ${a.lastError?.message})`);
  a.close();
  b.close();
}

async function runnerBench(): Promise<void> {
  const [rootId, aId, bId] = [id(0), id(1), id(2)];
  // The root's port must be known to build the planet: bind it first with a placeholder planet.
  const probe = await new DgramUdpStack().bind({ address: '127.0.0.1' });
  const port = probe.localAddress.port;
  probe.close();
  const planet = World.create({
    type: WorldType.PLANET,
    id: 31337n,
    timestamp: 1,
    roots: [{ identity: rootId.publicOnly(), stableEndpoints: [parseInetAddress(`127.0.0.1/${port}`)!] }],
    signingKey: { publicKey: rootId.publicKey, privateKey: rootId.privateKey as Uint8Array },
  });
  const mk = (ident: Identity, p?: number) =>
    new NodeRunner({
      store: new MemoryStore([['identity.secret', new TextEncoder().encode(ident.toString(true))]]),
      planet,
      port: p ?? 0,
      secondaryPort: false,
      advertiseInterfaces: false,
    });
  const root = mk(rootId, port);
  const a = mk(aId);
  const b = mk(bId);
  for (const r of [root, a, b]) {
    if (process.env.DBG) r.on('trace', (e) => console.log('TRACE', r.address, e.message));
    await r.start();
  }
  let got = 0;
  b.on('user-message', () => {
    got++;
  });
  const data = new Uint8Array(1000);
  // Wait until a has a direct path to b (after relaying + RENDEZVOUS), sending meanwhile.
  const t0 = performance.now();
  while (performance.now() - t0 < 20000) {
    a.sendUserMessage(bId.addressString, 1n, data);
    await sleep(100);
    const p = a.peers().find((x) => x.address === bId.addressString);
    if (p?.direct) break;
  }
  const direct = a.peers().find((x) => x.address === bId.addressString)?.direct ?? false;
  const window = 256;
  got = 0;
  let sent = 0;
  const s0 = performance.now();
  while (performance.now() - s0 < 3000) {
    const target = got + window;
    for (let i = 0; i < window; i++) a.sendUserMessage(bId.addressString, 1n, data);
    sent += window;
    const w0 = performance.now();
    while (got < target && performance.now() - w0 < 200) await new Promise((r) => setImmediate(r));
  }
  const secs = (performance.now() - s0) / 1000;
  report(`runner USER_MESSAGE 1000 B a→b ${direct ? 'direct' : 'RELAYED'} (msgs/s)`, got / secs, '/s');
  report('runner USER_MESSAGE delivered / sent', (100 * got) / sent, '%');
  if (process.env.DBG) console.log(root.counters, a.counters, b.counters, JSON.stringify(a.peers()));
  for (const r of [root, a, b]) await r.stop();
}

await udpBench();
await runnerBench();
