/**
 * `ztsdk node` and `ztsdk root` as subprocesses over loopback: a root from a planet made with
 * `ztsdk mkworld`, two nodes that come online through it, clean stops on SIGTERM/SIGINT, and
 * clear failures. Waits are bounded; nothing asserts on timing.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import dgram from 'node:dgram';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { formatEvent } from './node.ts';

const bin = fileURLToPath(new URL('../../bin/ztsdk.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'ztsdk-cli-node-'));
const children: ChildProcess[] = [];
after(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

function ztsdk(...args: string[]) {
  return spawnSync(process.execPath, [bin, ...args], { cwd: dir, encoding: 'utf8', timeout: 60000 });
}

/** A running `ztsdk` with its stdout as parsed JSON lines. */
class Proc {
  readonly lines: Record<string, unknown>[] = [];
  readonly raw: string[] = [];
  stderr = '';
  readonly exited: Promise<number | null>;
  private waiters: (() => void)[] = [];
  constructor(readonly child: ChildProcess) {
    children.push(child);
    createInterface({ input: child.stdout! }).on('line', (l) => {
      this.raw.push(l);
      try {
        this.lines.push(JSON.parse(l));
      } catch {
        // non-JSON line: kept in raw
      }
      for (const w of this.waiters.splice(0)) w();
    });
    child.stderr!.on('data', (d) => {
      this.stderr += d;
    });
    this.exited = new Promise((r) => child.on('exit', (code) => r(code)));
  }
  /** Resolves with the first line matching, or rejects after `ms`. */
  async waitFor(pred: (l: Record<string, unknown>) => boolean, what: string, ms = 60000) {
    const t0 = Date.now();
    for (;;) {
      const hit = this.lines.find(pred);
      if (hit) return hit;
      if (this.child.exitCode !== null)
        throw new Error(`${what}: exited ${this.child.exitCode}: ${this.stderr}`);
      if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}; got ${this.raw.join('\n')}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, 200);
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }
}

function start(...args: string[]) {
  return new Proc(spawn(process.execPath, [bin, ...args], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] }));
}

