/**
 * The runtime on real loopback sockets: `npm run bench runtime`.
 *
 * - THE PER-PACKET FLOOR (issue 6): the CPU cost, per 2800-byte VL2 frame, of the steps no
 *   implementation can skip — AES-GMAC-SIV armor of the ~2840-byte packet (§4.4), node:dgram send
 *   of the datagram(s), node:dgram receive, dearmor — in ONE process over 127.0.0.1, measured with
 *   `process.cpuUsage` (user + system: it includes the kernel's loopback delivery and libuv's poll)
 *   and divided by the frames delivered. Nothing else runs: no VL2, no TCP, no node core. Shown
 *   for one datagram per frame (path MTU 10324, what loopback paths use) and two (path MTU 1432:
 *   head + fragment sent with a 16-byte header in a two-buffer send, reassembled by one copy).
 *   The implied ceiling: `2800 × 8 / µs-per-frame` bits/s if one core did both ends; two
 *   processes split it (sender ≈ armor + send, receiver ≈ receive + dearmor), so the two-process
 *   ceiling is set by the busier side. BENCH_FLOOR_ONLY=1 runs just this part.
 * - DgramUdpStack: cost of one `send` of a 1432-byte datagram (path MTU, §3.1), and datagrams/s
 *   received in bursts (what the OS + node:dgram + our adapter deliver to a handler);
 * - NodeRunner end to end: USER_MESSAGEs/s from one leaf to another over a direct loopback path
 *   (send → armor → UDP → receive → dearmor → event), in windows of 256 in flight.
 *
 * Real time and real sockets: numbers depend on the machine and its load (shared machine).
 */
import { randomFillSync } from 'node:crypto';
import dgram from 'node:dgram';
import { readFileSync } from 'node:fs';
import { Node, type NodeIo } from '../src/core/node.ts';
import { armor, dearmor, SymmetricKey } from '../src/protocol/armor.ts';
import { Identity } from '../src/protocol/identity.ts';
import { type InetAddress, ipToString, parseInetAddress } from '../src/protocol/inet-address.ts';
import { Verb } from '../src/protocol/verbs/verb.ts';
import { World, WorldType } from '../src/protocol/world.ts';
import { NodeRunner } from '../src/runtime/node-runner.ts';
import { MemoryStore } from '../src/runtime/store.ts';
import { DgramUdpStack } from '../src/runtime/udp.ts';
import type { UdpAddress, UdpBinding } from '../src/runtime/udp-binding.ts';
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

// ---- the per-packet floor ----------------------------------------------------------------------

/** FRAME packet for a 2800-byte Ethernet payload: header 28 + nwid 8 + ethertype 2 + 2800 (§6.7). */
const FLOOR_FRAME = 2800;
const FLOOR_PACKET = 28 + 8 + 2 + FLOOR_FRAME;

// A synchronous lookup for IP literals (as runtime/udp.ts has): the datagram leaves inside send(),
// so the sender-side time below really contains the send.
function syncLookup(address: string, _o: unknown, cb: (e: Error | null, a: string, f: number) => void): void {
  cb(null, address, 4);
}

function floorSocket(): Promise<dgram.Socket> {
  return new Promise((resolve) => {
    const s = dgram.createSocket({ type: 'udp4', lookup: syncLookup as never });
    s.bind(0, '127.0.0.1', () => {
      s.setRecvBufferSize(1 << 22);
      s.setSendBufferSize(1 << 22);
      resolve(s);
    });
  });
}

interface FloorResult {
  /** CPU (user + system) per frame, µs. */
  cpu: number;
  /** CPU per frame spent in the sender's synchronous loop (armor + send calls + kernel delivery), µs. */
  send: number;
}

const cpuNow = (): number => {
  const c = process.cpuUsage();
  return c.user + c.system;
};

/**
 * Sends `frames` frames in windows of `window` in flight, each through `sendFrame`, and waits for
 * the receive side to count them; returns CPU per frame, and the part spent sending. CPU time
 * (not wall time) so that other processes on the shared machine do not inflate it.
 */
async function floorRun(
  sendFrame: () => void,
  delivered: () => number,
  frames: number,
  window: number,
): Promise<FloorResult> {
  const d0 = delivered();
  let sendCpu = 0;
  const c0 = cpuNow();
  for (let i = 0; i < frames; i += window) {
    const s0 = cpuNow();
    for (let j = 0; j < window; j++) sendFrame();
    sendCpu += cpuNow() - s0;
    const target = d0 + i + window;
    const w0 = performance.now();
    while (delivered() < target && performance.now() - w0 < 500) await new Promise((r) => setImmediate(r));
  }
  const cpu = cpuNow() - c0;
  const n = delivered() - d0;
  if (n < frames * 0.99) throw new Error(`floor: only ${n}/${frames} frames delivered`);
  return { cpu: cpu / n, send: sendCpu / n };
}

