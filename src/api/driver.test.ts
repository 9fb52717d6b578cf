import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeClock } from '../testing/clock.ts';
import { Driver, MAX_DELAY, type Pollable } from './driver.ts';

/** A pollable with a settable deadline that records its polls (times in its own timebase). */
class Item implements Pollable {
  deadline = Number.POSITIVE_INFINITY;
  polls: number[] = [];
  /** After a poll, the next deadline (or Infinity). */
  afterPoll = Number.POSITIVE_INFINITY;
  poll(now: number): void {
    this.polls.push(now);
    this.deadline = this.afterPoll;
  }
  nextDeadline(): number {
    return this.deadline;
  }
}

/** The fake clock as a runner clock, counting outstanding timers. */
function runnerClock(c: FakeClock) {
  const live = new Set<number>();
  let max = 0;
  return {
    live,
    max: () => max,
    now: () => c.now(),
    schedule: (at: number, fn: () => void) => {
      const id = c.schedule(at, () => {
        live.delete(id);
        fn();
      }) as number;
      live.add(id);
      max = Math.max(max, live.size);
      return id;
    },
    cancel: (id: never) => {
      c.cancel(id);
      live.delete(id as number);
    },
  };
}

describe('Driver', () => {
  it('polls each item at its deadline with ONE timer, re-arms earlier on kick, nothing after stop', () => {
    const c = new FakeClock({ start: 1000 });
    const rc = runnerClock(c);
    const d = new Driver(rc);
    const x = new Item();
    const y = new Item();
    d.add(x);
    d.add(y);
    x.deadline = 1500;
    y.deadline = 1200;
    d.kick();
    c.advance(199);
    assert.deepEqual(y.polls, []);
    c.advance(1);
    assert.deepEqual(y.polls, [1200]);
    c.advance(300);
    assert.deepEqual(x.polls, [1500]);
    // A kick with an earlier deadline re-arms: polled on time, not at the old timer.
    x.deadline = c.now() + 5;
    d.kick();
    c.advance(5);
    assert.deepEqual(x.polls, [1500, 1505]);
    assert.equal(rc.max(), 1, 'never more than one timer');
    // Idle: the cap re-checks at most once per MAX_DELAY.
    const before = x.polls.length;
    c.advance(10 * MAX_DELAY);
    assert.equal(x.polls.length, before, 'nothing due, nothing polled');
    assert.ok(d.armed);
    d.stop();
    assert.equal(d.armed, false);
    assert.equal(rc.live.size, 0, 'no timer left after stop');
    x.deadline = c.now() + 1;
    d.kick();
    c.advance(100);
    assert.equal(x.polls.length, before, 'stopped: no polls');
  });

  it('converts deadlines from each item’s own timebase', () => {
    const c = new FakeClock({ start: 1_000_000 });
    const d = new Driver(runnerClock(c));
    const mono = new Item();
    const offset = 999_000; // the item's clock reads 1000 when the driver's reads 1_000_000
    d.add(mono, () => c.now() - offset);
    mono.deadline = 1000 + 30;
    d.kick();
    c.advance(29);
    assert.deepEqual(mono.polls, []);
    c.advance(1);
    assert.deepEqual(mono.polls, [1030], 'polled at its deadline, with its own now');
  });

  it('a deadline left in the past after its poll is retried 1 ms later, not in a zero-delay loop', () => {
    const c = new FakeClock({ start: 0 });
    const d = new Driver(runnerClock(c));
    const stuck = new Item();
    stuck.deadline = 10;
    stuck.afterPoll = 0; // a buggy pollable: always overdue
    d.add(stuck);
    c.advance(20);
    assert.ok(stuck.polls.length >= 1 && stuck.polls.length <= 12, `${stuck.polls.length} polls in 10 ms`);
    d.stop();
  });
});
