/**
 * The runner's one timer also drives the layers above VL1 (architecture.md "runtime/ owns one timer
 * per node"): pollables with their own timebase, kicks that re-arm only earlier, work deferred to
 * the end of an I/O batch, and nothing left after stop().
 */
import assert from 'node:assert/strict';
import { randomFillSync } from 'node:crypto';
import { describe, it } from 'node:test';
import { Identity } from '../protocol/identity.ts';
import { CountingClock } from '../testing/clock.ts';
import { onePlanet } from '../testing/planet.ts';
import { UdpNetwork } from '../testing/udp-network.ts';
import { NodeRunner, POLLABLE_MAX_DELAY, type Pollable } from './node-runner.ts';
import { MemoryStore } from './store.ts';

const osRandom = (n: number) => randomFillSync(new Uint8Array(n));
const rootId = Identity.generate(osRandom);

/** A pollable with a settable deadline that records its polls (in its own timebase). */
class Item implements Pollable {
  deadline = Number.POSITIVE_INFINITY;
  polls: number[] = [];
  afterPoll = Number.POSITIVE_INFINITY;
  throws = false;
  poll(now: number): void {
    this.polls.push(now);
    this.deadline = this.afterPoll;
    if (this.throws) throw new Error('boom');
  }
  nextDeadline(): number {
    return this.deadline;
  }
}

async function startRunner() {
  const net = new UdpNetwork({ seed: 3 });
  const clock = net.clock;
  clock.advance(1_700_000_000_000);
  const planet = onePlanet({ id: 77n, root: rootId, endpoint: '192.0.2.1/9993', random: osRandom });
  const rc = new CountingClock(clock);
  const runner = new NodeRunner({
    store: new MemoryStore(),
    planet,
    port: 9993,
    secondaryPort: false,
    udp: net.addHost('a', { addresses: ['192.0.2.2'] }),
    clock: rc,
    advertiseInterfaces: false,
  });
  await runner.start();
  return { clock, rc, runner };
}

describe('NodeRunner pollables', () => {
  it('polls each pollable at its deadline on the ONE timer; kick re-arms earlier; none after stop', async () => {
    const { clock, rc, runner } = await startRunner();
    const x = new Item();
    // A pollable on another timebase (like a stack on performance.now): 5000 behind the runner.
    const y = new Item();
    runner.addPollable(x);
    runner.addPollable(y, () => clock.now() - 5000);
    const t0 = clock.now();
    x.deadline = t0 + 30;
    runner.kick();
    y.deadline = clock.now() - 5000 + 50; // 50 ms from now in its own timebase
    runner.kick();
    clock.advance(29);
    assert.deepEqual(x.polls, []);
    clock.advance(1);
    assert.deepEqual(x.polls, [t0 + 30]);
    clock.advance(20);
    assert.equal(y.polls.length, 1, `polled at its deadline converted from its timebase (${y.polls})`);
    assert.equal(y.polls[0], t0 + 50 - 5000);
    assert.equal(rc.maxOutstanding, 1, 'one timer for the node and every pollable');
    // A deadline moved without a kick is still met within POLLABLE_MAX_DELAY (a missed kick is bounded).
    x.deadline = clock.now() + 5;
    clock.advance(POLLABLE_MAX_DELAY + 5);
    assert.equal(x.polls.length, 2, 'the missed kick was caught by the capped sleep');
    // Deleted: not polled any more.
    runner.deletePollable(y);
    y.deadline = clock.now() + 5;
    clock.advance(100);
    assert.equal(y.polls.length, 1);
    assert.equal(runner.pollableCount, 1);
    await runner.stop();
    assert.equal(rc.outstanding.size, 0, 'stop() leaves no timer');
    assert.equal(runner.timerArmed, false);
  });

  it('a pollable that throws is reported as a warning; the others still run', async () => {
    const { clock, runner } = await startRunner();
    const warnings: string[] = [];
    runner.on('warning', (w) => warnings.push(w));
    const bad = new Item();
    const good = new Item();
    bad.throws = true;
    runner.addPollable(bad);
    runner.addPollable(good);
    bad.deadline = good.deadline = clock.now() + 10;
    runner.kick();
    clock.advance(10);
    assert.equal(good.polls.length, 1);
    assert.ok(warnings.some((w) => w.includes('boom')));
    await runner.stop();
  });

  it('defer: one run per batch whatever the number of requests, then the timer is re-armed', async () => {
    const { clock, rc, runner } = await startRunner();
    const x = new Item();
    runner.addPollable(x);
    let runs = 0;
    const work = () => {
      runs++;
      x.deadline = clock.now() + 7; // work moves a deadline: the runner re-arms after it
    };
    for (let i = 0; i < 100; i++) runner.defer(work);
    assert.equal(runs, 0, 'nothing runs synchronously');
    clock.advance(0);
    assert.equal(runs, 1, 'a hundred requests in one batch run once');
    const t = clock.now();
    clock.advance(7);
    assert.deepEqual(x.polls, [t + 7]);
    runner.defer(work);
    await runner.stop();
    clock.advance(10);
    assert.equal(runs, 1, 'deferred work is dropped at stop');
    assert.equal(rc.outstanding.size, 0);
  });
});
