import assert from 'node:assert/strict';
import { randomFillSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Identity } from '../protocol/identity.ts';
import { parseInetAddress } from '../protocol/inet-address.ts';
import { FileStore, MemoryStore } from '../runtime/store.ts';
import { onePlanet } from '../testing/planet.ts';
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
    const w = onePlanet({ id: 77n, root: Identity.generate(random), endpoint: '127.0.0.1/9993', random });
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

describe('ZeroTierNode.start physicalMtu', () => {
  it('reaches the node (longest prefix wins, loopback default overridable); a bad CIDR is a TypeError', async () => {
    const { ZeroTierNode } = await import('./zerotier-node.ts');
    const planet = onePlanet({ id: 78n, root: Identity.generate(random), endpoint: '127.0.0.1/9', random });
    // One identity for both starts (generating identities is the slow part).
    const secret = new TextEncoder().encode(Identity.generate(random).toString(true));
    const store = () => new MemoryStore([['identity.secret', secret]]);
    const base = {
      storage: store(),
      planet,
      port: 0,
      secondaryPort: false as const,
      bindAddress: '127.0.0.1',
      advertiseInterfaces: false,
    };
    const node = await ZeroTierNode.start({
      ...base,
      physicalMtu: { '10.0.0.0/8': 9000, '10.1.0.0/16': 1500, '127.0.0.0/8': 1432 },
    });
    try {
      const pm = node.runner.node!.physicalMtu;
      const at = (ip: string) => pm.mtuFor({ ...parseInetAddress(`${ip}/9993`)! });
      assert.equal(at('10.2.3.4'), 9000);
      assert.equal(at('10.1.3.4'), 1500, 'the longer prefix wins');
      assert.equal(at('127.0.0.1'), 1432, 'the loopback default (10324) is overridden');
      assert.equal(at('192.0.2.1'), 1432, 'elsewhere the reference default');
    } finally {
      await node.stop();
    }
    await assert.rejects(
      ZeroTierNode.start({ ...base, storage: store(), physicalMtu: { 'not-a-cidr': 1500 } }),
      TypeError,
    );
  });
});
