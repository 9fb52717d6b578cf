/**
 * Lab benchmarks (issue 6): our node (fixtures/lab-node.ts in host b, a ZeroTierNode with its
 * user-space stack) against reference member `a`, next to the reference pair `a` ↔ `c` as the
 * anchor, in the same run over the same lab (one bridge, one machine):
 * - TCP throughput of a bulk transfer (LAB_BENCH_MB, default 64 MB) both ways: kernel sockets
 *   (fixtures/lab-tools.py) on a and c, `node.net` on b; best of LAB_BENCH_REPS (default 2);
 * - round trip: `ping` from a (ICMP, 20 × 0.2 s), `node.ping` from b, and one-byte TCP echo
 *   round trips (median of 200);
 * - our node's RSS idle with one network and after the transfers.
 *
 * Our node runs as users run it: compiled by tsc (the fixture and the sources it imports, comments
 * removed, as `npm run build` does) on plain `node`, not transpiled on the fly by tsx (whose loader
 * thread adds ≈ 30 MB and whose keepNames helpers add calls in hot paths).
 *
 * Needs root, `ip`, python3 and ZT1 (zerotier-one); prints why and exits 0 otherwise.
 * Run: `ZT1=/tmp/zt1-src/zerotier-one npm run bench lab`
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type Lab,
  type LabProcess,
  lab,
  labAcquire,
  labRun,
  labSkip,
  type OurNode,
  runTool,
  startOurNode,
  startTool,
} from '../test/interop/fixtures/lab-harness.ts';
import { report } from './measure.ts';

const MB = Number(process.env.LAB_BENCH_MB ?? 64);
const REPS = Number(process.env.LAB_BENCH_REPS ?? 2);
const BYTES = MB * 1024 * 1024;
const mbits = (bytes: number, ms: number) => (bytes * 8) / (ms * 1000);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Average round trip of `ping -c20 -i0.2` from `host` to `ip`, in ms. */
function icmpRtt(host: string, ip: string): number {
  const r = labRun(host, ['ping', '-q', '-c20', '-i0.2', '-w15', ip]);
  const m = /= [\d.]+\/([\d.]+)\//.exec(r.stdout);
  if (!m) throw new Error(`ping ${ip} from ${host}: ${r.stdout}${r.stderr}`);
  console.log(`  ${host} $ ping ${ip}: ${r.stdout.trim().split('\n').slice(-2).join(' | ')}`);
  return Number(m[1]);
}

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/**
 * Compiles test/interop/fixtures/lab-node.ts and what it imports with the repository's tsc and
 * compiler options (as `npm run build`: comments removed, no declarations) and returns the path of
 * the compiled fixture. The output goes under node_modules/.cache so that the compiled code
 * resolves the project's dependencies (undici) as the sources do.
 */
function compileFixture(): string {
  const dir = join(ROOT, 'node_modules/.cache/ztsdk-lab-bench');
  mkdirSync(dir, { recursive: true });
  const tsconfig = join(dir, 'tsconfig.json');
  writeFileSync(
    tsconfig,
    JSON.stringify({
      extends: join(ROOT, 'tsconfig.json'),
      compilerOptions: {
        rootDir: ROOT,
        outDir: join(dir, 'js'),
        typeRoots: [join(ROOT, 'node_modules/@types')],
        noEmit: false,
        declaration: false,
        sourceMap: false,
        removeComments: true,
      },
      include: [],
      files: [join(ROOT, 'test/interop/fixtures/lab-node.ts')],
    }),
  );
  const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
  const r = spawnSync(process.execPath, [tsc, '-p', tsconfig], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`tsc failed: ${r.stdout}${r.stderr}`);
  return join(dir, 'js/test/interop/fixtures/lab-node.js');
}

/** RSS of plain `node --expose-gc` running an empty script: the runtime's own share of our node's RSS. */
function nodeBaselineRss(): number {
  const r = spawnSync(
    process.execPath,
    ['--expose-gc', '-e', 'globalThis.gc(); console.log(process.memoryUsage().rss)'],
    { encoding: 'utf8' },
  );
  return Number(r.stdout.trim());
}

