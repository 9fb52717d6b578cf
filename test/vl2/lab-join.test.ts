/**
 * Opt-in interop with the reference (issue 4 "Must show", lab part): our node in lab host `b` runs
 * `ztsdk node --state … --planet $LAB_PLANET --join $LAB_NWID --json --frame-log`; after
 * `lab.sh authorize <ours> 10.147.17.12` it reaches status OK with its IPv4, RFC4193 and 6PLANE
 * addresses (the reference controller's config, signed chunks); then a reference member's ARP
 * request for our IPv4 (`lab.sh exec a ping -c3 -w8 10.147.17.12`) reaches our Ethernet port —
 * shown by the frame log (no stack is attached, so nobody answers it). With `--stack`, the same
 * ping is answered by our user-space stack.
 *
 * Needs root, `ip`, and ZT1 = a zerotier-one binary; skips, saying why, otherwise.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { scratch } from '../interop/fixtures/scratch.ts';

const ZT1 = process.env.ZT1;
const LAB_SH = process.env.LAB_SH ?? '/work/shared/lab/lab.sh';
const bin = fileURLToPath(new URL('../../bin/ztsdk.js', import.meta.url));
const skip = !ZT1
  ? 'ZT1 is not set (path of a zerotier-one binary): lab run skipped'
  : !existsSync(ZT1)
    ? `ZT1=${ZT1} does not exist: lab run skipped`
    : process.getuid?.() !== 0
      ? 'not root: network namespaces need root; lab run skipped'
      : spawnSync('ip', ['-V']).status !== 0
        ? "no 'ip' command: lab run skipped"
        : !existsSync(LAB_SH)
          ? `no lab script at ${LAB_SH}`
          : false;

const { work, children, cleanups } = scratch('ztsdk-vl2-lab-');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('lab: our node joins the reference controller’s network and hears an ARP', { skip }, () => {
  const lab = (...args: string[]) =>
    execFileSync(LAB_SH, args, { encoding: 'utf8', env: { ...process.env, ZT1 }, timeout: 180_000 });
  let env: Record<string, string> = {};
  before(() => {
    const wasUp = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout.includes('ztlab-root');
    if (!wasUp) {
      cleanups.push(() => lab('down'));
      lab('up');
    }
    env = Object.fromEntries(
      lab('env')
        .split(/\s+/)
        .filter((kv) => kv.includes('='))
        .map((kv) => kv.split('=') as [string, string]),
    );
  });

  /** Starts `ztsdk node` in host b with extra args; lines are JSON events. */
  function startNode(extra: string[]) {
    const lines: Record<string, unknown>[] = [];
    let stderr = '';
    const child = spawn(
      LAB_SH,
      [
        'exec',
        'b',
        process.execPath,
        bin,
        'node',
        '--state',
        join(work, 'b'),
        '--planet',
        env.LAB_PLANET,
        '--join',
        env.LAB_NWID,
        '--json',
        '--frame-log',
        // A fixed port: the second run (same identity) is not taken for a stale path by the reference.
        '--port',
        '9993',
        ...extra,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    children.push(child);
    createInterface({ input: child.stdout! }).on('line', (l) => {
      process.stdout.write(`  [b] ${l}\n`);
      try {
        lines.push(JSON.parse(l));
      } catch {
        // not JSON
      }
    });
    child.stderr!.on('data', (d) => {
      stderr += d;
    });
    const waitFor = async (pred: (l: Record<string, unknown>) => boolean, what: string, ms = 60_000) => {
      const t0 = Date.now();
      for (;;) {
        const hit = lines.find(pred);
        if (hit) return hit;
        if (child.exitCode !== null) throw new Error(`${what}: exited ${child.exitCode}: ${stderr}`);
        if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what} (stderr: ${stderr})`);
        await sleep(200);
      }
    };
    const stop = async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      if (child.exitCode === null) await new Promise((r) => child.on('exit', r));
    };
    return { waitFor, stop, lines };
  }
  type NetLine = { addresses: string[]; name: string; routes: { target: string }[] };
  const isOk = (l: Record<string, unknown>) =>
    l.event === 'network' && l.status === 'OK' && (l.addresses as string[]).length >= 3;

  it('reaches OK with IPv4, RFC4193 and 6PLANE; a’s ARP for 10.147.17.12 reaches our port', async () => {
    const node = startNode([]);
    const start = await node.waitFor((l) => l.event === 'start', 'start line');
    const ours = String(start.address);
    await node.waitFor(
      (l) => l.event === 'network' && l.status === 'ACCESS_DENIED',
      'ACCESS_DENIED before authorize',
    );
    lab('authorize', ours, env.LAB_B_ZTIP);
    const ok = (await node.waitFor(isOk, 'status OK with addresses')) as NetLine;
    assert.ok(ok.addresses.includes(`${env.LAB_B_ZTIP}/24`), ok.addresses.join());
    assert.ok(
      ok.addresses.some((a) => a.startsWith('fd') && a.endsWith('/88')),
      'RFC4193',
    );
    assert.ok(
      ok.addresses.some((a) => a.startsWith('fc') && a.endsWith('/40')),
      '6PLANE',
    );
    assert.equal(ok.name, 'lab');
    assert.ok(ok.routes.some((r) => r.target === '10.147.17.0/24'));

    // Give the MULTICAST_LIKE for our ARP group a moment to reach the root, then ping from a.
    await sleep(2_000);
    spawnSync(LAB_SH, ['exec', 'a', 'ping', '-c3', '-w8', env.LAB_B_ZTIP], { env: { ...process.env, ZT1 } });
    const arp = await node.waitFor(
      (l) =>
        l.event === 'frame' &&
        l.dir === 'rx' &&
        l.ethertype === '0x0806' &&
        String(l.summary).includes(env.LAB_B_ZTIP),
      'the ARP request in the frame log',
      20_000,
    );
    assert.equal(arp.dst, 'ff:ff:ff:ff:ff:ff');
    await node.stop();
  });

  it('with --stack, the reference member’s pings to our IPv4 and RFC4193 addresses are answered (3/3)', async () => {
    const node = startNode(['--stack']);
    await node.waitFor(isOk, 'status OK (same identity, already authorized)');
    await node.waitFor((l) => l.event === 'online', 'online');
    // Our LIKEs (sent again once a path exists) reach the root; a forgets the failed ARP of the
    // first run (its kernel would otherwise answer "unreachable" at once for a while).
    await sleep(6_000);
    spawnSync(LAB_SH, ['exec', 'a', 'ip', 'neigh', 'flush', 'all'], { env: { ...process.env, ZT1 } });
    const r = spawnSync(LAB_SH, ['exec', 'a', 'ping', '-c3', '-w10', env.LAB_B_ZTIP], {
      encoding: 'utf8',
      env: { ...process.env, ZT1 },
    });
    process.stdout.write(r.stdout);
    assert.match(r.stdout, /3 packets transmitted, 3 received/);
    await node.waitFor(
      (l) => l.event === 'frame' && l.dir === 'tx' && String(l.summary).includes('echo reply'),
      'echo reply in the frame log',
    );
    // IPv6 to our RFC4193 address: a resolves us by NDP over ZeroTier multicast; our stack resolves
    // a through NDP emulation (§9.11).
    const ok = (await node.waitFor(isOk, 'OK')) as NetLine;
    const rfc = ok.addresses.find((x) => x.startsWith('fd'))!.split('/')[0];
    const r6 = spawnSync(LAB_SH, ['exec', 'a', 'ping', '-6', '-c3', '-w10', rfc], {
      encoding: 'utf8',
      env: { ...process.env, ZT1 },
    });
    process.stdout.write(r6.stdout);
    assert.match(r6.stdout, /3 packets transmitted, 3 received/);
    await node.stop();
  });
});