async function freePort(): Promise<number> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
  const port = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe('ztsdk root + ztsdk node over loopback', () => {
  let port: number;
  let rootAddress: string;

  before(async () => {
    port = await freePort();
    let r = ztsdk('idtool', 'generate', 'root.secret', 'root.public');
    assert.equal(r.status, 0, r.stderr);
    rootAddress = readFileSync(join(dir, 'root.public'), 'utf8').slice(0, 10);
    writeFileSync(
      join(dir, 'world.json'),
      JSON.stringify({
        id: 4242,
        roots: [{ identityFile: 'root.public', stableEndpoints: [`127.0.0.1/${port}`] }],
      }),
    );
    r = ztsdk('mkworld', '--config', 'world.json', '--out', 'planet');
    assert.equal(r.status, 0, r.stderr);
    mkdirSync(join(dir, 'root'));
    copyFileSync(join(dir, 'root.secret'), join(dir, 'root', 'identity.secret'));
  });

  it('a root and two nodes: both nodes come online through it; SIGTERM/SIGINT stop all cleanly', async () => {
    // No --port for the root: it listens on its stable endpoint's port from the planet.
    const root = start('root', '--state', 'root', '--planet', 'planet', '--json');
    const rs = await root.waitFor((l) => l.event === 'start', 'root start');
    assert.equal(root.lines[0].event, 'start', 'the first line is the start line');
    assert.equal(rs.address, rootAddress);
    assert.equal(rs.port, port);
    assert.equal(rs.role, 'root');
    await root.waitFor((l) => l.event === 'online', 'root online');

    const n1 = start('node', '--state', 'n1', '--planet', 'planet', '--json');
    const n2 = start('node', '--state', 'n2', '--planet', 'planet', '--port', '0', '--json');
    const s1 = await n1.waitFor((l) => l.event === 'start', 'n1 start');
    const s2 = await n2.waitFor((l) => l.event === 'start', 'n2 start');
    assert.equal(n1.lines[0].event, 'start');
    assert.match(String(s1.address), /^[0-9a-f]{10}$/);
    assert.equal(s1.address, readFileSync(join(dir, 'n1', 'identity.public'), 'utf8').slice(0, 10));
    assert.equal(s1.role, 'leaf');
    assert.equal(s1.planet, '4242');
    await n1.waitFor((l) => l.event === 'online', 'n1 online');
    await n2.waitFor((l) => l.event === 'online', 'n2 online');
    // Each node reports the root as a PLANET peer with a learned path to its endpoint.
    for (const n of [n1, n2]) {
      await n.waitFor(
        (l) => l.event === 'path' && l.address === rootAddress && l.path === `127.0.0.1/${port}`,
        'path to the root',
      );
      await n.waitFor(
        (l) => l.event === 'peer' && l.address === rootAddress && l.role === 'planet',
        'root peer',
      );
    }
    // The root saw both nodes.
    await root.waitFor((l) => l.event === 'peer' && l.address === s1.address, 'root sees n1');
    await root.waitFor((l) => l.event === 'peer' && l.address === s2.address, 'root sees n2');

    n1.child.kill('SIGTERM');
    n2.child.kill('SIGINT');
    root.child.kill('SIGTERM');
    assert.equal(await n1.exited, 0);
    assert.equal(await n2.exited, 0);
    assert.equal(await root.exited, 0);
    const stop1 = n1.lines.at(-1) as {
      event: string;
      signal: string;
      counters: { received: Record<string, number> };
    };
    assert.equal(stop1.event, 'stop');
    assert.equal(stop1.signal, 'SIGTERM');
    assert.ok(stop1.counters.received.OK > 0, 'the stop line carries the counters');
    assert.equal(n2.lines.at(-1)!.signal, 'SIGINT');
    const rootStop = root.lines.at(-1) as { counters: { received: Record<string, number> } };
    assert.ok(rootStop.counters.received.HELLO >= 2, 'the root got HELLOs from both nodes');
    // State was written in the reference layout.
    assert.deepEqual(readFileSync(join(dir, 'n1', 'planet')), readFileSync(join(dir, 'planet')));
    readFileSync(join(dir, 'n1', 'peers.d', `${rootAddress}.peer`));
  });

  it('human-readable output names the node and says ONLINE', async () => {
    const root = start('root', '--state', 'root', '--planet', 'planet');
    const until = async (p: Proc, cond: () => boolean) => {
      const t0 = Date.now();
      while (!cond() && Date.now() - t0 < 60000 && p.child.exitCode === null)
        await new Promise((r) => setTimeout(r, 100));
    };
    await until(root, () => root.raw.includes('ONLINE'));
    assert.match(
      root.raw[0],
      new RegExp(`^ztsdk root: root ${rootAddress} on UDP ${port}, \\d+; planet 4242`),
    );
    const n = start('node', '--state', 'n1', '--planet', 'planet');
    await until(n, () => n.raw.includes('ONLINE'));
    assert.match(n.raw[0], /^ztsdk node: leaf [0-9a-f]{10} on UDP \d+, \d+; planet 4242 \(given/);
    assert.ok(n.raw.includes('ONLINE'), n.raw.join('\n') + n.stderr);
    n.child.kill('SIGINT');
    root.child.kill('SIGINT');
    assert.equal(await n.exited, 0);
    assert.equal(await root.exited, 0);
    assert.match(n.raw.at(-1)!, /^stopped \(SIGINT\)$/);
  });

  it('root refuses an identity that is not in the planet, or a state dir without identity.secret', () => {
    mkdirSync(join(dir, 'wrongroot'));
    let r = ztsdk('idtool', 'generate', join('wrongroot', 'identity.secret'));
    assert.equal(r.status, 0);
    r = ztsdk('root', '--state', 'wrongroot', '--planet', 'planet', '--port', '0');
    assert.equal(r.status, 1);
    assert.match(r.stderr, /is not a root of planet 4242/);
    assert.match(r.stderr, new RegExp(rootAddress));
    r = ztsdk('root', '--state', 'empty', '--planet', 'planet', '--port', '0');
    assert.equal(r.status, 1);
    assert.match(r.stderr, /no identity\.secret in/);
  });

  it('bad arguments and bad planet files fail with a clear message', () => {
    let r = ztsdk('node');
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--state DIR is required/);
    r = ztsdk('node', '--state', 'x', '--port', 'abc');
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--port must be a UDP port/);
    writeFileSync(join(dir, 'junk.planet'), 'not a world');
    r = ztsdk('node', '--state', 'x', '--planet', 'junk.planet');
    assert.equal(r.status, 1);
    assert.match(r.stderr, /planet file junk\.planet is not a valid world/);
    r = ztsdk('node', '--state', 'x', '--planet', 'missing.planet');
    assert.equal(r.status, 1);
    assert.match(r.stderr, /cannot read planet file missing\.planet: ENOENT/);
    r = ztsdk('node', '--state', 'x', '--orbit', 'not-hex');
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--orbit must be ID\[:SEED\]/);
    r = ztsdk('node', '--state', 'x', '--planet', 'planet', '--moon', 'planet');
    assert.equal(r.status, 1);
    assert.match(r.stderr, /planet is a planet, not a moon/);
    r = ztsdk('node', '--help');
    assert.equal(r.status, 0);
    assert.match(r.stdout, /usage: ztsdk node/);
  });
});

describe('formatEvent', () => {
  it('JSON lines carry an event field; binary data is base64, type ids hex', () => {
    const line = formatEvent(
      { type: 'user-message', from: '0123456789', typeId: 0xabcn, data: Uint8Array.of(1, 2) },
      true,
      false,
    );
    assert.deepEqual(JSON.parse(line!), {
      event: 'user-message',
      from: '0123456789',
      typeId: '0xabc',
      data: 'AQI=',
    });
    assert.deepEqual(
      JSON.parse(
        formatEvent({ type: 'path', address: 'a', path: '1.2.3.4/9993', state: 'learned' }, true, false)!,
      ),
      { event: 'path', address: 'a', path: '1.2.3.4/9993', state: 'learned' },
    );
    assert.equal(formatEvent({ type: 'trace', message: 'x' }, true, false), undefined);
    assert.equal(formatEvent({ type: 'persist', key: 'planet', data: null }, false, false), undefined);
    assert.equal(
      formatEvent({ type: 'persist', key: 'planet', data: null }, false, true),
      'persist planet (deleted)',
    );
    assert.equal(
      formatEvent(
        { type: 'peer', address: 'cafe9efeb9', role: 'planet', direct: true, latency: 12, version: '1.14.1' },
        false,
        false,
      ),
      'peer cafe9efeb9 PLANET DIRECT 12ms v1.14.1',
    );
    assert.equal(
      formatEvent(
        { type: 'peer', address: 'cafe9efeb9', role: 'leaf', direct: false, latency: 0xffff },
        false,
        false,
      ),
      'peer cafe9efeb9 LEAF RELAYED',
    );
  });
});
