import assert from 'node:assert/strict';
import { it } from 'node:test';
import { pooledRandom } from './random.ts';

it('pooledRandom: fresh arrays of the asked length, never the same bytes twice, across refills', () => {
  const r = pooledRandom();
  const seen = new Set<string>();
  let total = 0;
  for (let i = 0; i < 5000; i++) {
    const n = 8 + (i % 9);
    const b = r(n);
    assert.equal(b.length, n);
    total += n;
    const hex = Buffer.from(b).toString('hex');
    assert.ok(!seen.has(hex), 'no repeated draw');
    seen.add(hex);
  }
  assert.ok(total > 16 * 1024 * 2, 'the pool was refilled');
  // Large requests bypass the pool.
  assert.equal(r(100_000).length, 100_000);
  assert.equal(r(0).length, 0);
  assert.throws(() => r(-1), RangeError);
  // Not all zero (the pool is filled, and wiped only after handing out).
  assert.ok(r(32).some((x) => x !== 0));
});
