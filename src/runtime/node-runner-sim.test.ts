/**
 * NodeRunner driven deterministically: simulated UDP hosts (src/testing/udp-network.ts) and the
 * fake clock instead of node:dgram and setTimeout. Shows the driver-loop properties that real-time
 * tests cannot: at most ONE timer per runner at any moment, no busy timer loop over ten virtual
 * minutes, OFFLINE when the root is cut off and ONLINE again when it returns, and no timer left
 * after stop().
 */
import assert from 'node:assert/strict';
import { randomFillSync } from 'node:crypto';
import { describe, it } from 'node:test';
import { c25519Public } from '../crypto/c25519.ts';
import { Identity } from '../protocol/identity.ts';
import { parseInetAddress } from '../protocol/inet-address.ts';
import { World, WorldType } from '../protocol/world.ts';
import { CountingClock } from '../testing/clock.ts';
import { SeededRandom } from '../testing/random.ts';
import { UdpNetwork } from '../testing/udp-network.ts';
import { NodeRunner } from './node-runner.ts';
import { MemoryStore } from './store.ts';

const osRandom = (n: number) => randomFillSync(new Uint8Array(n));
const enc = new TextEncoder();
// Identities are the slow part; make them once.
const ids = [Identity.generate(osRandom), Identity.generate(osRandom), Identity.generate(osRandom)];

function seeded(seed: number) {
  const r = new SeededRandom(seed);
  return (n: number) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = r.uint32() & 0xff;
    return out;
  };
}

// Lets pending promise callbacks (store writes, start()) run between clock steps.
const microtasks = () => new Promise((r) => setImmediate(r));

describe('NodeRunner on the simulated network with a fake clock', () => {
  it('one timer per runner, no busy loop, offline/online with the root, nothing left after stop', async () => {
    const net = new UdpNetwork({ seed: 7, defaults: { delayMs: 10 } });
    const clock = net.clock;
    clock.advance(1_700_000_000_000); // a realistic epoch: HELLO timestamps are absolute
    const hosts = [
      net.addHost('root', { addresses: ['192.0.2.1'] }),
      net.addHost('a', { addresses: ['192.0.2.2'] }),
      net.addHost('b', { addresses: ['192.0.2.3'] }),
    ];
    const key = osRandom(64);
    const planet = World.create({
      type: WorldType.PLANET,
      id: 99n,
      timestamp: 1,
      roots: [{ identity: ids[0], stableEndpoints: [parseInetAddress('192.0.2.1/9993')!] }],
      signingKey: { publicKey: c25519Public(key), privateKey: key },
    });
    const clocks = hosts.map(() => new CountingClock(clock, 'runner'));
    const runners = hosts.map(
      (h, i) =>
        new NodeRunner({
          store: new MemoryStore([['identity.secret', enc.encode(ids[i].toString(true))]]),
          planet,
          port: 9993,
          udp: h,
          clock: clocks[i],
          random: seeded(i + 1),
          role: i === 0 ? 'root' : 'leaf',
          advertiseInterfaces: false,
        }),
    );
    const events = runners.map((r) => {
      const seen: string[] = [];
      r.on('event', (e) => seen.push(e.type));
      return seen;
    });
    for (const r of runners) await r.start();
    assert.ok(runners[0].online, 'a root is online once bound');

    const step = async (ms: number) => {
      const until = clock.now() + ms;
      while (clock.now() < until) {
        clock.advance(Math.min(100, until - clock.now()));
        await microtasks();
      }
    };
    // (The root validates new identities at most once per 2 s per source /24, like the reference,
    // so the second leaf gets in on its next HELLO retry.)
    await step(15000);
    assert.ok(runners[1].online && runners[2].online, 'both leaves online through the root');

    // A USER_MESSAGE from a to b; b answers from inside its listener (events are delivered after
    // the node call that raised them, so calling back into the runner there is safe).
    const got: string[] = [];
    const echoed: string[] = [];
    runners[2].on('user-message', (e) => {
      got.push(new TextDecoder().decode(e.data));
      runners[2].sendUserMessage(e.from, 8n, e.data);
    });
    runners[1].on('user-message', (e) => {
      if (e.typeId === 8n) echoed.push(new TextDecoder().decode(e.data));
    });
    for (let i = 0; i < 5 && got.length === 0; i++) {
      runners[1].sendUserMessage(ids[2].addressString, 7n, enc.encode('over the sim'));
      await step(1000);
    }
    assert.deepEqual(got.slice(0, 1), ['over the sim']);
    await step(1000);
    assert.deepEqual(echoed.slice(0, 1), ['over the sim'], 'the answer sent from a listener arrives');

    // Ten quiet virtual minutes: the timer fires at the node's deadlines, not in a loop.
    const firedBefore = clocks[1].fired;
    await step(600_000);
    const fired = clocks[1].fired - firedBefore;
    assert.ok(fired > 0, 'the timer keeps firing (keepalives)');
    // The node asks for a poll every 5 s tick (§9.2): ~120 here. Allow slack, but not a busy loop.
    assert.ok(fired < 600, `timer fired ${fired} times in 10 virtual minutes`);
    assert.ok(runners[1].online);

    // Cut the root off: the leaves go OFFLINE (activity timeout), then ONLINE again once restored.
    net.cut('root');
    await step(120_000);
    assert.equal(runners[1].online, false);
    assert.ok(events[1].includes('offline'));
    net.restore('root');
    await step(30_000);
    assert.equal(runners[1].online, true);
    assert.equal(events[1].filter((e) => e === 'online').length, 2);

    for (const c of clocks) assert.equal(c.maxOutstanding, 1, 'never more than one timer per runner');
    for (const r of runners) await r.stop();
    for (const c of clocks) assert.equal(c.outstanding.size, 0, 'stop() leaves no timer behind');
    // Stopped runners ignore time passing.
    const firedAtStop = clocks.map((c) => c.fired);
    await step(60_000);
    assert.deepEqual(
      clocks.map((c) => c.fired),
      firedAtStop,
    );
  });
});
