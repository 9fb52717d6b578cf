import assert from 'node:assert/strict';
import { randomFillSync } from 'node:crypto';
import { describe, it } from 'node:test';
import { c25519Public } from '../crypto/c25519.ts';
import { defaultPlanet } from '../protocol/default-planet.ts';
import { Identity } from '../protocol/identity.ts';
import { parseInetAddress } from '../protocol/inet-address.ts';
import { World, WorldType } from '../protocol/world.ts';
import { choosePlanet, loadMoons, loadOrCreateIdentity, loadPeerCache, StateError } from './state.ts';
import { MemoryStore } from './store.ts';

const random = (n: number) => randomFillSync(new Uint8Array(n));
const enc = new TextEncoder();
const dec = new TextDecoder();

function keyPair() {
  const privateKey = random(64);
  return { publicKey: c25519Public(privateKey), privateKey };
}

const rootId = Identity.generate(random);
const signer = keyPair();
function planet(id: bigint, timestamp: number, key = signer, next?: Uint8Array) {
  return World.create({
    type: WorldType.PLANET,
    id,
    timestamp,
    roots: [{ identity: rootId, stableEndpoints: [parseInetAddress('127.0.0.1/9993')!] }],
    signingKey: key,
    updatesMustBeSignedBy: next,
  });
}

describe('loadOrCreateIdentity', () => {
  it('creates, stores (secret + public) and then reloads the same identity', async () => {
    const store = new MemoryStore();
    const a = await loadOrCreateIdentity(store, random);
    assert.equal(a.created, true);
    assert.equal(a.identity.hasPrivate, true);
    assert.equal(dec.decode((await store.get('identity.secret'))!), a.identity.toString(true));
    assert.equal(dec.decode((await store.get('identity.public'))!), a.identity.toString(false));
    const b = await loadOrCreateIdentity(store, random);
    assert.equal(b.created, false);
    assert.equal(b.identity.toString(true), a.identity.toString(true));
  });

  it('accepts a secret with surrounding whitespace and repairs a missing or wrong identity.public', async () => {
    const store = new MemoryStore([
      ['identity.secret', enc.encode(`${rootId.toString(true)}\n`)],
      ['identity.public', enc.encode('garbage')],
    ]);
    const r = await loadOrCreateIdentity(store, random);
    assert.equal(r.identity.address, rootId.address);
    assert.equal(dec.decode((await store.get('identity.public'))!), rootId.toString(false));
  });

  it('refuses a corrupt secret, a public-only secret, and a secret whose address does not match its key', async () => {
    const bad = [
      'not an identity',
      rootId.toString(false),
      // another identity's keys under this address
      `${rootId.addressString}${Identity.generate(random).toString(true).slice(10)}`,
    ];
    for (const text of bad) {
      const store = new MemoryStore([['identity.secret', enc.encode(text)]]);
      await assert.rejects(loadOrCreateIdentity(store, random), (e: unknown) => {
        assert.ok(e instanceof StateError, String(e));
        assert.equal(e.key, 'identity.secret');
        assert.match(e.message, /identity\.secret/);
        return true;
      });
      // and never overwrote it
      assert.equal(dec.decode((await store.get('identity.secret'))!), text);
    }
  });
});

describe('choosePlanet (§7.4)', () => {
  it('no stored, none given: the default planet', async () => {
    const r = await choosePlanet(new MemoryStore());
    assert.equal(r.source, 'default');
    assert.equal(r.planet.id, defaultPlanet().id);
  });

  it('a stored custom planet wins over the default', async () => {
    const p = planet(1234n, 1000);
    const r = await choosePlanet(new MemoryStore([['planet', p.toBytes()]]));
    assert.equal(r.source, 'stored');
    assert.equal(r.planet.id, 1234n);
  });

  it('a stored older copy of the default planet is replaced by the compiled-in default', async () => {
    const def = defaultPlanet();
    // Same ID and signature key but older: the default is a legitimate update of it only if it
    // verifies with the stored copy's key, which it does (same updatesMustBeSignedBy).
    const older = World.fromBytes(def.toBytes());
    assert.ok(older.ok);
    older.value.timestamp = def.timestamp - 1;
    const r = await choosePlanet(new MemoryStore([['planet', older.value.toBytes()]]));
    assert.equal(r.source, 'default');
    assert.equal(r.planet.timestamp, def.timestamp);
  });

  it('a given planet wins, unless the stored one is a signed newer revision of it', async () => {
    const next = keyPair();
    const given = planet(77n, 1000, signer, next.publicKey);
    const update = planet(77n, 2000, next, next.publicKey); // signed by the key the given one names
    const forged = planet(77n, 3000, keyPair()); // newer but signed by someone else
    let r = await choosePlanet(new MemoryStore([['planet', update.toBytes()]]), given);
    assert.equal(r.source, 'stored-update');
    assert.equal(r.planet.timestamp, 2000);
    r = await choosePlanet(new MemoryStore([['planet', forged.toBytes()]]), given);
    assert.equal(r.source, 'given');
    assert.equal(r.planet.timestamp, 1000);
    const other = planet(99n, 5000);
    r = await choosePlanet(new MemoryStore([['planet', other.toBytes()]]), given);
    assert.equal(r.source, 'given');
    assert.equal(r.warnings.length, 1);
  });

  it('a corrupt stored planet or a moon in its place is a StateError naming the file', async () => {
    await assert.rejects(choosePlanet(new MemoryStore([['planet', Uint8Array.of(1, 2, 3)]])), {
      name: 'StateError',
      key: 'planet',
    });
    const moon = World.create({
      type: WorldType.MOON,
      id: BigInt(rootId.address),
      timestamp: 1,
      roots: [{ identity: rootId, stableEndpoints: [] }],
      signingKey: signer,
    });
    await assert.rejects(choosePlanet(new MemoryStore([['planet', moon.toBytes()]])), /holds a moon/);
  });
});

describe('loadMoons / loadPeerCache', () => {
  it('loads valid moons and skips bad files with a warning', async () => {
    const moon = World.create({
      type: WorldType.MOON,
      id: BigInt(rootId.address),
      timestamp: 1,
      roots: [{ identity: rootId, stableEndpoints: [] }],
      signingKey: signer,
    });
    const store = new MemoryStore([
      [`moons.d/${moon.id.toString(16).padStart(16, '0')}.moon`, moon.toBytes()],
      ['moons.d/0000000000000002.moon', Uint8Array.of(9, 9)],
      ['moons.d/0000000000000003.moon', planet(5n, 1).toBytes()],
      ['moons.d/readme.txt', enc.encode('x')],
    ]);
    const r = await loadMoons(store);
    assert.equal(r.moons.length, 1);
    assert.equal(r.moons[0].id, moon.id);
    assert.equal(r.warnings.length, 2);
  });

  it('returns every peers.d/*.peer blob as stored', async () => {
    const store = new MemoryStore([
      ['peers.d/aaaaaaaaaa.peer', Uint8Array.of(1)],
      ['peers.d/bbbbbbbbbb.peer', Uint8Array.of(2)],
      ['peers.d/other', Uint8Array.of(3)],
    ]);
    const r = await loadPeerCache(store);
    assert.deepEqual(
      r.blobs.map((b) => b[0]),
      [1, 2],
    );
  });
});
