import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { SeededRandom } from './random.ts';

test('xoshiro128** known answers from state (1,2,3,4)', () => {
  // First outputs of the reference C implementation seeded with s = {1, 2, 3, 4}.
  const r = SeededRandom.fromState(1, 2, 3, 4);
  assert.deepEqual([r.uint32(), r.uint32(), r.uint32()], [11520, 0, 5927040]);
});

test('same seed gives the same stream; different seeds differ', () => {
  const a = new SeededRandom(42);
  const b = new SeededRandom(42);
  const c = new SeededRandom(43);
  const sa = Array.from({ length: 16 }, () => a.uint32());
  const sb = Array.from({ length: 16 }, () => b.uint32());
  const sc = Array.from({ length: 16 }, () => c.uint32());
  assert.deepEqual(sa, sb);
  assert.notDeepEqual(sa, sc);
  assert.deepEqual(new SeededRandom('net-1').bytes(8), new SeededRandom('net-1').bytes(8));
  assert.notDeepEqual(new SeededRandom('net-1').bytes(8), new SeededRandom('net-2').bytes(8));
});

test('bytes(n) has length n, covers all values, works for odd lengths', () => {
  const r = new SeededRandom(7);
  for (const n of [0, 1, 3, 4, 5, 17]) assert.equal(r.bytes(n).length, n);
  const seen = new Set<number>();
  for (const b of r.bytes(20000)) seen.add(b);
  assert.equal(seen.size, 256);
  assert.throws(() => r.bytes(-1), RangeError);
});

test('float in [0,1) with a plausible mean; below(n) in range and roughly uniform', () => {
  const r = new SeededRandom(1);
  let sum = 0;
  const N = 20000;
  for (let i = 0; i < N; i++) {
    const f = r.float();
    assert.ok(f >= 0 && f < 1);
    sum += f;
  }
  // mean of U(0,1) has sd 1/sqrt(12 N) ≈ 0.002; 0.01 is 5 sd.
  assert.ok(Math.abs(sum / N - 0.5) < 0.01, `mean ${sum / N}`);
  const counts = new Array(6).fill(0);
  for (let i = 0; i < 6000; i++) counts[r.below(6)]++;
  for (const c of counts) assert.ok(c > 850 && c < 1150, `counts ${counts}`);
  assert.throws(() => r.below(0), RangeError);
  assert.throws(() => r.below(1.5), RangeError);
});

test('int, chance, pick and shuffle', () => {
  const r = new SeededRandom('helpers');
  fc.assert(
    fc.property(fc.integer({ min: -1000, max: 1000 }), fc.integer({ min: 0, max: 1000 }), (lo, span) => {
      const x = r.int(lo, lo + span);
      return Number.isInteger(x) && x >= lo && x <= lo + span;
    }),
  );
  assert.equal(r.chance(0), false);
  assert.equal(r.chance(1), true);
  let hits = 0;
  for (let i = 0; i < 10000; i++) if (r.chance(0.3)) hits++;
  assert.ok(hits > 2800 && hits < 3200, `hits ${hits}`);
  const items = ['a', 'b', 'c', 'd'];
  const picked = new Set<string>();
  for (let i = 0; i < 200; i++) picked.add(r.pick(items));
  assert.equal(picked.size, 4);
  assert.throws(() => r.pick([]), RangeError);
  const arr = Array.from({ length: 50 }, (_, i) => i);
  const sh = r.shuffle([...arr]);
  assert.notDeepEqual(sh, arr);
  assert.deepEqual(
    [...sh].sort((x, y) => x - y),
    arr,
  );
});

test('fork is independent of sibling forks and of parent consumption', () => {
  const p1 = new SeededRandom(5);
  const f1 = p1.fork('host-a').bytes(16);
  const p2 = new SeededRandom(5);
  p2.uint32();
  p2.fork('host-b');
  const f2 = p2.fork('host-a').bytes(16);
  assert.deepEqual(f1, f2);
  assert.notDeepEqual(f1, new SeededRandom(5).fork('host-b').bytes(16));
  assert.notDeepEqual(f1, new SeededRandom(6).fork('host-a').bytes(16));
  const fn = new SeededRandom(9).bytesFn();
  assert.deepEqual(fn(5), new SeededRandom(9).bytes(5));
});
