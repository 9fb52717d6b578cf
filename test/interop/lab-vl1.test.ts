/**
 * VL1 lab runs against the reference (ZeroTier One 1.14.1), issue 3:
 *
 * (a) OUR node in lab host `b` comes ONLINE via the REFERENCE root of `lab.sh`, and the reference
 *     root lists it as a peer with a direct path (`lab.sh cli root -j peers`). Also: two of our
 *     nodes (hosts b and c) exchange USER_MESSAGEs relayed by the reference root, which introduces
 *     them (RENDEZVOUS) so they end up direct; and our node as a MOON root, orbited by the
 *     reference member `a` (`zerotier-cli orbit`, `listmoons`, `peers` → MOON).
 * (b) REFERENCE members come ONLINE via OUR root (`ztsdk root`, planet from `ztsdk mkworld`) in
 *     namespaces of our own (ztv2-*, bridge ztv2br0, 10.78.0.0/24 — never the lab's or the host's
 *     interfaces): `zerotier-cli info` says ONLINE and `peers` lists our root as PLANET. Then one
 *     member runs the reference's embedded controller and the other joins its network: the member
 *     finds the controller through our root (WHOIS, relay, RENDEZVOUS), gets its config, and
 *     pings it over ZeroTier.
 *
 * Needs root, `ip`, and ZT1 = a zerotier-one binary (zerotier-cli beside it); skips, saying why,
 * otherwise (CI). Everything started is torn down, also when a step fails; a lab that was already
 * up is left up (someone else's). Waits are bounded; no timing assertions. Caveat: lab.sh has no
 * reference counting, so two people running lab tests at once can take the lab down under each other.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Identity } from '../../src/protocol/identity.ts';
import { parseInetAddress } from '../../src/protocol/inet-address.ts';
import { World, WorldType } from '../../src/protocol/world.ts';
import {
  hostSkip,
  LAB_SH,
  type LabProcess,
  type Line,
  lab,
  labAcquire,
  labSkip as labSkipFor,
  sleep,
  watchLines,
  ZT1,
} from './fixtures/lab-harness.ts';
import { scratch } from './fixtures/scratch.ts';

const bin = fileURLToPath(new URL('../../bin/ztsdk.js', import.meta.url));

const baseSkip = hostSkip();
const labSkip = labSkipFor(false);
const CLI = ZT1 ? join(dirname(ZT1), 'zerotier-cli') : '';

const { work, children, cleanups } = scratch('ztsdk-lab-');

/** Polls `probe` every 500 ms until it returns a value (not undefined), or throws after `ms`. */
async function poll<T>(what: string, probe: () => T | undefined, ms = 60000): Promise<T> {
  const t0 = Date.now();
  let last: unknown;
  for (;;) {
    try {
      const v = probe();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() - t0 > ms)
      throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await sleep(500);
  }
}

/** A spawned `ztsdk` whose stdout is JSON lines (fixtures/lab-harness.ts), killed after the file. */
function proc(child: ChildProcess): LabProcess & { stop(): Promise<Line | undefined> } {
  children.push(child);
  const p = watchLines(child, 'proc', false);
  return {
    ...p,
    /** SIGTERM; asserts a clean exit and returns the last line. */
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      const code = await p.exited;
      assert.equal(code, 0, `clean exit on SIGTERM (stderr: ${p.stderr()})`);
      return p.lines.at(-1);
    },
  };
}

interface RefPeer {
  address: string;
  role: string;
  version: string;
  latency: number;
  paths: { address: string; active: boolean; expired: boolean; preferred: boolean }[];
}

