import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { World, WorldType } from '../protocol/world.ts';
import { parseWorldSpec } from './mkworld.ts';

const bin = fileURLToPath(new URL('../../bin/ztsdk.js', import.meta.url));
const labPlanet = World.fromBytes(
  readFileSync(new URL('../../test/vectors/lab-capture-1/planet.bin', import.meta.url)),
);
assert.ok(labPlanet.ok);
const rootIdentity = labPlanet.value.roots[0].identity.toString(false);

test('builds a planet like the lab one, signed, and signs the next update with the previous key', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ztsdk-mkworld-'));
  const cfg = join(dir, 'world.json');
  writeFileSync(
    cfg,
    JSON.stringify({
      id: 149604618,
      timestamp: 1700000000000,
      roots: [{ identity: rootIdentity, stableEndpoints: ['10.77.0.10/9993'] }],
    }),
  );
  const out = execFileSync(
    process.execPath,
    [bin, 'mkworld', '--config', cfg, '--out', join(dir, 'planet')],
    { cwd: dir, encoding: 'utf8' },
  );
  assert.match(out, /^wrote .*planet: planet 149604618 timestamp 1700000000000, 1 root\(s\), 257 bytes/);
  assert.equal(statSync(join(dir, 'current.c25519')).mode & 0o777, 0o600);
  const w1 = World.fromBytes(readFileSync(join(dir, 'planet')));
  assert.ok(w1.ok);
  assert.equal(w1.value.type, WorldType.PLANET);
  assert.ok(w1.value.verify());
  // Same roots as the lab planet, so the same layout: only the keys and signature differ.
  assert.deepEqual(
    w1.value.roots.map((r) => r.identity.toString()),
    [rootIdentity],
  );
  assert.equal(w1.value.toBytes().length, labPlanet.value.toBytes().length);

  // Rotate: current becomes previous, a new current is generated; the update must replace w1.
  renameSync(join(dir, 'current.c25519'), join(dir, 'previous.c25519'));
  writeFileSync(
    cfg,
    JSON.stringify({
      id: '0x8eac90a',
      timestamp: 1700000001000,
      roots: [{ identity: rootIdentity, stableEndpoints: ['10.77.0.10/9993', '10.77.0.10/443'] }],
    }),
  );
  execFileSync(process.execPath, [bin, 'mkworld', '--config', cfg, '--out', join(dir, 'planet2')], {
    cwd: dir,
  });
  const w2 = World.fromBytes(readFileSync(join(dir, 'planet2')));
  assert.ok(w2.ok);
  assert.ok(w1.value.shouldBeReplacedBy(w2.value), 'signed by the key w1 named');
  assert.ok(!w2.value.verify(), 'w2 names a new key, not the one that signed it');
});

test('rejects bad specs with a message naming the field', () => {
  assert.throws(() => parseWorldSpec('{'), /not valid JSON/);
  assert.throws(() => parseWorldSpec('{"id":0,"roots":[]}'), /"id"/);
  assert.throws(() => parseWorldSpec('{"id":1,"roots":[]}'), /"roots"/);
  assert.throws(() => parseWorldSpec('{"id":1,"type":"galaxy","roots":[]}'), /"type"/);
  assert.throws(
    () => parseWorldSpec(JSON.stringify({ id: 1, roots: [{ identity: 'nope' }] })),
    /roots\[0\]\.identity/,
  );
  const tampered = `${rootIdentity.slice(0, 20)}${rootIdentity[20] === '0' ? '1' : '0'}${rootIdentity.slice(21)}`;
  assert.throws(
    () => parseWorldSpec(JSON.stringify({ id: 1, roots: [{ identity: tampered }] })),
    /fails validation/,
  );
  assert.throws(
    () =>
      parseWorldSpec(
        JSON.stringify({ id: 1, roots: [{ identity: rootIdentity, stableEndpoints: ['10.0.0.1'] }] }),
      ),
    /is not "ip\/port"/,
  );
});
