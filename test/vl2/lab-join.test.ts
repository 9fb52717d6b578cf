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
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { lab, labAcquire, labRun, labSkip, labSpawn, sleep } from '../interop/fixtures/lab-harness.ts';
import { scratch } from '../interop/fixtures/scratch.ts';

const bin = fileURLToPath(new URL('../../bin/ztsdk.js', import.meta.url));
const skip = labSkip(false);
const { work, children, cleanups } = scratch('ztsdk-vl2-lab-');

describe('lab: our node joins the reference controller’s network and hears an ARP', { skip }, () => {
  let env: Record<string, string> = {};
  before(async () => {
    const theLab = await labAcquire(false);
    cleanups.push(() => theLab.release());
    env = theLab.env;
  });

  /** Starts `ztsdk node` in host b with extra args; lines are JSON events. */
  function startNode(extra: string[]) {
    const p = labSpawn(
      'b',
      [
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
      'b',
    );
    children.push(p.child); // killed after the file even when a step fails
    return { waitFor: p.waitFor, stop: p.kill, lines: p.lines };
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
    labRun('a', ['ping', '-c3', '-w8', env.LAB_B_ZTIP]);
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
    labRun('a', ['ip', 'neigh', 'flush', 'all']);
    const r = labRun('a', ['ping', '-c3', '-w10', env.LAB_B_ZTIP]);
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
    const r6 = labRun('a', ['ping', '-6', '-c3', '-w10', rfc]);
    process.stdout.write(r6.stdout);
    assert.match(r6.stdout, /3 packets transmitted, 3 received/);
    await node.stop();
  });
});