// ---------------------------------------------------------------------------------------------
describe('lab (a): our node in host b comes ONLINE via the reference root', { skip: labSkip }, () => {
  let env: Record<string, string> = {};
  before(async () => {
    const theLab = await labAcquire(false);
    cleanups.push(() => theLab.release());
    env = theLab.env;
  });

  it('is ONLINE, and the reference root lists it as a peer with a direct path', async () => {
    const planet = env.LAB_PLANET;
    const rootAddress = env.LAB_ROOT.slice(0, 10);
    const state = join(work, 'b-state');
    const node = proc(
      spawn(
        LAB_SH,
        ['exec', 'b', process.execPath, bin, 'node', '--state', state, '--planet', planet, '--json'],
        {
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      ),
    );
    const start = await node.waitFor((l) => l.event === 'start', 'start line');
    assert.equal(node.lines[0].event, 'start');
    const ours = String(start.address);
    await node.waitFor((l) => l.event === 'online', 'online');
    await node.waitFor(
      (l) => l.event === 'peer' && l.address === rootAddress && l.direct === true,
      'root direct',
    );

    const seen = await poll(
      'our node among the reference root peers, with a direct path from 10.77.0.12',
      () => {
        const peers = JSON.parse(lab('cli', 'root', '-j', 'peers')) as RefPeer[];
        const p = peers.find((x) => x.address === ours);
        return p?.paths.some((x) => x.active && !x.expired && x.address.startsWith(`${env.LAB_B_PHYS}/`))
          ? p
          : undefined;
      },
    );
    const port = Number(start.port);
    const direct = seen.paths.filter((x) => x.active).map((x) => x.address);
    assert.ok(
      direct.includes(`${env.LAB_B_PHYS}/${port}`) || direct.some((a) => a.startsWith(`${env.LAB_B_PHYS}/`)),
    );
    assert.equal(seen.role, 'LEAF');
    console.log(
      `lab (a): our node ${ours} ONLINE via reference root ${rootAddress}; the root lists it: role ${seen.role}, ` +
        `version ${seen.version}, latency ${seen.latency} ms, active paths ${direct.join(', ')}`,
    );
    const stop = await node.stop();
    assert.equal(stop?.event, 'stop');
  });

  it('two of our nodes (hosts b and c) exchange USER_MESSAGEs through the reference root, then directly', async () => {
    const planet = env.LAB_PLANET;
    const rootAddress = env.LAB_ROOT.slice(0, 10);
    const receiver = proc(
      spawn(
        LAB_SH,
        [
          'exec',
          'c',
          process.execPath,
          bin,
          'node',
          '--state',
          join(work, 'c-state'),
          '--planet',
          planet,
          '--json',
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      ),
    );
    const rs = await receiver.waitFor((l) => l.event === 'start', 'receiver start');
    const to = String(rs.address);
    await receiver.waitFor((l) => l.event === 'online', 'receiver online');
    // The sender is a NodeRunner in a script, so that it can send (the CLI only listens).
    const repo = fileURLToPath(new URL('../../', import.meta.url));
    const code = `
      import { readFileSync } from 'node:fs';
      import { NodeRunner } from '${repo}src/runtime/node-runner.ts';
      import { FileStore } from '${repo}src/runtime/store.ts';
      import { parseWorld } from '${repo}src/runtime/state.ts';
      const out = (o) => process.stdout.write(JSON.stringify(o) + '\\n');
      const r = new NodeRunner({ store: new FileStore(process.env.STATE), planet: parseWorld(readFileSync(process.env.PLANET), 'planet') });
      r.on('event', (e) => { if (e.type === 'peer' || e.type === 'path' || e.type === 'online') out({ event: e.type, ...e }); });
      const info = await r.start();
      out({ event: 'start', address: info.address });
      for (let i = 0; i < 40; i++) {
        await new Promise((res) => setTimeout(res, 500));
        if (r.online) r.sendUserMessage(process.env.TO, 0x5a5an, new TextEncoder().encode('hello ' + i));
      }
      const c = r.counters;
      out({ event: 'done', peers: r.peers(), received: c.received, sent: c.sent, drops: c.drops });
      await r.stop();
    `;
    const sender = proc(
      spawn(LAB_SH, ['exec', 'b', process.execPath, '--import', 'tsx', '--input-type=module', '-e', code], {
        cwd: repo,
        env: { ...process.env, STATE: join(work, 'b2-state'), PLANET: planet, TO: to },
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    );
    const ss = await sender.waitFor((l) => l.event === 'start', 'sender start');
    const from = String(ss.address);
    const msg = await receiver.waitFor(
      (l) => l.event === 'user-message' && l.from === from,
      'a USER_MESSAGE',
    );
    assert.equal(msg.typeId, '0x5a5a');
    assert.match(Buffer.from(String(msg.data), 'base64').toString(), /^hello \d+$/);
    const done = (await sender.waitFor((l) => l.event === 'done', 'sender done', 90000)) as {
      peers: { address: string; direct: boolean; paths: { address: string; active: boolean }[] }[];
      received: Record<string, number>;
      sent: Record<string, number>;
      drops: Record<string, number>;
    };
    assert.equal(await sender.exited, 0, sender.stderr());
    const got = receiver.lines.filter((l) => l.event === 'user-message' && l.from === from).length;
    const peerC = done.peers.find((p) => p.address === to);
    console.log(
      `lab (a2): our ${from} (b) → our ${to} (c) via reference root ${rootAddress}: ${got}/${done.sent.USER_MESSAGE} ` +
        `USER_MESSAGEs arrived; RENDEZVOUS received by the sender: ${done.received.RENDEZVOUS ?? 0}; ` +
        `sender's paths to c: ${peerC?.paths.map((p) => `${p.address}${p.active ? '' : ' (inactive)'}`).join(', ') || 'none'}; ` +
        `drops: ${JSON.stringify(done.drops)}`,
    );
    assert.ok(got >= 10, `most messages arrive (${got})`);
    assert.ok((done.received.RENDEZVOUS ?? 0) >= 1, 'the reference root introduced our two nodes');
    assert.ok(peerC?.direct, 'the sender ended with a direct path to the receiver');
    assert.ok(peerC.paths.some((p) => p.active && p.address.startsWith(`${env.LAB_C_PHYS}/`)));
    await receiver.waitFor(
      (l) => l.event === 'peer' && l.address === from && l.direct === true,
      'receiver: sender direct',
    );
    await receiver.stop();
  });

  it('our node as a moon root: reference member a orbits it and lists it as MOON', async () => {
    const planet = env.LAB_PLANET;
    // Our moon root in host b: an identity of its own, a moon naming it at b's address.
    const dir = join(work, 'moon-state');
    mkdirSync(dir);
    const r = spawnSync(process.execPath, [bin, 'idtool', 'generate', join(dir, 'identity.secret')], {
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, r.stderr);
    const secret = Identity.fromString(readFileSync(join(dir, 'identity.secret'), 'utf8'));
    assert.ok(secret.ok);
    const me = secret.value;
    const port = 29000 + (process.pid % 1000);
    const moon = World.create({
      type: WorldType.MOON,
      id: BigInt(me.address),
      timestamp: Date.now(),
      roots: [
        { identity: me.publicOnly(), stableEndpoints: [parseInetAddress(`${env.LAB_B_PHYS}/${port}`)!] },
      ],
      signingKey: { publicKey: me.publicKey, privateKey: me.privateKey as Uint8Array },
    });
    const moonHex = moon.id.toString(16).padStart(16, '0');
    writeFileSync(join(work, 'our.moon'), moon.toBytes());
    const node = proc(
      spawn(
        LAB_SH,
        [
          'exec',
          'b',
          process.execPath,
          bin,
          'root',
          '--state',
          dir,
          '--planet',
          planet,
          '--moon',
          join(work, 'our.moon'),
          '--port',
          String(port),
          '--json',
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      ),
    );
    const start = await node.waitFor((l) => l.event === 'start', 'moon root start');
    assert.equal(start.role, 'root');
    assert.deepEqual(start.moons, [moonHex]);
    // It is also a leaf of the planet: wait until the lab root knows it (a's WHOIS goes there).
    await node.waitFor(
      (l) => l.event === 'peer' && l.address === env.LAB_ROOT.slice(0, 10) && l.direct === true,
      'planet root',
    );
    // (1.14.1's local API routes /moon/<id> with a 10-hex-digit id: a moon ID is its seed's address.)
    cleanups.push(() => lab('cli', 'a', 'deorbit', me.addressString));
    lab('cli', 'a', 'orbit', me.addressString, me.addressString);
    const listed = await poll('member a lists our moon', () => {
      const moons = JSON.parse(lab('cli', 'a', 'listmoons')) as {
        id: string;
        roots: { identity: string }[];
      }[];
      return moons.find(
        (m) => m.id === moonHex && m.roots.some((x) => x.identity.startsWith(me.addressString)),
      );
    });
    const peer = await poll('member a lists our node as MOON with a direct path', () => {
      const peers = JSON.parse(lab('cli', 'a', '-j', 'peers')) as RefPeer[];
      const p = peers.find((x) => x.address === me.addressString);
      return p && p.role === 'MOON' && p.paths.some((x) => x.active) ? p : undefined;
    });
    console.log(
      `lab (a3): reference member a orbits our moon ${moonHex} (root ${me.addressString} at ${env.LAB_B_PHYS}/${port}): ` +
        `listmoons has it (${listed.roots.length} root); peers: role ${peer.role}, version ${peer.version}, ` +
        `paths ${peer.paths.map((x) => x.address).join(', ')}`,
    );
    lab('cli', 'a', 'deorbit', me.addressString);
    await node.stop();
  });
});

// ---------------------------------------------------------------------------------------------
describe('lab (b): reference members come ONLINE via our root', { skip: baseSkip }, () => {
  const BR = 'ztv2br0';
  const HOSTS = { root: '10.78.0.10', m1: '10.78.0.11', m2: '10.78.0.12' } as const;
  type Host = keyof typeof HOSTS;
  const ns = (h: Host) => `ztv2-${h}`;
  const ip = (...args: string[]) => execFileSync('ip', args, { encoding: 'utf8' });
  const inNs = (h: Host, cmd: string, ...args: string[]) =>
    execFileSync('ip', ['netns', 'exec', ns(h), cmd, ...args], {
      encoding: 'utf8',
      timeout: 30000,
      stdio: ['ignore', 'pipe', 'pipe'], // errors are in the thrown Error; keep the report readable
    });
  const cli = (h: Host, ...args: string[]) => inNs(h, CLI, `-D${join(work, h)}`, ...args);

  function teardownNet() {
    for (const h of Object.keys(HOSTS) as Host[]) {
      spawnSync('ip', ['netns', 'del', ns(h)]);
      spawnSync('ip', ['link', 'del', `v2-${h}`]);
    }
    spawnSync('ip', ['link', 'del', BR]);
  }

  it('ONLINE with our root as PLANET; a member reaches another member (controller) through it', async () => {
    teardownNet(); // leftovers of an interrupted run (these names are ours alone)
    cleanups.push(teardownNet);
    ip('link', 'add', BR, 'type', 'bridge');
    ip('addr', 'add', '10.78.0.1/24', 'dev', BR);
    ip('link', 'set', BR, 'up');
    for (const [h, addr] of Object.entries(HOSTS) as [Host, string][]) {
      ip('netns', 'add', ns(h));
      ip('link', 'add', `v2-${h}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns(h));
      ip('link', 'set', `v2-${h}`, 'master', BR, 'up');
      inNs(h, 'ip', 'addr', 'add', `${addr}/24`, 'dev', 'eth0');
      inNs(h, 'ip', 'link', 'set', 'eth0', 'up');
      inNs(h, 'ip', 'link', 'set', 'lo', 'up');
      mkdirSync(join(work, h));
    }

    // Our root: identity + planet made with our own tools.
    const ztsdk = (...args: string[]) => {
      const r = spawnSync(process.execPath, [bin, ...args], { cwd: work, encoding: 'utf8', timeout: 60000 });
      assert.equal(r.status, 0, r.stderr);
    };
    ztsdk('idtool', 'generate', join('root', 'identity.secret'), join('root', 'identity.public'));
    const rootAddress = readFileSync(join(work, 'root', 'identity.public'), 'utf8').slice(0, 10);
    writeFileSync(
      join(work, 'world.json'),
      JSON.stringify({
        id: 7878,
        roots: [{ identityFile: 'root/identity.public', stableEndpoints: [`${HOSTS.root}/9993`] }],
      }),
    );
    ztsdk('mkworld', '--config', 'world.json', '--out', 'planet');
    const root = proc(
      spawn(
        'ip',
        [
          'netns',
          'exec',
          ns('root'),
          process.execPath,
          bin,
          'root',
          '--state',
          join(work, 'root'),
          '--planet',
          join(work, 'planet'),
          '--json',
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      ),
    );
    const rs = await root.waitFor((l) => l.event === 'start', 'root start');
    assert.equal(rs.address, rootAddress);
    assert.equal(rs.port, 9993);
    await root.waitFor((l) => l.event === 'online', 'root online');

    // Two reference members with our planet.
    for (const h of ['m1', 'm2'] as const) {
      copyFileSync(join(work, 'planet'), join(work, h, 'planet'));
      const p = spawn('ip', ['netns', 'exec', ns(h), ZT1!, '-p9993', join(work, h)], { stdio: 'ignore' });
      children.push(p);
      cleanups.push(() => p.kill('SIGTERM'));
    }
    const ids: Record<string, string> = {};
    for (const h of ['m1', 'm2'] as const) {
      const info = await poll(`${h} ONLINE`, () => {
        const out = cli(h, 'info');
        return out.includes('ONLINE') ? out.trim() : undefined;
      });
      ids[h] = info.split(/\s+/)[2];
      const peers = JSON.parse(cli(h, '-j', 'peers')) as RefPeer[];
      const r = peers.find((p) => p.address === rootAddress);
      assert.ok(r, `${h} lists our root`);
      assert.equal(r.role, 'PLANET');
      assert.ok(
        r.paths.some((x) => x.active && x.address === `${HOSTS.root}/9993`),
        JSON.stringify(r.paths),
      );
      console.log(
        `lab (b): reference ${h} ${ids[h]}: "${info}"; our root ${rootAddress} listed as ${r.role}, version ` +
          `${r.version}, latency ${r.latency} ms, path ${r.paths.map((x) => x.address).join(', ')}`,
      );
    }
    await root.waitFor((l) => l.event === 'peer' && l.address === ids.m1, 'root sees m1');
    await root.waitFor((l) => l.event === 'peer' && l.address === ids.m2, 'root sees m2');

    // m1 runs the reference controller; m2 joins its network. m2 only knows m1's address: its
    // identity comes from our root (WHOIS), its first packets go through our root (relay), and our
    // root introduces the two (RENDEZVOUS) — then they talk directly.
    const nwid = `${ids.m1}000042`;
    const token = readFileSync(join(work, 'm1', 'authtoken.secret'), 'utf8').trim();
    const api = (path: string, body: string) =>
      inNs(
        'm1',
        'curl',
        '-sf',
        '-X',
        'POST',
        '-H',
        `X-ZT1-Auth: ${token}`,
        `http://127.0.0.1:9993${path}`,
        '-d',
        body,
      );
    api(
      `/controller/network/${nwid}`,
      JSON.stringify({
        name: 'v2lab',
        private: true,
        v4AssignMode: { zt: true },
        ipAssignmentPools: [{ ipRangeStart: '10.148.0.100', ipRangeEnd: '10.148.0.200' }],
        routes: [{ target: '10.148.0.0/24' }],
      }),
    );
    cli('m1', 'join', nwid);
    cli('m2', 'join', nwid);
    api(
      `/controller/network/${nwid}/member/${ids.m1}`,
      JSON.stringify({ authorized: true, ipAssignments: ['10.148.0.11'] }),
    );
    api(
      `/controller/network/${nwid}/member/${ids.m2}`,
      JSON.stringify({ authorized: true, ipAssignments: ['10.148.0.12'] }),
    );
    for (const h of ['m1', 'm2'] as const)
      await poll(`${h} network OK`, () => (/ OK /.test(cli(h, 'listnetworks')) ? true : undefined));
    await poll('m2 pings m1 over ZeroTier', () => {
      const r = spawnSync('ip', ['netns', 'exec', ns('m2'), 'ping', '-c', '1', '-W', '2', '10.148.0.11'], {
        encoding: 'utf8',
      });
      return r.status === 0 ? true : undefined;
    });
    const m2peers = JSON.parse(cli('m2', '-j', 'peers')) as RefPeer[];
    const m1seen = m2peers.find((p) => p.address === ids.m1);
    assert.ok(m1seen, 'm2 knows m1');
    console.log(
      `lab (b): m2 → m1 over ZeroTier OK; m2 sees m1 as ${m1seen.role}, paths ` +
        `${m1seen.paths.map((x) => `${x.address}${x.active ? '' : ' (inactive)'}`).join(', ')}`,
    );

    const stop = (await root.stop()) as {
      counters: { received: Record<string, number>; relayed: number; united: number };
    };
    console.log(`lab (b): our root's counters: ${JSON.stringify(stop.counters)}`);
    assert.ok((stop.counters.received.WHOIS ?? 0) > 0, 'our root answered WHOIS');
    assert.ok(stop.counters.relayed > 0, 'our root relayed between the members');
  });
});
