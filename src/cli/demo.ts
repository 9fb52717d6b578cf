/**
 * `ztsdk demo [--serve] [--json]` (what `npm start` runs): a whole private ZeroTier world on this
 * machine, with no outside service — a planet of our own signed here, our root serving it, and two
 * nodes that find each other through it on real UDP sockets over loopback. It prints each step as
 * it happens, waits with progress for the handshakes and the direct path, measures round trips and
 * message throughput between the two nodes, then stops everything and exits 0 (`--serve` keeps the
 * world running until Ctrl-C).
 *
 * The two nodes are `ZeroTierNode`s: they join a controller-less (ad-hoc, protocol.md §1.2) network,
 * get an IPv4 and a 6PLANE IPv6 address, ping each other, and one fetches pages from an HTTP server on
 * the other, over our own TCP/IP stack, inside the encrypted ZeroTier tunnel.
 * @module
 */
import { parseArgs } from 'node:util';
import { createTestWorld, type TestWorld } from '../api/local-world.ts';
import type { ZeroTierNode } from '../api/zerotier-node.ts';
import { inetAddressToString } from '../protocol/inet-address.ts';

/** A controller-less network (§1.2): `ff` + 10 (the IPv4 /8) + no hub + `01` → 10.x.y.z/8 and 6PLANE. */
const ADHOC_NETWORK = 'ff0a000000000001';
/** Bytes downloaded for the throughput step. */
const BULK_BYTES = 32 * 1024 * 1024;

const HELP = `usage: ztsdk demo [--serve] [--json]

Runs a whole private ZeroTier world on this machine: a planet made and signed here, a root,
and two nodes that join an ad-hoc network, ping each other (IPv4 and IPv6) and fetch pages
from an HTTP server on the other, over their own TCP/IP stacks, through loopback UDP.
  --serve   keep running after the demo (Ctrl-C stops)
  --json    one JSON object per step instead of text
`;

