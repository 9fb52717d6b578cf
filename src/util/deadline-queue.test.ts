import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { type DeadlineEntry, DeadlineQueue } from './deadline-queue.ts';

interface Item extends DeadlineEntry {
  id: number;
}
const item = (id: number): Item => ({ id, deadlineAt: Number.POSITIVE_INFINITY, heapIndex: -1 });

test('pops in deadline order, only when due', () => {
  const q = new DeadlineQueue<Item>();
  const a = item(1);
  const b = item(2);
  const c = item(3);
  q.set(a, 30);
  q.set(b, 10);
  q.set(c, 20);
  assert.equal(q.peek(), 10);
  assert.equal(q.popDue(5), undefined);
  assert.equal(q.popDue(25)?.id, 2);
  assert.equal(q.popDue(25)?.id, 3);
  assert.equal(q.popDue(25), undefined);
  assert.equal(q.size, 1);
  q.set(a, 5); // move earlier
  assert.equal(q.popDue(5)?.id, 1);
  assert.equal(q.peek(), Number.POSITIVE_INFINITY);
});

test('set(Infinity) and remove cancel', () => {
  const q = new DeadlineQueue<Item>();
  const a = item(1);
  q.set(a, 1);
  q.set(a, Number.POSITIVE_INFINITY);
  assert.equal(q.size, 0);
  assert.equal(a.heapIndex, -1);
  q.set(a, 2);
  q.remove(a);
  q.remove(a);
  assert.equal(q.size, 0);
});

test('model check against a sorted list under random set/remove/pop', () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.integer({ min: 0, max: 9 }), fc.integer({ min: -1, max: 100 })), {
        maxLength: 200,
      }),
      (ops) => {
        const q = new DeadlineQueue<Item>();
        const items = Array.from({ length: 10 }, (_, i) => item(i));
        const model = new Map<number, number>();
        for (const [id, at] of ops) {
          if (at === -1) {
            q.remove(items[id]);
            model.delete(id);
          } else if (at === 100) {
            const e = q.popDue(50);
            const due = [...model.entries()].filter(([, t]) => t <= 50);
            if (due.length === 0) assert.equal(e, undefined);
            else {
              const min = Math.min(...due.map(([, t]) => t));
              assert.ok(e);
              assert.equal(model.get(e.id), min);
              model.delete(e.id);
            }
          } else {
            q.set(items[id], at);
            model.set(id, at);
          }
          assert.equal(q.size, model.size);
          assert.equal(q.peek(), model.size ? Math.min(...model.values()) : Number.POSITIVE_INFINITY);
        }
      },
    ),
  );
});
