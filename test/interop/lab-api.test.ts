/**
 * Opt-in interop of the public API with the reference (issue 6 "Must show", lab part): a
 * {@link ZeroTierNode} in lab host `b` (fixtures/lab-node.ts) joins `LAB_NWID` after
 * `lab.sh authorize <ours> 10.147.17.12`, then, against reference member `a` (ZeroTier One with a
 * kernel tap, plain Linux tools):
 * - `ping` / `ping -6` from a to our IPv4, RFC4193 and 6PLANE addresses are answered;
 * - `curl` from a gets the page of our `node.http.createServer`, over IPv4 and IPv6;
 * - `node.fetch` gets a page from `python3 -m http.server` on a, over IPv4 and IPv6;
 * - UDP both ways: a → our `node.dgram` echo and our `node.dgram` → a's echo, IPv4 and IPv6;
 * - `node.ping` of a's addresses; a's `zerotier-cli peers` shows us DIRECT at our physical address.
 *
 * Needs root, `ip`, python3 and ZT1 = a zerotier-one binary; skips, saying why, otherwise. Uses the
 * lab when it is already up (it is shared) and takes it down only if this file brought it up.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  hostAddress6,
  type Lab,
  type LabProcess,
  lab,
  labAcquire,
  labRun,
  labSkip,
  labSpawn,
  type OurNode,
  PYTHON,
  pattern,
  runTool,
  startOurNode,
  startTool,
} from './fixtures/lab-harness.ts';

const skip = labSkip();
const A_HTTP_PORT = 8000;
const A_UDP_PORT = 7777;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('lab: the public API against reference member a', { skip }, () => {
  let theLab: Lab | undefined;
  let node: OurNode | undefined;
  const tools: LabProcess[] = [];
  /** Our addresses without prefix: IPv4, RFC4193, 6PLANE. */
  let ours = { v4: '', rfc: '', plane: '' };
  /** a's. */
  let theirs = { v4: '', rfc: '', plane: '' };
  const marker = `served-by-a-${process.pid}`;
  const bigFile = randomBytes(4 * 1024 * 1024);
  let work = '';

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'ztsdk-api-lab-'));
    theLab = await labAcquire(false);
    const env = theLab.env;
    node = await startOurNode(join(work, 'b'), env);
    lab('authorize', node.address, env.LAB_B_ZTIP!);
    const joined = await node.call('join', {}, 90_000);
    const addrs = (joined.network as { addresses: string[] }).addresses.map((a) => a.split('/')[0]!);
    ours = {
      v4: env.LAB_B_ZTIP!,
      rfc: addrs.find((a) => a.startsWith('fd')) ?? '',
      plane: addrs.find((a) => a.startsWith('fc')) ?? '',
    };
    theirs = {
      v4: env.LAB_A_ZTIP!,
      rfc: hostAddress6('a', 'fd') ?? '',
      plane: hostAddress6('a', 'fc') ?? '',
    };
    process.stdout.write(`  ours: ${JSON.stringify(ours)}  a: ${JSON.stringify(theirs)}\n`);
    // Servers on a: a page for node.fetch and a UDP echo.
    writeFileSync(join(work, 'index.html'), `${marker}\n`);
    writeFileSync(join(work, 'big.bin'), bigFile);
    tools.push(
      labSpawn(
        'a',
        [PYTHON, '-u', '-m', 'http.server', String(A_HTTP_PORT), '--bind', '::', '--directory', work],
        'a-http',
      ),
    );
    tools.push(await startTool('a', ['udp-echo', String(A_UDP_PORT)], 'a-udp'));
    // a may remember a failed neighbour lookup of an earlier run.
    labRun('a', ['ip', 'neigh', 'flush', 'all']);
    labRun('a', ['ip', '-6', 'neigh', 'flush', 'all']);
    await sleep(1_000);
  });

  after(async () => {
    try {
      await node?.stop();
      for (const t of tools) await t.kill();
    } finally {
      theLab?.release();
      if (work) rmSync(work, { recursive: true, force: true });
    }
  });

  it('joined with IPv4, RFC4193 and 6PLANE addresses', () => {
    assert.ok(ours.rfc.startsWith('fd'), `RFC4193 address: ${ours.rfc}`);
    assert.ok(ours.plane.startsWith('fc'), `6PLANE address: ${ours.plane}`);
    assert.ok(theirs.rfc && theirs.plane, `a's IPv6 addresses: ${JSON.stringify(theirs)}`);
  });

  for (const kind of ['v4', 'rfc', 'plane'] as const) {
    it(`a's ping${kind === 'v4' ? '' : ' -6'} to our ${kind} address is answered 3/3`, () => {
      const ip = ours[kind];
      const r = labRun('a', ['ping', ...(kind === 'v4' ? [] : ['-6']), '-c3', '-w10', ip]);
      process.stdout.write(r.stdout);
      assert.match(r.stdout, /3 packets transmitted, 3 received/);
    });
  }

  for (const kind of ['v4', 'rfc', 'plane'] as const) {
    it(`curl from a gets our node.http.createServer page (${kind})`, () => {
      const ip = ours[kind];
      const url = kind === 'v4' ? `http://${ip}:8080/x` : `http://[${ip}]:8080/x`;
      const r = labRun('a', ['curl', '-sS', '--max-time', '15', url]);
      process.stdout.write(`  curl ${url} -> ${r.stdout}${r.stderr}`);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, `hello from ${node!.address} over ${kind === 'v4' ? 'IPv4' : 'IPv6'}\n`);
    });
  }

  for (const kind of ['v4', 'rfc', 'plane'] as const) {
    it(`node.fetch gets a page from a's python http.server (${kind})`, async () => {
      const ip = theirs[kind];
      const url =
        kind === 'v4' ? `http://${ip}:${A_HTTP_PORT}/index.html` : `http://[${ip}]:${A_HTTP_PORT}/index.html`;
      const r = await node!.call('fetch', { url });
      process.stdout.write(`  node.fetch ${url} -> ${r.status} ${JSON.stringify(r.body)}\n`);
      assert.equal(r.status, 200);
      assert.equal(r.body, `${marker}\n`);
    });
  }

  it('curl from a downloads 4 MB from our node.http.createServer intact (IPv4 and 6PLANE)', () => {
    const n = 4 * 1024 * 1024;
    const want = createHash('sha256').update(pattern(n)).digest('hex');
    for (const url of [`http://${ours.v4}:8080/big/${n}`, `http://[${ours.plane}]:8080/big/${n}`]) {
      const r = labRun('a', ['sh', '-c', `curl -sS --max-time 60 '${url}' | sha256sum`]);
      process.stdout.write(`  curl ${url} | sha256sum -> ${r.stdout}${r.stderr}`);
      assert.equal(r.stdout.split(' ')[0], want);
    }
  });

  it('node.fetch downloads 4 MB from a intact (IPv4 and RFC4193)', async () => {
    for (const url of [
      `http://${theirs.v4}:${A_HTTP_PORT}/big.bin`,
      `http://[${theirs.rfc}]:${A_HTTP_PORT}/big.bin`,
    ]) {
      const r = await node!.call('fetch', { url, hash: true });
      process.stdout.write(`  node.fetch ${url} -> ${r.status} ${r.length} bytes sha256 ${r.sha256}\n`);
      assert.equal(r.status, 200);
      assert.equal(r.length, bigFile.length);
      assert.equal(r.sha256, createHash('sha256').update(bigFile).digest('hex'));
    }
  });

  it('UDP a → our node.dgram echo, IPv4 and IPv6', () => {
    const r4 = runTool('a', ['udp-send', ours.v4, '9999', 'from-a-v4']);
    const r6 = runTool('a', ['udp-send', ours.rfc, '9998', 'from-a-v6']);
    process.stdout.write(`  a udp-send -> ${JSON.stringify(r4)} ${JSON.stringify(r6)}\n`);
    assert.equal(r4.msg, 'echo:from-a-v4');
    assert.equal(r4.src, ours.v4);
    assert.equal(r6.msg, 'echo:from-a-v6');
    assert.equal(r6.src, ours.rfc);
  });

  it('UDP our node.dgram → a’s echo, IPv4 and IPv6', async () => {
    const r4 = await node!.call('udp', { type: 'udp4', host: theirs.v4, port: A_UDP_PORT, msg: 'from-b-v4' });
    const r6 = await node!.call('udp', {
      type: 'udp6',
      host: theirs.rfc,
      port: A_UDP_PORT,
      msg: 'from-b-v6',
    });
    process.stdout.write(`  node.dgram -> ${JSON.stringify(r4)} ${JSON.stringify(r6)}\n`);
    assert.equal(r4.reply, 'echo:from-b-v4');
    assert.equal(r6.reply, 'echo:from-b-v6');
    const echo = tools[1]!;
    await echo.waitFor((l) => l.msg === 'from-b-v4' && l.src === ours.v4, 'a saw our IPv4 datagram');
    await echo.waitFor((l) => l.msg === 'from-b-v6' && l.src === ours.rfc, 'a saw our IPv6 datagram');
  });

  it('reference a lists our node as a DIRECT peer at 10.77.0.12/9993 (zerotier-cli peers)', () => {
    const peers = lab('cli', 'a', 'peers');
    const line = peers.split('\n').find((l) => l.startsWith(node!.address)) ?? '';
    process.stdout.write(`  a$ zerotier-cli peers | grep ${node!.address}\n  ${line}\n`);
    assert.match(line, /DIRECT/);
    assert.match(line, /10\.77\.0\.12\/9993/);
  });

  it('node.ping reaches a over IPv4, RFC4193 and 6PLANE', async () => {
    for (const kind of ['v4', 'rfc', 'plane'] as const) {
      const r = await node!.call('ping', { ip: theirs[kind] });
      process.stdout.write(`  node.ping ${theirs[kind]} -> ${Number(r.ms).toFixed(3)} ms\n`);
      assert.ok(Number(r.ms) > 0, `round trip of ${kind}`);
    }
  });
});
