/**
 * NodeRunner on real loopback UDP and the real clock: a root and two leaves in one process,
 * with file and memory stores. Waits are bounded (a few seconds), never timing assertions.
 */
import assert from 'node:assert/strict';
import { randomFillSync } from 'node:crypto';
import dgram from 'node:dgram';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { NodeEvent } from '../core/node.ts';
import { c25519Public } from '../crypto/c25519.ts';
import { Identity } from '../protocol/identity.ts';
import { parseInetAddress } from '../protocol/inet-address.ts';
import { World, WorldType } from '../protocol/world.ts';
import { NodeRunner } from './node-runner.ts';
import { FileStore, MemoryStore } from './store.ts';

const random = (n: number) => randomFillSync(new Uint8Array(n));
const enc = new TextEncoder();
const dir = mkdtempSync(join(tmpdir(), 'ztsdk-runner-'));
const runners: NodeRunner[] = [];
after(async () => {
  for (const r of runners) await r.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function freePort(): Promise<number> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
  const port = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** Resolves when `cond()` holds, checking on every runner event and every 50 ms; rejects after `ms`. */
function until(what: string, cond: () => boolean, ms = 45000): Promise<void> {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const tick = () => {
      if (cond()) return resolve();
      if (Date.now() - t0 > ms) return reject(new Error(`timed out waiting for ${what}`));
      setTimeout(tick, 50);
    };
    tick();
  });
}

function track(r: NodeRunner): NodeEvent[] {
  const seen: NodeEvent[] = [];
  r.on('event', (e) => seen.push(e));
  runners.push(r);
  return seen;
}