async function main(): Promise<void> {
  const skip = labSkip();
  if (skip) {
    console.log(`lab bench skipped: ${skip}`);
    return;
  }
  const work = mkdtempSync(join(tmpdir(), 'ztsdk-lab-bench-'));
  let theLab: Lab | undefined;
  let node: OurNode | undefined;
  const tools: LabProcess[] = [];
  try {
    theLab = await labAcquire(true);
    const env = theLab.env;
    const A = env.LAB_A_ZTIP!;
    const B = env.LAB_B_ZTIP!;
    const C = env.LAB_C_ZTIP!;
    const fixture = compileFixture();
    node = await startOurNode(join(work, 'b'), env, false, fixture);
    lab('authorize', node.address, B);
    await node.call('join', {}, 90_000);
    for (const h of ['a', 'c']) labRun(h, ['ip', 'neigh', 'flush', 'all']);
    // Paths and neighbours settle (the first packets go through the root, §9.3).
    labRun('a', ['ping', '-c3', '-i0.2', B]);
    labRun('a', ['ping', '-c3', '-i0.2', C]);
    await sleep(1_000);

    await sleep(3_000);
    const idle = await node.call('mem');
    console.log(
      `lab: our node ${node.address} at ${B} (host b); reference a ${A}, c ${C}; ${MB} MB x ${REPS}`,
    );
    // Round trips.
    const pingOurs = icmpRtt('a', B);
    const pingRef = icmpRtt('a', C);
    const nodePings: number[] = [];
    for (let i = 0; i < 20; i++) nodePings.push(Number((await node.call('ping', { ip: A })).ms));
    nodePings.sort((x, y) => x - y);
    const echoA = await startTool('a', ['tcp-echo', '7001'], 'a-echo');
    tools.push(echoA);
    const tcpOurs = await node.call('tcp-rtt', { host: A, port: 7001, count: 200 });
    await echoA.kill();
    const echoA2 = await startTool('a', ['tcp-echo', '7002'], 'a-echo');
    tools.push(echoA2);
    const tcpRef = runTool('c', ['tcp-rtt', A, '7002', '200']);
    await echoA2.kill();

    // Throughput, best of REPS each.
    const best = { aToOurs: 0, oursToA: 0, aToC: 0, cToA: 0 };
    const sinkA = await startTool('a', ['tcp-sink', '5002', String(2 * REPS)], 'a-sink');
    tools.push(sinkA);
    const sinkC = await startTool('c', ['tcp-sink', '5003', String(REPS)], 'c-sink');
    tools.push(sinkC);
    for (let rep = 0; rep < REPS; rep++) {
      const r1 = runTool('a', ['tcp-send', B, '5001', String(BYTES)]);
      if (r1.event !== 'sent') throw new Error(`a -> ours: ${JSON.stringify(r1)}`);
      const v1 = mbits(BYTES, Number(r1.ms));
      const r2 = await node.call('tcp-send', { host: A, port: 5002, bytes: BYTES }, 300_000);
      const v2 = mbits(BYTES, Number(r2.ms));
      const r3 = runTool('a', ['tcp-send', C, '5003', String(BYTES)]);
      if (r3.event !== 'sent') throw new Error(`a -> c: ${JSON.stringify(r3)}`);
      const v3 = mbits(BYTES, Number(r3.ms));
      const r4 = runTool('c', ['tcp-send', A, '5002', String(BYTES)]);
      if (r4.event !== 'sent') throw new Error(`c -> a: ${JSON.stringify(r4)}`);
      const v4 = mbits(BYTES, Number(r4.ms));
      console.log(
        `  rep ${rep + 1}: a->ours ${v1.toFixed(0)}  ours->a ${v2.toFixed(0)}  a->c ${v3.toFixed(0)}  c->a ${v4.toFixed(0)} Mbit/s`,
      );
      best.aToOurs = Math.max(best.aToOurs, v1);
      best.oursToA = Math.max(best.oursToA, v2);
      best.aToC = Math.max(best.aToC, v3);
      best.cToA = Math.max(best.cToA, v4);
    }
    // The sinks saw every byte (a transfer that lost data is no result).
    const sunk = (p: LabProcess) => p.lines.filter((l) => l.event === 'sink').map((l) => Number(l.bytes));
    const oursSunk = node.lines.filter((l) => l.event === 'sink').map((l) => Number(l.bytes));
    for (const n of [...sunk(sinkA), ...sunk(sinkC), ...oursSunk])
      if (n !== BYTES) throw new Error(`a sink got ${n} of ${BYTES} bytes`);

    const busy = await node.call('mem');
    console.log('');
    report(`TCP ${MB} MB reference a -> our node (b)`, best.aToOurs, 'Mbit/s', '>= a -> c');
    report(`TCP ${MB} MB our node (b) -> reference a`, best.oursToA, 'Mbit/s', '>= c -> a');
    report(`TCP ${MB} MB reference a -> reference c (anchor)`, best.aToC, 'Mbit/s');
    report(`TCP ${MB} MB reference c -> reference a (anchor)`, best.cToA, 'Mbit/s');
    report('ping a -> our node, avg of 20', pingOurs, 'ms');
    report('ping a -> reference c (anchor), avg of 20', pingRef, 'ms');
    report('node.ping our node -> a, median of 20', nodePings[10]!, 'ms');
    report('TCP 1-byte echo our node -> a, median of 200', Number(tcpOurs.median), 'ms');
    report('TCP 1-byte echo reference c -> a (anchor), median', Number(tcpRef.median), 'ms');
    const mib = (x: unknown) => Number(x) / 1024 / 1024;
    report('our node RSS, idle with one network (compiled, plain node)', mib(idle.rss), 'MiB', '<= 60 MB');
    report('our node RSS after the transfers', mib(busy.rss), 'MiB');
    report('  baseline: plain node, an empty script', mib(nodeBaselineRss()), 'MiB');
  } finally {
    await node?.stop();
    for (const t of tools) await t.kill();
    theLab?.release();
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
