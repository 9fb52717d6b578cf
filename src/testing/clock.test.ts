import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { EventLimitError, FakeClock } from './clock.ts';

test('deadlines fire in time order, FIFO among equal times, with now() at their time', () => {
  const c = new FakeClock({ start: 1000 });
  const log: string[] = [];
  c.schedule(1030, () => log.push(`c@${c.now()}`));
  c.schedule(1010, () => log.push(`a@${c.now()}`));
  c.schedule(1010, () => log.push(`b@${c.now()}`));
  c.after(5, () => log.push(`z@${c.now()}`));
  assert.equal(c.pending, 4);
  assert.equal(c.nextDeadline(), 1005);
  assert.equal(c.advance(20), 3);
  assert.deepEqual(log, ['z@1005', 'a@1010', 'b@1010']);
  assert.equal(c.now(), 1020);
  assert.equal(c.runUntil(2000), 1);
  assert.deepEqual(log.at(-1), 'c@1030');
  assert.equal(c.now(), 2000);
  assert.equal(c.nextDeadline(), undefined);
});

test('events scheduled while running fire in the same run if due; past times are clamped', () => {
  const c = new FakeClock();
  const log: number[] = [];
  c.schedule(10, () => {
    log.push(c.now());
    c.after(0, () => log.push(c.now()));
    c.schedule(5, () => log.push(-c.now())); // in the past: fires now, after the one above
    c.after(100, () => log.push(c.now()));
  });
  c.advance(50);
  assert.deepEqual(log, [10, 10, -10]);
  c.advance(100);
  assert.deepEqual(log, [10, 10, -10, 110]);
});

test('cancel, runNext, runAll and the re-armable timer', () => {
  const c = new FakeClock();
  let fired = 0;
  const id = c.after(10, () => fired++);
  c.after(20, () => fired++);
  assert.equal(c.cancel(id), true);
  assert.equal(c.cancel(id), false);
  assert.equal(c.pending, 1);
  assert.equal(c.runNext(), true);
  assert.equal(c.now(), 20);
  assert.equal(fired, 1);
  assert.equal(c.runNext(), false);

  const hits: number[] = [];
  const t = c.timer(() => hits.push(c.now()));
  t.arm(50);
  t.arm(40); // re-arming replaces
  assert.equal(t.armedAt, 40);
  c.advance(100);
  assert.deepEqual(hits, [40]);
  assert.equal(t.armedAt, undefined);
  t.arm(130);
  t.disarm();
  t.arm(140);
  t.arm(Number.POSITIVE_INFINITY); // "no deadline" disarms
  assert.equal(t.armedAt, undefined);
  t.arm(150);
  t.arm(undefined);
  assert.throws(() => c.schedule(Number.POSITIVE_INFINITY, () => {}), RangeError);
  c.advance(100);
  assert.deepEqual(hits, [40]);

  // runAll with a horizon stops before a periodic timer runs forever.
  let ticks = 0;
  const tick = () => {
    ticks++;
    c.after(1000, tick);
  };
  c.after(0, tick);
  c.runAll(c.now() + 10_000);
  assert.equal(ticks, 11);
});

test('a zero-delay loop hits the event cap with a clear error instead of hanging', () => {
  const c = new FakeClock({ maxEventsPerRun: 500 });
  const ping = () => c.after(0, ping, 'ping');
  c.after(0, ping);
  assert.throws(
    () => c.advance(1),
    (e: unknown) => e instanceof EventLimitError && e.code === 'ERR_EVENT_LIMIT' && /ping/.test(e.message),
  );
  assert.throws(() => c.advance(-1), RangeError);
});

test('property: any schedule fires sorted by (time, insertion order)', () => {
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: 0, max: 50 }), { maxLength: 200 }),
      fc.array(fc.nat()),
      (times, cancels) => {
        const c = new FakeClock();
        const fired: [number, number][] = [];
        const ids = times.map((t, i) => c.schedule(t, () => fired.push([c.now(), i])));
        const cancelled = new Set<number>();
        for (const k of cancels) {
          if (times.length === 0) break;
          const i = k % times.length;
          c.cancel(ids[i]);
          cancelled.add(i);
        }
        c.runAll();
        const expected = times
          .map((t, i) => [t, i] as [number, number])
          .filter(([, i]) => !cancelled.has(i))
          .sort((x, y) => x[0] - y[0] || x[1] - y[1]);
        assert.deepEqual(fired, expected);
      },
    ),
  );
});

test('waitFor stops at the event that satisfies the condition, or at the bound', () => {
  const c = new FakeClock();
  let n = 0;
  const tick = () => {
    n++;
    c.after(10, tick);
  };
  c.after(10, tick);
  assert.equal(
    c.waitFor(() => n === 3, 1000),
    true,
  );
  assert.equal(c.now(), 30);
  assert.equal(
    c.waitFor(() => true, 1000),
    true,
  );
  assert.equal(c.now(), 30, 'already true: no time passes');
  assert.equal(
    c.waitFor(() => n > 100, 95),
    false,
  );
  assert.equal(c.now(), 125);
  assert.equal(n, 12);
  const idle = new FakeClock();
  assert.equal(
    idle.waitFor(() => false, 50),
    false,
  );
  assert.equal(idle.now(), 50);
  assert.throws(() => idle.waitFor(() => false, -1), RangeError);
});
