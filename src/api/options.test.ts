import assert from 'node:assert/strict';
import { randomFillSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { c25519Public } from '../crypto/c25519.ts';
import { Identity } from '../protocol/identity.ts';
import { parseInetAddress } from '../protocol/inet-address.ts';
import { World, WorldType } from '../protocol/world.ts';
import { FileStore, MemoryStore } from '../runtime/store.ts';
import { resolvePlanet, resolveStorage } from './options.ts';

const random = (n: number) => randomFillSync(new Uint8Array(n));

describe('ZeroTierNode options', () => {
  it('storage: a path becomes a FileStore, a store is used as is, anything else is a TypeError', () => {
    const fs = resolveStorage('/tmp/zt-state-x');
    assert.ok(fs instanceof FileStore);
    assert.equal((fs as FileStore).dir, '/tmp/zt-state-x');
    const m = new MemoryStore();
    assert.equal(resolveStorage(m), m);
    assert.throws(() => resolveStorage(42 as never), TypeError);
    assert.throws(() => resolveStorage({} as never), TypeError);
  });

  it('planet: a World, its bytes, or a file path; bad bytes are a TypeError', async () => {
    const key = random(64);
    const w = World.create({
      type: WorldType.PLANET,
      id: 77n,
      timestamp: 1,
      roots: [
        {
          identity: Identity.generate(random).publicOnly(),
          stableEndpoints: [parseInetAddress('127.0.0.1/9993')!],
        },
      ],
      signingKey: { publicKey: c25519Public(key), privateKey: key },
    });
    assert.equal(await resolvePlanet(undefined), undefined);
    assert.equal(await resolvePlanet(w), w);
    assert.equal((await resolvePlanet(w.toBytes()))?.id, 77n);
    const dir = mkdtempSync(join(tmpdir(), 'zt-planet-'));
    try {
      writeFileSync(join(dir, 'planet'), w.toBytes());
      assert.equal((await resolvePlanet(join(dir, 'planet')))?.id, 77n);
      writeFileSync(join(dir, 'bad'), 'not a world');
      await assert.rejects(resolvePlanet(join(dir, 'bad')), TypeError);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    await assert.rejects(resolvePlanet(new Uint8Array(3)), TypeError);
    await assert.rejects(resolvePlanet(5 as never), TypeError);
  });
});