interface Step {
  step: string;
  [k: string]: unknown;
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
  const worlds: TestWorld[] = [];
  const nodes: ZeroTierNode[] = [];
  const stopAll = async () => {
    for (const n of nodes.reverse()) await n.stop();
    for (const w of worlds) await w.stop();
  };
  try {
    const t0 = performance.now();
    say('zerotier-sdk demo: a private ZeroTier world on this machine (no outside service)\n');

    // 1–2. A planet signed here naming a root of ours, and that root serving it on loopback — with a
    // VL2 manager, so it answers MULTICAST_GATHER (§6.14) and the nodes can ARP each other.
    const world = await createTestWorld();
    worlds.push(world);
    const rootEndpoint = world.planet.roots[0].stableEndpoints.map(inetAddressToString).join(', ');
    say(`1. planet ${world.planet.id} signed here; its root is ${world.root.address} at ${rootEndpoint}`, {
      step: 'planet',
      id: world.planet.id.toString(),
      root: world.root.address,
      endpoint: rootEndpoint,
    });
    say(`2. root ${world.root.address} serving on ${rootEndpoint}`, {
      step: 'root',
      address: world.root.address,
    });

    // 3. Two nodes with new identities, each with its own user-space TCP/IP stack.
    const mk = async () => {
      const n = await world.startNode();
      nodes.push(n);
      return n;
    };
    const a = await mk();
    const b = await mk();
    say(
      `3. nodes ${a.address} (ports ${a.ports.join(', ')}) and ${b.address} (ports ${b.ports.join(', ')}) started`,
      {
        step: 'nodes',
        a: a.address,
        b: b.address,
      },
    );

    // 4. Both come online through the root (HELLO / OK(HELLO), §6.2).
    const tOnline = performance.now();
    if (!(await waitFor('both nodes to reach the root', () => a.online && b.online, 20000, progress))) {
      throw new Error('the nodes did not come online within 20 s');
    }
    say(`4. both nodes ONLINE via the root in ${(performance.now() - tOnline).toFixed(0)} ms`, {
      step: 'online',
      ms: Math.round(performance.now() - tOnline),
    });

    // 5. Both join an ad-hoc network: no controller, addresses derived from the node addresses (§1.2).
    const [na, nb] = await Promise.all([a.join(ADHOC_NETWORK), b.join(ADHOC_NETWORK)]);
    const v4 = (n: { addresses: readonly string[] }) =>
      n.addresses.find((x) => !x.includes(':'))!.split('/')[0];
    const v6 = (n: { addresses: readonly string[] }) =>
      n.addresses.find((x) => x.includes(':'))!.split('/')[0];
    say(`5. both joined ad-hoc network ${na.id} ("${na.name}", MTU ${na.mtu})`, {
      step: 'joined',
      network: na.id,
    });
    say(`     ${a.address}: ${na.addresses.join(', ')}  (MAC ${na.mac})`, {
      step: 'addresses',
      node: a.address,
      addresses: na.addresses,
    });
    say(`     ${b.address}: ${nb.addresses.join(', ')}  (MAC ${nb.mac})`, {
      step: 'addresses',
      node: b.address,
      addresses: nb.addresses,
    });

    // 6. Ping both ways, IPv4 and IPv6 (ICMP echo through ARP/NDP, the rules engine and the tunnel).
    const pingOnce = async (from: ZeroTierNode, to: string) => {
      for (let i = 0; i < 5; i++) {
        try {
          return await from.ping(to, { timeout: 2000 });
        } catch {
          progress(`  … ${to} did not answer yet (first contact: WHOIS, ARP/NDP); trying again`);
        }
      }
      throw new Error(`${to} never answered a ping`);
    };
    const pings: Record<string, number> = {};
    for (const [from, to, label] of [
      [a, v4(nb), `${a.address} → ${v4(nb)}`],
      [b, v4(na), `${b.address} → ${v4(na)}`],
      [a, v6(nb), `${a.address} → ${v6(nb)}`],
      [b, v6(na), `${b.address} → ${v6(na)}`],
    ] as const) {
      await pingOnce(from, to);
      const rtts: number[] = [];
      for (let i = 0; i < 10; i++) rtts.push(await from.ping(to, { timeout: 2000 }));
      rtts.sort((x, y) => x - y);
      pings[label] = rtts[5];
      say(`6. ping ${label}: median ${rtts[5].toFixed(2)} ms, best ${rtts[0].toFixed(2)} ms (10 echoes)`, {
        step: 'ping',
        from: from.address,
        to,
        medianMs: rtts[5],
        bestMs: rtts[0],
      });
    }
    const peerPath = () => {
      const p = a.peers().find((x) => x.address === b.address);
      return p?.direct
        ? `direct (${p.paths.find((x) => x.preferred)?.address ?? p.paths[0]?.address ?? '?'})`
        : 'relayed through the root';
    };
    say(`7. path between the nodes: ${peerPath()}`, { step: 'path', path: peerPath() });

    // 8. An HTTP server on b, fetched from a with fetch() (undici over our sockets).
    const big = Buffer.alloc(BULK_BYTES, 0x5a);
    const server = b.http.createServer((req, res) => {
      if (req.url === '/bulk') res.end(big);
      else res.end(`hello from ${b.address} over ZeroTier, you are ${req.socket.remoteAddress}\n`);
    });
    await new Promise<void>((r) => server.listen(80, () => r()));
    for (const host of [v4(nb), `[${v6(nb)}]`]) {
      const res = await a.fetch(`http://${host}/`);
      const body = await res.text();
      say(`8. fetch http://${host}/ → ${res.status}: ${body.trim()}`, {
        step: 'http',
        url: `http://${host}/`,
        status: res.status,
        body,
      });
    }

    // 9. Throughput: download BULK_BYTES over TCP (our stack on both ends, AES-GMAC-SIV in between).
    const tBulk = performance.now();
    const res = await a.fetch(`http://${v4(nb)}/bulk`);
    const got = (await res.arrayBuffer()).byteLength;
    const bulkMs = performance.now() - tBulk;
    if (got !== BULK_BYTES) throw new Error(`bulk download returned ${got} of ${BULK_BYTES} bytes`);
    const mbit = (got * 8) / (bulkMs * 1000);
    say(
      `9. downloaded ${(got / 1e6).toFixed(0)} MB over HTTP in ${bulkMs.toFixed(0)} ms: ${mbit.toFixed(0)} Mbit/s`,
      {
        step: 'throughput',
        bytes: got,
        ms: Math.round(bulkMs),
        mbitPerS: mbit,
      },
    );
    await new Promise<void>((r) => server.close(() => r()));

    say(`\ndone in ${((performance.now() - t0) / 1000).toFixed(1)} s.`, {
      step: 'done',
      seconds: (performance.now() - t0) / 1000,
      pings,
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
