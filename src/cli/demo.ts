/**
 * `ztsdk demo [--serve] [--json]` (what `npm start` runs): a whole private ZeroTier world on this
 * machine, with no outside service — a planet of our own signed here, our root serving it, and two
 * nodes that find each other through it on real UDP sockets over loopback. It prints each step as
 * it happens, waits with progress for the handshakes and the direct path, measures round trips and
 * message throughput between the two nodes, then stops everything and exits 0 (`--serve` keeps the
 * world running until Ctrl-C).
 *
 * What it exercises today is the VL1 layer (peers, root, relaying, RENDEZVOUS, USER_MESSAGE). The
 * virtual network and TCP/IP parts of the demo arrive with the public API (issue 6).
 * @module
 */
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { parseArgs } from 'node:util';
import { c25519Public } from '../crypto/c25519.ts';
import { Identity } from '../protocol/identity.ts';
import { parseInetAddress } from '../protocol/inet-address.ts';
import { World, WorldType } from '../protocol/world.ts';
import { NodeRunner } from '../runtime/node-runner.ts';
import { MemoryStore } from '../runtime/store.ts';

/** USER_MESSAGE type ids above 65535 are free for applications (protocol.md §6.17). */
const PING_TYPE = 0x7a7364656d6f0001n; // "zsdemo" 1
const PONG_TYPE = 0x7a7364656d6f0002n;
const BULK_TYPE = 0x7a7364656d6f0003n;

const HELP = `usage: ztsdk demo [--serve] [--json]

Runs a whole private ZeroTier world on this machine: a planet made and signed here, a root,
and two nodes that reach each other through it over loopback UDP (relayed first, then direct).
  --serve   keep running after the demo (Ctrl-C stops)
  --json    one JSON object per step instead of text
`;

interface Step {
  step: string;
  [k: string]: unknown;
}

/** Finds a free UDP port on loopback (the root's port must be known before its planet is signed). */
async function freeUdpPort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((ok, fail) => {
    s.once('error', fail);
    s.bind(0, '127.0.0.1', () => ok());
  });
  const port = s.address().port;
  await new Promise<void>((ok) => s.close(() => ok()));
  return port;
}