async function floorBench(): Promise<void> {
  const key = new SymmetricKey(Uint8Array.from({ length: 48 }, (_, i) => (i * 29 + 3) & 0xff));
  const template = new Uint8Array(FLOOR_PACKET).map((_, i) => (i * 7) & 0xff);
  template[18] = 0; // flags: set by armor (cipher 3)
  const pkt = Buffer.alloc(FLOOR_PACKET);
  const a = await floorSocket();
  const b = await floorSocket();
  const port = b.address().port;
  const ip = '127.0.0.1';

  // Crypto alone (§4.4), same packet: average CPU over many packets (GC included), like the rows
  // below — a best-of-batches figure would hide the allocation cost node:crypto has per packet.
  const avgCpu = (fn: () => void, n = 20000): number => {
    for (let i = 0; i < 2000; i++) fn();
    const c0 = cpuNow();
    for (let i = 0; i < n; i++) fn();
    return (cpuNow() - c0) / n;
  };
  const armorUs = avgCpu(() => {
    pkt.set(template);
    armor(pkt, key, 3);
  });
  const armored = Buffer.from(pkt);
  const work = Buffer.alloc(FLOOR_PACKET);
  const dearmorUs = avgCpu(() => {
    work.set(armored);
    if (!dearmor(work, key)) throw new Error('floor: dearmor failed');
  });
  // Receive side: counts frames; `crypto` decides whether the handler dearmors.
  let crypto = false;
  let fragmented = false;
  let got = 0;
  const assembly = Buffer.alloc(FLOOR_PACKET);
  const HEAD = 1432;
  b.on('message', (m: Buffer) => {
    if (!fragmented) {
      if (crypto && !dearmor(m, key)) throw new Error('floor: dearmor failed');
      got++;
    } else if (m[13] !== 0xff) {
      assembly.set(m, 0); // head
    } else {
      assembly.set(m.subarray(16), HEAD); // fragment 1 of 2 (same-host UDP keeps order)
      if (crypto && !dearmor(assembly, key)) throw new Error('floor: dearmor failed');
      got++;
    }
  });
  const fragHeader = Buffer.alloc(16);
  const tail = pkt.subarray(HEAD);
  const sendOne = () => {
    if (crypto) {
      pkt.set(template);
      armor(pkt, key, 3);
    }
    a.send(pkt, port, ip);
  };
  const sendTwo = () => {
    if (crypto) {
      pkt.set(template);
      pkt[18] = 0x40; // fragmented, set before armor (§3.3)
      armor(pkt, key, 3);
    }
    for (let i = 0; i < 13; i++) fragHeader[i] = pkt[i];
    fragHeader[13] = 0xff;
    fragHeader[14] = 0x21; // 2 fragments, this is no. 1
    a.send(pkt.subarray(0, HEAD), port, ip);
    a.send([fragHeader, tail], port, ip);
  };
  if (!crypto) {
    // The receive handler must see armored bytes once crypto is on: prime pkt.
    pkt.set(template);
  }
  const FRAMES = Number(process.env.BENCH_FLOOR_FRAMES ?? 20000);
  const WINDOW = 32;
  const best = async (fn: () => void): Promise<FloorResult> => {
    await floorRun(fn, () => got, 4000, WINDOW); // warm-up (JIT)
    let r: FloorResult | undefined;
    for (let k = 0; k < 3; k++) {
      const x = await floorRun(fn, () => got, FRAMES, WINDOW);
      if (!r || x.cpu < r.cpu) r = x;
    }
    return r!;
  };
  const rows: [string, FloorResult][] = [];
  // node:dgram call shapes, udp only, one 2838-byte datagram per frame.
  {
    const connected = await floorSocket();
    await new Promise<void>((r) => connected.connect(port, ip, () => r()));
    const noop = () => {};
    const shapes: [string, () => void][] = [
      ['send(buf, port, ip, callback)', () => a.send(pkt, port, ip, noop)],
      ['send(buf, port, ip)', () => a.send(pkt, port, ip)],
      ['connected socket send(buf)', () => connected.send(pkt)],
    ];
    for (const [name, fn] of shapes) {
      const r = await best(fn);
      report(`dgram shape ${name}, CPU/datagram`, r.cpu, 'µs');
      report('  of which in the send call', r.send, 'µs');
    }
    connected.close();
  }
  for (const [c, f] of [
    [false, false],
    [false, true],
    [true, false],
    [true, true],
  ] as const) {
    crypto = c;
    fragmented = f;
    const r = await best(f ? sendTwo : sendOne);
    const what = `${c ? 'armor+udp+dearmor' : 'udp only'}, ${f ? '2 datagrams (MTU 1432)' : '1 datagram (MTU 10324)'}`;
    rows.push([what, r]);
  }
  report(`floor: armor c3 ${FLOOR_PACKET} B, CPU/frame (average)`, armorUs, 'µs');
  report(`floor: dearmor c3 ${FLOOR_PACKET} B, CPU/frame (average)`, dearmorUs, 'µs');
  for (const [what, r] of rows) {
    report(`floor: ${what}, CPU/frame`, r.cpu, 'µs');
    report('  of which sending (armor + send calls, kernel delivery)', r.send, 'µs');
    report('  of which receiving (poll, recvmsg, Buffer, copy + dearmor)', r.cpu - r.send, 'µs');
  }
  for (const [what, r] of rows.slice(2)) {
    const oneCore = (FLOOR_FRAME * 8) / r.cpu / 1000;
    // Two processes: the sender pays armor + send (its syscalls include the kernel's loopback
    // delivery); the receiver the rest (libuv poll, recvmsg, Buffer, handler).
    const sender = r.send;
    const receiver = r.cpu - r.send;
    const twoProc = (FLOOR_FRAME * 8) / Math.max(sender, receiver) / 1000;
    report(`ceiling, one core both ends: ${what}`, oneCore, 'Gbit/s', '1.4');
    report(`ceiling, two processes (busier side): ${what}`, twoProc, 'Gbit/s', '1.4');
  }
  a.close();
  b.close();
}

