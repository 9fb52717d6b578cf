import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { toHex } from '../util/bytes.ts';
import { DEFAULT_PLANET_LENGTH, defaultPlanet, defaultPlanetBytes } from './default-planet.ts';
import { inetAddressToString } from './inet-address.ts';
import { EARTH_WORLD_ID, World, WorldType } from './world.ts';

// §7.3, verbatim.
const ROOTS = [
  {
    id: 'cafe9efeb9:0:ccdef76bc7b97ded904eabc5df09886d9c1514a610036cb9139cc214001a2958978efcec15712dd3948c6e6b3a8e893df01ff493d1f8d9806a860c5420571bf0',
    endpoints: ['104.194.8.134/9993', '2605:9880:200:1200:30:571:e34:51/9993'],
  },
  {
    id: '778cde7190:0:3f6681a99e5ad1895e9fba33e6212d4454e168bcec7112101bf000956ed8e92e42892cb6f2ec410881a84ab19da50e1287ba3d926c3a1f755cccf299a1207055',
    endpoints: ['103.195.103.66/9993', '2605:9880:400:c3:254:f2bc:a1f7:19/9993'],
  },
  {
    id: '62f865ae71:0:e2076c57de870e6288d7d5e7404408b1545efca37d67f77b87e9e54168c25d3ef1a9abf2905ea5e785c01dff23887ad4232d95c7a8fd2c27111a72bd159322dc',
    endpoints: ['50.7.252.138/9993', '2001:49f0:d0db:2::2/9993'],
  },
  {
    id: 'cafe04eba9:0:6c6a9d1dea55c1616bfe2a2b8f0ff9a8cacaf70374fb1f39e3bef81cbfebef17b7228268a0a2a29d3488c752565c6c965cbd6506ec24397cc8a5d9d15285a87f',
    endpoints: ['84.17.53.155/9993', '2a02:6ea0:d405::9993/9993'],
  },
];

test('default planet: the embedded bytes are the lead-provided 570 bytes', () => {
  const bytes = defaultPlanetBytes();
  assert.equal(bytes.length, DEFAULT_PLANET_LENGTH);
  let fromFile: string | undefined;
  try {
    fromFile = readFileSync('/tmp/default-planet.hex', 'utf8').trim();
  } catch {
    fromFile = undefined; // only present on the machine where it was extracted
  }
  if (fromFile !== undefined) assert.equal(toHex(bytes), fromFile);
});

test('default planet decodes to §7.3: Earth, 1644592324813, four roots with their endpoints', () => {
  const w = defaultPlanet();
  assert.equal(w.type, WorldType.PLANET);
  assert.equal(w.id, EARTH_WORLD_ID);
  assert.equal(w.id, 0x0000000008eac90an);
  assert.equal(w.timestamp, 1644592324813);
  assert.equal(
    toHex(w.updatesMustBeSignedBy),
    'b8b388a469221491aa9acd66cc764cdefd56039f1067ae15e69c6fb42d7b55330e3fdaac529c0792fd7340a6aa21aba8a489fdaea44a39bf2d00659ac9c818eb',
  );
  assert.equal(w.roots.length, 4);
  w.roots.forEach((root, i) => {
    assert.equal(root.identity.toString(), ROOTS[i].id);
    assert.deepEqual(root.stableEndpoints.map(inetAddressToString), ROOTS[i].endpoints);
  });
});

test('default planet: self-signature verifies, re-encodes byte for byte, tampering fails', () => {
  const bytes = defaultPlanetBytes();
  const w = defaultPlanet();
  assert.ok(w.verify());
  assert.equal(toHex(w.toBytes()), toHex(bytes));
  // Appendix B's check: SHA-512(0x7f×8 || bytes[0..81) || bytes[177..570) || 0xf7×8)[0..32) = signature[64..96).
  const sb = w.signedBytes();
  assert.equal(
    toHex(sb),
    `${'7f'.repeat(8)}${toHex(bytes, 0, 81)}${toHex(bytes, 177, 570)}${'f7'.repeat(8)}`,
  );
  const h = createHash('sha512').update(sb).digest();
  assert.equal(toHex(h, 0, 32), toHex(w.signature, 64, 96));
  for (const i of [1, 20, 300, 569]) {
    const b = bytes.slice();
    b[i] ^= 0x10;
    const d = World.fromBytes(b);
    if (d.ok) assert.equal(d.value.verify(), false, `byte ${i}`);
  }
  // The lab planet (a different world id) does not replace Earth and vice versa.
  const lab = World.fromBytes(
    new Uint8Array(readFileSync(new URL('../../test/vectors/lab-planet.bin', import.meta.url))),
  );
  assert.ok(lab.ok);
  assert.equal(w.shouldBeReplacedBy(lab.value), false);
  assert.equal(lab.value.shouldBeReplacedBy(w), false);
});
