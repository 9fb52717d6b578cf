import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import fc from 'fast-check';
import { c25519Public } from '../crypto/c25519.ts';
import { equalBytes, toHex } from '../util/bytes.ts';
import { Identity } from './identity.ts';
import { inetAddress, inetAddressToString } from './inet-address.ts';
import { keyPairFromBytes, World, WorldType } from './world.ts';

const vectorsDir = new URL('../../test/vectors/', import.meta.url);
const labPlanet = new Uint8Array(readFileSync(new URL('lab-planet.bin', vectorsDir)));
const capturePlanet = new Uint8Array(readFileSync(new URL('lab-capture-1/planet.bin', vectorsDir)));
const manifest = JSON.parse(readFileSync(new URL('lab-capture-1/manifest.json', vectorsDir), 'utf8'));
const cv = JSON.parse(readFileSync(new URL('crypto-vectors.json', vectorsDir), 'utf8'));

function mustDecode(b: Uint8Array): World {
  const d = World.fromBytes(b);
  assert.ok(d.ok, d.ok ? '' : d.reason);
  return d.value;
}

/** A deterministic key pair from a fixed private key (tests only). */
function keyPair(seedByte: number) {
  const privateKey = new Uint8Array(64).fill(seedByte);
  return { publicKey: c25519Public(privateKey), privateKey };
}

test('lab planet: decodes, its signature verifies, re-encodes byte for byte', () => {
  for (const bytes of [labPlanet, capturePlanet]) {
    const w = mustDecode(bytes);
    assert.equal(w.type, WorldType.PLANET);
    assert.equal(w.roots.length, 1);
    const rootId = manifest.nodes.root.identitySecret.split(':').slice(0, 3).join(':');
    assert.equal(w.roots[0].identity.toString(), rootId);
    assert.deepEqual(w.roots[0].stableEndpoints.map(inetAddressToString), ['10.77.0.10/9993']);
    assert.ok(w.verify());
    assert.ok(equalBytes(w.toBytes(), bytes));
    assert.equal(w.root(w.roots[0].identity.address), w.roots[0]);
    assert.equal(w.root(0x1234567890), undefined);
  }
});

test('tampering with any signed byte or the signature breaks verification', () => {
  // Every byte except the signature's appended hash copy is covered; flip a sample of them.
  for (const i of [0, 5, 9, 17, 30, 81, 100, 176, 177, 200, labPlanet.length - 1]) {
    const b = labPlanet.slice();
    b[i] ^= 0x01;
    const d = World.fromBytes(b);
    if (d.ok) assert.equal(d.value.verify(), false, `byte ${i}`);
  }
});

test('create + sign reproduces a world that verifies; a key file splits into halves', () => {
  const kp = keyPair(7);
  const root = Identity.fromString(cv.identities.A);
  assert.ok(root.ok);
  const w = World.create({
    type: WorldType.MOON,
    id: BigInt(root.value.address),
    timestamp: 1700000000000,
    roots: [
      {
        identity: root.value.publicOnly(),
        stableEndpoints: [inetAddress(new Uint8Array([203, 0, 113, 5]), 9993)],
      },
    ],
    signingKey: kp,
  });
  assert.ok(w.verify());
  assert.ok(w.verify(kp.publicKey));
  assert.equal(w.verify(keyPair(8).publicKey), false);
  // Signing with the bare 64-byte private key gives the same (deterministic) signature.
  const sigBefore = w.signature;
  assert.deepEqual(w.sign(kp.privateKey).signature, sigBefore);
  const bytes = w.toBytes();
  // Moons end with a u16 dictionary length of 0 (§7.1).
  assert.equal(toHex(bytes.subarray(bytes.length - 2)), '0000');
  const back = mustDecode(bytes);
  assert.equal(back.type, WorldType.MOON);
  assert.ok(back.verify());
  assert.ok(equalBytes(back.toBytes(), bytes));
  // Signed bytes: 0x7f×8 || type..updatesMustBeSignedBy || roots || u16 0 || 0xf7×8.
  const sb = w.signedBytes();
  assert.equal(toHex(sb.subarray(0, 8)), '7f'.repeat(8));
  assert.equal(toHex(sb.subarray(sb.length - 8)), 'f7'.repeat(8));
  assert.equal(sb.length, bytes.length - 96 + 16);
  const file = new Uint8Array(128);
  file.set(kp.publicKey);
  file.set(kp.privateKey, 64);
  assert.deepEqual(keyPairFromBytes(file), kp);
  assert.throws(() => keyPairFromBytes(new Uint8Array(64)), RangeError);
});