/**
 * The same frames through OUR VL1 on real sockets, to compare with the floor: node A's
 * `sendToPeer(FRAME)` (route, packet ID, assemble, armor, fragment at the path MTU) →
 * DgramBinding → loopback → DgramBinding → node B's `receive` (reassembly, dearmor, dispatch) →
 * a counting VL2 handler. No NodeRunner (its timer and event plumbing are measured in
 * runnerBench), no VL2/TCP. The difference to the floor rows is VL1's own overhead.
 */
async function vl1UdpBench(): Promise<void> {
  const [rootId, aId, bId] = [id(0), id(1), id(2)];
  const planet = World.create({
    type: WorldType.PLANET,
    id: 7n,
    timestamp: 1,
    roots: [{ identity: rootId.publicOnly(), stableEndpoints: [parseInetAddress('198.51.100.1/9993')!] }],
    signingKey: { publicKey: rootId.publicKey, privateKey: rootId.privateKey as Uint8Array },
  });
  const stack = new DgramUdpStack();
  const sa = await stack.bind({ address: '127.0.0.1' });
  const sb = await stack.bind({ address: '127.0.0.1' });
  const addrA = parseInetAddress(`127.0.0.1/${sa.localAddress.port}`)!;
  const addrB = parseInetAddress(`127.0.0.1/${sb.localAddress.port}`)!;
  const random = (n: number) => randomFillSync(new Uint8Array(n));
  const toUdp = new Map<InetAddress, UdpAddress>();
  const io = (b: UdpBinding): NodeIo => ({
    send: (_s, to, data) => {
      let u = toUdp.get(to);
      if (!u) {
        u = { ip: ipToString(to), port: to.port };
        toUdp.set(to, u);
      }
      b.send(data, u);
    },
    event: () => {},
  });
  const now = Date.now();
  const nodeA = new Node({ identity: aId, planet, random, now }, io(sa));
  const nodeB = new Node({ identity: bId, planet, random, now }, io(sb));
  nodeA.addLocalSocket(0, parseInetAddress('127.0.0.1/0')!);
  nodeB.addLocalSocket(0, parseInetAddress('127.0.0.1/0')!);
  const pB = nodeA.addPeer(bId.publicOnly())!;
  const pA = nodeB.addPeer(aId.publicOnly())!;
  pB.setVersion(12, 1, 14, 1); // AES-GMAC-SIV both ways (§4.5)
  pA.setVersion(12, 1, 14, 1);
  pB.learnPath(0, addrB, now);
  pA.learnPath(0, addrA, now);
  sb.onMessage = (data) => nodeB.receive(0, addrA, data, Date.now());
  let got = 0;
  nodeB.setVl2Handler(() => {
    got++;
  });
  const payload = new Uint8Array(8 + 2 + FLOOR_FRAME).fill(0x42);
  const send = () => {
    nodeA.sendToPeer(bId.address, Verb.FRAME, payload, Date.now());
  };
  await floorRun(send, () => got, 4000, 32);
  let r: FloorResult | undefined;
  for (let k = 0; k < 3; k++) {
    const x = await floorRun(send, () => got, Number(process.env.BENCH_FLOOR_FRAMES ?? 20000), 32);
    if (!r || x.cpu < r.cpu) r = x;
  }
  const dgrams = nodeA.counters.datagramsSent / Math.max(1, nodeA.counters.sent.FRAME ?? 1);
  report(
    `VL1 over UDP (node core + DgramBinding), ${dgrams.toFixed(0)} datagram/frame, CPU/frame`,
    r!.cpu,
    'µs',
  );
  report('  of which sending (sendToPeer → sendto)', r!.send, 'µs');
  report('  of which receiving (recvmsg → receive → VL2 handler)', r!.cpu - r!.send, 'µs');
  report(
    'ceiling, two processes (busier side): VL1 over UDP',
    (FLOOR_FRAME * 8) / Math.max(r!.send, r!.cpu - r!.send) / 1000,
    'Gbit/s',
    '1.4',
  );
  if (nodeB.counters.totalDrops > 0) console.log('(drops at B:', JSON.stringify(nodeB.counters.drops), ')');
  sa.close();
  sb.close();
}

await floorBench();
await vl1UdpBench();
if (!process.env.BENCH_FLOOR_ONLY) {
  await udpBench();
  await runnerBench();
}