/** Waits until `cond()` holds, printing a progress tick every second; false after `timeoutMs`. */
async function waitFor(
  what: string,
  cond: () => boolean,
  timeoutMs: number,
  progress: (s: string) => void,
): Promise<boolean> {
  const t0 = Date.now();
  let lastTick = t0;
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) return false;
    if (Date.now() - lastTick >= 1000) {
      lastTick = Date.now();
      progress(`  … still waiting for ${what} (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return true;
}

/** Runs the demo; returns the exit code. */
export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      serve: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const json = values.json;
  const say = (text: string, data?: Step) => {
    if (json) {
      if (data) process.stdout.write(`${JSON.stringify(data)}\n`);
    } else process.stdout.write(`${text}\n`);
  };
  const progress = (text: string) => {
    if (!json) process.stdout.write(`${text}\n`);
  };
  const runners: NodeRunner[] = [];
  const stopAll = async () => {
    for (const r of runners.reverse()) await r.stop();
  };
  try {
    const t0 = performance.now();
    say('zerotier-sdk demo: a private ZeroTier world on this machine (no outside service)\n');

    // 1. A root identity and a planet naming it, signed with a fresh key (what `ztsdk mkworld` does).
    const rootId = Identity.generate((n) => randomBytes(n));
    const port = await freeUdpPort();
    const signingPrivate = new Uint8Array(randomBytes(64));
    const signingKey = { publicKey: c25519Public(signingPrivate), privateKey: signingPrivate };
    const planet = World.create({
      type: WorldType.PLANET,
      id: BigInt(`0x${randomBytes(8).toString('hex')}`) & 0x7fffffffffffffffn,
      timestamp: Date.now(),
      roots: [{ identity: rootId.publicOnly(), stableEndpoints: [parseInetAddress(`127.0.0.1/${port}`)!] }],
      signingKey,
    });
    say(`1. planet ${planet.id} signed here; its root is ${rootId.addressString} at 127.0.0.1/${port}`, {
      step: 'planet',
      id: planet.id.toString(),
      root: rootId.addressString,
      endpoint: `127.0.0.1/${port}`,
    });

    // 2. The root.
    const rootStore = new MemoryStore();
    await rootStore.put('identity.secret', new TextEncoder().encode(rootId.toString(true)));
    const root = new NodeRunner({
      store: rootStore,
      planet,
      role: 'root',
      port,
      bindAddress: '127.0.0.1',
      secondaryPort: false,
    });
    runners.push(root);
    await root.start();
    say(`2. root ${root.address} serving on 127.0.0.1/${port}`, {
      step: 'root',
      address: root.address,
      port,
    });

    // 3. Two nodes with new identities.
    const mk = async () => {
      const r = new NodeRunner({ store: new MemoryStore(), planet, bindAddress: '127.0.0.1' });
      runners.push(r);
      const info = await r.start();
      return { r, info };
    };
    const a = await mk();
    const b = await mk();
    say(
      `3. nodes ${a.r.address} (ports ${a.info.ports.join(', ')}) and ${b.r.address} (ports ${b.info.ports.join(', ')}) started`,
      {
        step: 'nodes',
        a: a.r.address,
        b: b.r.address,
      },
    );

    // 4. Both come online through the root (HELLO / OK(HELLO), §6.2).
    const tOnline = performance.now();
    if (!(await waitFor('both nodes to reach the root', () => a.r.online && b.r.online, 20000, progress))) {
      throw new Error('the nodes did not come online within 20 s');
    }
    const onlineMs = performance.now() - tOnline;
    say(`4. both nodes ONLINE via the root in ${onlineMs.toFixed(0)} ms`, {
      step: 'online',
      ms: Math.round(onlineMs),
    });

    // 5. B answers every ping message; A measures.
    const addrA = a.r.address!;
    const addrB = b.r.address!;
    let bulkReceived = 0;
    b.r.on('user-message', (m) => {
      if (m.typeId === PING_TYPE) b.r.sendUserMessage(m.from, PONG_TYPE, m.data);
      else if (m.typeId === BULK_TYPE) bulkReceived++;
    });
    const pongs = new Map<string, number>();
    a.r.on('user-message', (m) => {
      if (m.typeId === PONG_TYPE) pongs.set(Buffer.from(m.data).toString(), performance.now());
    });
    const ping = async (n: number): Promise<number | null> => {
      const key = `ping-${n}-${Math.random()}`;
      const sent = performance.now();
      a.r.sendUserMessage(addrB, PING_TYPE, new TextEncoder().encode(key));
      const ok = await waitFor(
        'a reply',
        () => pongs.has(key),
        5000,
        () => {},
      );
      return ok ? pongs.get(key)! - sent : null;
    };
    const pathOf = () => {
      const p = a.r.peers().find((x) => x.address === addrB);
      return p?.direct
        ? `direct (${p.paths.find((x) => x.preferred)?.address ?? p.paths[0]?.address ?? '?'})`
        : 'relayed through the root';
    };
    // USER_MESSAGE is a datagram: the first one may race the peers' first handshake, so retry a few times.
    let first: number | null = null;
    for (let attempt = 0; attempt < 4 && first === null; attempt++) first = await ping(0);
    if (first === null) throw new Error(`no answer from ${addrB} to the first message (4 tries)`);
    say(`5. first message ${addrA} → ${addrB} answered in ${first.toFixed(1)} ms; path: ${pathOf()}`, {
      step: 'first-message',
      ms: first,
      path: pathOf(),
    });

    // 6. The root introduces them (RENDEZVOUS, §9.4) and they switch to a direct path. On one
    // machine this often happens before the first message: each node pushes its own addresses.
    const tDirect = performance.now();
    const bothDirect = () =>
      !!a.r.peers().find((x) => x.address === addrB)?.direct &&
      !!b.r.peers().find((x) => x.address === addrA)?.direct;
    const alreadyDirect = bothDirect();
    const direct =
      alreadyDirect ||
      (await waitFor(
        'a direct path between the nodes',
        () => {
          if (!bothDirect()) void ping(-1);
          return bothDirect();
        },
        30000,
        progress,
      ));
    if (!direct) throw new Error('no direct path within 30 s');
    const directMs = Math.round(performance.now() - tDirect);
    say(
      alreadyDirect
        ? `6. already direct: ${pathOf()} (the nodes learned each other's address before the first reply)`
        : `6. direct path after ${directMs} ms: ${pathOf()}`,
      { step: 'direct', ms: alreadyDirect ? 0 : directMs, path: pathOf() },
    );

    // 7. Round trips over the direct path.
    const rtts: number[] = [];
    for (let i = 1; i <= 20; i++) {
      const r = await ping(i);
      if (r !== null) rtts.push(r);
    }
    rtts.sort((x, y) => x - y);
    const median = rtts[Math.floor(rtts.length / 2)] ?? Number.NaN;
    say(`7. ${rtts.length}/20 round trips, median ${median.toFixed(2)} ms, best ${rtts[0]?.toFixed(2)} ms`, {
      step: 'rtt',
      answered: rtts.length,
      medianMs: median,
      bestMs: rtts[0],
    });

    // 8. Throughput: a burst of 1 KiB messages, encrypted (AES-GMAC-SIV) end to end.
    const payload = new Uint8Array(1024);
    const count = 2000;
    const tBulk = performance.now();
    for (let i = 0; i < count; i++) {
      a.r.sendUserMessage(addrB, BULK_TYPE, payload);
      if (i % 100 === 99) await new Promise((r) => setImmediate(r));
    }
    await waitFor('the burst to arrive', () => bulkReceived >= count, 10000, progress);
    const bulkMs = performance.now() - tBulk;
    const mbit = (bulkReceived * 1024 * 8) / (bulkMs * 1000);
    say(
      `8. ${bulkReceived}/${count} messages of 1 KiB in ${bulkMs.toFixed(0)} ms: ${mbit.toFixed(1)} Mbit/s of payload`,
      {
        step: 'throughput',
        received: bulkReceived,
        sent: count,
        ms: Math.round(bulkMs),
        mbitPerS: mbit,
      },
    );

    const relayed = root.counters;
    say(`\ndone in ${((performance.now() - t0) / 1000).toFixed(1)} s.`, {
      step: 'done',
      seconds: (performance.now() - t0) / 1000,
      rootCounters: relayed,
    });
    if (values.serve) {
      say('serving: Ctrl-C stops', { step: 'serving' });
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
    }
    await stopAll();
    return 0;
  } catch (e) {
    process.stderr.write(`ztsdk demo: ${(e as Error).message}\n`);
    await stopAll();
    return 1;
  }
}