test('shouldBeReplacedBy (§7.2): same type and id, strictly newer, signed by the held key', () => {
  const oldKey = keyPair(1);
  const newKey = keyPair(2);
  const held = mustDecode(labPlanet);
  const base = { type: WorldType.PLANET, id: held.id, roots: held.roots };
  // The lab planet is self-signed: its updatesMustBeSignedBy is the lab's key, which we do not have.
  const forged = World.create({ ...base, timestamp: held.timestamp + 1, signingKey: oldKey });
  assert.equal(held.shouldBeReplacedBy(forged), false);

  const v1 = World.create({ ...base, timestamp: 1000, signingKey: oldKey });
  const v2 = World.create({
    ...base,
    timestamp: 2000,
    signingKey: oldKey,
    updatesMustBeSignedBy: newKey.publicKey,
  });
  assert.ok(v1.shouldBeReplacedBy(v2));
  assert.equal(v2.shouldBeReplacedBy(v1), false); // older
  const same = World.create({ ...base, timestamp: 1000, signingKey: oldKey });
  assert.equal(v1.shouldBeReplacedBy(same), false); // not strictly newer
  // After v2, the next update must be signed by the new key.
  const v3old = World.create({ ...base, timestamp: 3000, signingKey: oldKey });
  const v3new = World.create({ ...base, timestamp: 3000, signingKey: newKey });
  assert.equal(v2.shouldBeReplacedBy(v3old), false);
  assert.ok(v2.shouldBeReplacedBy(v3new));
  // Other id / other type.
  const otherId = World.create({ ...base, id: held.id + 1n, timestamp: 5000, signingKey: oldKey });
  assert.equal(v1.shouldBeReplacedBy(otherId), false);
  const moon = World.create({ ...base, type: WorldType.MOON, timestamp: 5000, signingKey: oldKey });
  assert.equal(v1.shouldBeReplacedBy(moon), false);
  // A null held world accepts anything.
  const nullWorld = new World({
    type: WorldType.NULL,
    id: 0n,
    timestamp: 0,
    updatesMustBeSignedBy: new Uint8Array(64),
    roots: [],
  });
  assert.ok(nullWorld.shouldBeReplacedBy(forged));
});

test('decode failures have stable reasons', () => {
  const reason = (b: Uint8Array) => {
    const d = World.fromBytes(b);
    return d.ok ? 'ok' : d.reason;
  };
  const badType = labPlanet.slice();
  badType[0] = 2;
  assert.equal(reason(badType), 'bad-type');
  const manyRoots = labPlanet.slice();
  manyRoots[177] = 5;
  assert.equal(reason(manyRoots), 'too-many-roots');
  const manyEndpoints = labPlanet.slice();
  manyEndpoints[178 + 71] = 33;
  assert.equal(reason(manyEndpoints), 'too-many-endpoints');
  assert.equal(reason(labPlanet.subarray(0, labPlanet.length - 1)), 'truncated');
  assert.equal(reason(labPlanet.subarray(0, 100)), 'truncated');
  const extra = new Uint8Array(labPlanet.length + 1);
  extra.set(labPlanet);
  assert.equal(reason(extra), 'trailing-bytes');
});

test('fuzz: World.fromBytes never throws on random, truncated or mutated input', () => {
  fc.assert(
    fc.property(
      fc.oneof(
        fc.uint8Array({ maxLength: 600 }),
        fc.nat(labPlanet.length).map((n) => labPlanet.slice(0, n)),
        fc
          .array(fc.tuple(fc.nat(labPlanet.length - 1), fc.integer({ min: 0, max: 255 })), {
            minLength: 1,
            maxLength: 4,
          })
          .map((m) => {
            const b = labPlanet.slice();
            for (const [i, v] of m) b[i] = v;
            return b;
          }),
      ),
      (b) => {
        const d = World.fromBytes(b);
        if (d.ok) {
          // Whatever decodes re-encodes to bytes that decode to the same world (idempotent).
          const again = d.value.toBytes();
          const d2 = World.fromBytes(again);
          assert.ok(d2.ok);
          assert.ok(equalBytes(d2.value.toBytes(), again));
          if (again.length === b.length) assert.ok(equalBytes(again, b));
        }
      },
    ),
    { numRuns: 1500 },
  );
});
