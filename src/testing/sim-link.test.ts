import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SeededRandom, SimLink } from './sim-link.ts';

function drain(link: SimLink<number>): { at: number; dir: number; item: number }[] {
  const out: { at: number; dir: number; item: number }[] = [];
  for (;;) {
    const t = link.nextDeadline();
    if (t === Number.POSITIVE_INFINITY) return out;
    link.deliver(t, (dir, item) => out.push({ at: t, dir, item }));
  }
}

test('SeededRandom is deterministic and uniform enough', () => {
  const a = new SeededRandom(42);
  const b = new SeededRandom(42);
  let sum = 0;
  for (let i = 0; i < 10_000; i++) {
    const x = a.float();
    assert.equal(x, b.float());
    assert.ok(x >= 0 && x < 1);
    sum += x;
  }
  assert.ok(Math.abs(sum / 10_000 - 0.5) < 0.02);
  assert.notEqual(new SeededRandom(1).float(), new SeededRandom(2).float());
});

test('clean link: FIFO per direction, exact delay', () => {
  const link = new SimLink<number>({ delay: 5 }, new SeededRandom(1));
  for (let i = 0; i < 10; i++) link.send(0, i, 100, i);
  link.send(1, 99, 100, 0);
  const out = drain(link);
  assert.deepEqual(
    out.filter((o) => o.dir === 0).map((o) => o.item),
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  );
  assert.equal(out.find((o) => o.item === 3)?.at, 8);
  assert.equal(out.find((o) => o.dir === 1)?.at, 5);
});

test('bandwidth serialises packets and the queue limit tail-drops', () => {
  // 1000 bytes per ms; 500-byte packets all offered at t = 0; queue limit 2000 bytes.
  const link = new SimLink<number>({ delay: 0, bandwidth: 1000, queueLimit: 2000 }, new SeededRandom(1));
  const accepted: boolean[] = [];
  for (let i = 0; i < 10; i++) accepted.push(link.send(0, i, 500, 0));
  const out = drain(link);
  assert.deepEqual(
    out.map((o) => o.at),
    out.map((_, i) => 0.5 * (i + 1)),
  );
  assert.ok(accepted.includes(false));
  assert.equal(link.stats.queueDrops, accepted.filter((a) => !a).length);
});

test('loss, duplication and reordering happen at about the configured rates', () => {
  const link = new SimLink<number>(
    { delay: 1, loss: 0.1, duplicate: 0.05, reorder: 0.1, reorderDelay: 10 },
    new SeededRandom(3),
  );
  const n = 20_000;
  for (let i = 0; i < n; i++) link.send(0, i, 100, i * 0.01);
  const out = drain(link);
  assert.ok(Math.abs(link.stats.lost / n - 0.1) < 0.01, `lost ${link.stats.lost}`);
  assert.ok(Math.abs(link.stats.duplicated / n - 0.045) < 0.01, `dup ${link.stats.duplicated}`);
  assert.equal(out.length, n - link.stats.lost + link.stats.duplicated);
  let inversions = 0;
  for (let i = 1; i < out.length; i++) if (out[i].item < out[i - 1].item) inversions++;
  assert.ok(inversions > 0.05 * n, `reordered deliveries: ${inversions}`);
});