describe('NodeRunner on loopback: a root and two leaves', () => {
  const rootId = Identity.generate(random);
  // Identity generation is the slow part of these tests: one spare identity serves the failure cases.
  const spareId = Identity.generate(random);
  const spareStore = () => new MemoryStore([['identity.secret', enc.encode(spareId.toString(true))]]);
  let planet: World;
  let rootPort: number;
  let root: NodeRunner;

  before(async () => {
    rootPort = await freePort();
    const priv = random(64);
    planet = World.create({
      type: WorldType.PLANET,
      id: 0x5eedn,
      timestamp: Date.now(),
      roots: [{ identity: rootId, stableEndpoints: [parseInetAddress(`127.0.0.1/${rootPort}`)!] }],
      signingKey: { publicKey: c25519Public(priv), privateKey: priv },
    });
    root = new NodeRunner({
      store: new MemoryStore([['identity.secret', enc.encode(rootId.toString(true))]]),
      planet,
      port: rootPort,
      role: 'root',
    });
    track(root);
    const info = await root.start();
    assert.equal(info.role, 'root');
    assert.equal(info.ports[0], rootPort);
  });

  it('leaves come online through the root, persist state, exchange a USER_MESSAGE, and restart', async () => {
    const stateA = join(dir, 'a');
    const a = new NodeRunner({ store: new FileStore(stateA), planet });
    const memChanges: string[] = [];
    const b = new NodeRunner({ store: new MemoryStore([], (k) => memChanges.push(k)), planet });
    const ea = track(a);
    const eb = track(b);
    const [ia, ib] = await Promise.all([a.start(), b.start()]);
    assert.equal(ia.identityCreated, true);
    assert.equal(ia.role, 'leaf');
    assert.equal(ia.planetSource, 'given');
    assert.equal(ia.ports.length, 2, 'a primary and a secondary port');
    assert.ok(ia.ports[1] >= 20000 && ia.ports[1] <= 65499, `secondary port ${ia.ports[1]}`);
    await until('both leaves online', () => a.online && b.online);
    assert.ok(ea.some((e) => e.type === 'online'));
    assert.ok(eb.some((e) => e.type === 'online'));

    // State on disk in the reference layout (§7.4).
    assert.equal(readFileSync(join(stateA, 'identity.secret'), 'utf8'), ia.identity.toString(true));
    assert.equal(statSync(join(stateA, 'identity.secret')).mode & 0o777, 0o600);
    assert.equal(readFileSync(join(stateA, 'identity.public'), 'utf8'), ia.identity.toString(false));
    assert.deepEqual(new Uint8Array(readFileSync(join(stateA, 'planet'))), planet.toBytes());
    const rootPeerFile = join(stateA, 'peers.d', `${rootId.addressString}.peer`);
    await until('the root in the peer cache', () => existsSync(rootPeerFile));
    assert.ok(memChanges.includes('identity.secret'));

    // A USER_MESSAGE from a to b (relayed through the root or direct: either way it arrives).
    const got = new Promise<NodeEvent>((resolve) =>
      b.on('user-message', (e) => {
        if (e.typeId === 0x1234n) resolve(e);
      }),
    );
    let sent = false;
    await until('a USER_MESSAGE delivered', () => {
      // The first try may be queued behind a WHOIS; resending is what an app would do.
      if (!sent || eb.every((e) => e.type !== 'user-message')) {
        a.sendUserMessage(ib.address, 0x1234n, enc.encode('hello b'));
        sent = true;
      }
      return eb.some((e) => e.type === 'user-message');
    });
    const m = (await got) as Extract<NodeEvent, { type: 'user-message' }>;
    assert.equal(m.from, ia.address);
    assert.equal(new TextDecoder().decode(m.data), 'hello b');

    // The root knows both leaves.
    const known = root.peers().map((p) => p.address);
    assert.ok(known.includes(ia.address) && known.includes(ib.address));

    // stop closes the sockets; start again rebinds and comes back online.
    const oldPorts = a.ports;
    await a.stop();
    assert.equal(a.isRunning, false);
    assert.deepEqual(a.ports, []);
    const s = dgram.createSocket('udp4'); // the primary port is free again
    await new Promise<void>((r, j) => {
      s.once('error', j);
      s.bind(oldPorts[0], '0.0.0.0', r);
    });
    s.close();
    await a.start();
    await until('a online again after restart', () => a.online);

    // A second runner on the same directory reuses the identity and the peer cache.
    await a.stop();
    const a2 = new NodeRunner({ store: new FileStore(stateA) });
    track(a2);
    const ia2 = await a2.start();
    assert.equal(ia2.identityCreated, false);
    assert.equal(ia2.address, ia.address);
    assert.equal(ia2.planetSource, 'stored', 'the custom planet stored earlier wins over the default');
    assert.ok(a2.peers().some((p) => p.address === rootId.addressString));
    await until('a2 online from stored state alone', () => a2.online);
    await a2.stop();
  });

  it('works over IPv6 too: a planet whose root endpoint is [::1]', async (t) => {
    const probe = dgram.createSocket('udp6');
    const port6 = await new Promise<number | undefined>((resolve) => {
      probe.once('error', () => resolve(undefined));
      probe.bind(0, '::1', () => resolve(probe.address().port));
    });
    probe.close();
    if (port6 === undefined) {
      t.skip('no IPv6 loopback on this host');
      return;
    }
    const priv = random(64);
    const planet6 = World.create({
      type: WorldType.PLANET,
      id: 0x5eed6n,
      timestamp: Date.now(),
      roots: [{ identity: rootId, stableEndpoints: [parseInetAddress(`::1/${port6}`)!] }],
      signingKey: { publicKey: c25519Public(priv), privateKey: priv },
    });
    const root6 = new NodeRunner({
      store: new MemoryStore([['identity.secret', enc.encode(rootId.toString(true))]]),
      planet: planet6,
      port: port6,
      secondaryPort: false,
    });
    const leaf = new NodeRunner({ store: spareStore(), planet: planet6, secondaryPort: false });
    const seen = track(leaf);
    track(root6);
    await root6.start();
    await leaf.start();
    await until('the IPv6 leaf online', () => leaf.online);
    assert.ok(
      seen.some((e) => e.type === 'path' && e.path === `::1/${port6}`),
      'the path to the root is the IPv6 one',
    );
    await leaf.stop();
    await root6.stop();
  });

  it('moons: a moon in moons.d makes its root an upstream; orbit fetches and stores a moon', async () => {
    // The spare identity is the moon's root (and seed), on its own port.
    const moonPort = await freePort();
    const priv = random(64);
    const moon = World.create({
      type: WorldType.MOON,
      id: BigInt(spareId.address),
      timestamp: Date.now(),
      roots: [{ identity: spareId, stableEndpoints: [parseInetAddress(`127.0.0.1/${moonPort}`)!] }],
      signingKey: { publicKey: c25519Public(priv), privateKey: priv },
    });
    const moonFile = `moons.d/${moon.id.toString(16).padStart(16, '0')}.moon`;
    const moonRoot = new NodeRunner({
      store: new MemoryStore([
        ['identity.secret', enc.encode(spareId.toString(true))],
        [moonFile, moon.toBytes()],
      ]),
      planet,
      port: moonPort,
      secondaryPort: false,
    });
    track(moonRoot);
    const mi = await moonRoot.start();
    assert.equal(mi.role, 'root', 'an identity that is a moon root runs as a root');

    // A leaf with the moon file already in its state.
    const withMoon = new NodeRunner({
      store: new MemoryStore([[moonFile, moon.toBytes()]]),
      planet,
      secondaryPort: false,
    });
    track(withMoon);
    const wi = await withMoon.start();
    assert.deepEqual(
      wi.moons.map((m) => m.id),
      [moon.id],
    );
    await until('the moon root reached', () =>
      withMoon.peers().some((p) => p.address === spareId.addressString && p.role === 'moon' && p.direct),
    );

    // A leaf that orbits it: the moon is asked from the seed and lands in moons.d.
    const store = new MemoryStore();
    const orbiter = new NodeRunner({ store, planet, secondaryPort: false });
    track(orbiter);
    await orbiter.start();
    await until('online', () => orbiter.online);
    orbiter.orbit(moon.id, spareId.addressString);
    await until('the moon stored after orbit', () => orbiter.moons.length === 1);
    await until('moons.d written', () => store.entries().some(([k]) => k === moonFile));
    orbiter.deorbit(moon.id);
    await until('moons.d entry deleted after deorbit', () => !store.entries().some(([k]) => k === moonFile));
    for (const r of [orbiter, withMoon, moonRoot]) await r.stop();
  });

  it('root role with an identity that is not in the planet fails clearly', async () => {
    const r = new NodeRunner({ store: spareStore(), planet, role: 'root' });
    runners.push(r);
    await assert.rejects(r.start(), (e: Error) => {
      assert.equal(e.name, 'StateError');
      assert.match(e.message, /is not a root of planet/);
      assert.match(e.message, new RegExp(rootId.addressString));
      return true;
    });
    assert.equal(r.isRunning, false);
  });

  it('a corrupt identity.secret stops start() with a message naming it, and leaves the file alone', async () => {
    const d = join(dir, 'corrupt');
    const store = new FileStore(d);
    await store.put('identity.secret', enc.encode('garbage'));
    const r = new NodeRunner({ store, planet });
    runners.push(r);
    await assert.rejects(r.start(), /identity\.secret is not a valid identity/);
    assert.equal(readFileSync(join(d, 'identity.secret'), 'utf8'), 'garbage');
  });

  it('a port in use makes start() reject with EADDRINUSE and bind nothing', async () => {
    const r = new NodeRunner({ store: spareStore(), planet, port: rootPort });
    runners.push(r);
    await assert.rejects(r.start(), { code: 'EADDRINUSE' });
    assert.deepEqual(r.ports, []);
  });

  it('persist write failures become warnings, not crashes', async () => {
    const store = spareStore();
    const r = new NodeRunner({ store, planet, secondaryPort: false });
    const warnings: string[] = [];
    r.on('warning', (w) => warnings.push(w));
    runners.push(r);
    await r.start();
    // Break the store after start: later writes fail.
    store.put = async () => {
      throw new Error('disk full');
    };
    await until('online', () => r.online);
    await until('a failed persist reported', () =>
      warnings.some((w) => /could not persist .*disk full/.test(w)),
    );
    await r.stop();
  });
});
