/**
 * ONE timer per node (architecture.md "runtime/ owns one timer per node"): a ZeroTierNode polls its
 * VL2 manager and every joined network's stack on the runner's timer — no second timer — and stop()
 * leaves none. Driven by a fake clock on the simulated UDP network, which counts the timers.
 */
import assert from 'node:assert/strict';
import { randomFillSync } from 'node:crypto';
import { it } from 'node:test';
import { Identity } from '../protocol/identity.ts';
import { MemoryStore } from '../runtime/store.ts';
import { CountingClock } from '../testing/clock.ts';
import { onePlanet } from '../testing/planet.ts';
import { UdpNetwork } from '../testing/udp-network.ts';
import { ZeroTierNode } from './zerotier-node.ts';

const osRandom = (n: number) => randomFillSync(new Uint8Array(n));

it('after start and join there is exactly one armed timer; stop leaves none', async () => {
  const net = new UdpNetwork({ seed: 11 });
  const clock = net.clock;
  clock.advance(1_700_000_000_000);
  // A root nobody runs: the node keeps trying it on its timer, which is all this test needs.
  const planet = onePlanet({
    id: 5n,
    root: Identity.generate(osRandom),
    endpoint: '192.0.2.1/9993',
    random: osRandom,
  });
  const rc = new CountingClock(clock);
  const node = await ZeroTierNode.start({
    storage: new MemoryStore(),
    planet,
    port: 9993,
    secondaryPort: false,
    advertiseInterfaces: false,
    udp: net.addHost('a', { addresses: ['192.0.2.2'] }),
    clock: rc,
  });
  // An ad-hoc network (§1.2): its config is synthesized locally, so the join completes offline.
  const joined = await node.join('ff0a000000000001');
  assert.equal(joined.status, 'OK');
  assert.equal(node.runner.pollableCount, 2, 'the VL2 manager and the network stack are on the runner');
  for (let i = 0; i < 20; i++) {
    clock.advance(250);
    await new Promise((r) => setImmediate(r));
    assert.equal(rc.outstanding.size, 1, `exactly one armed timer (step ${i})`);
  }
  // Traffic on the stack (a TCP connect to nobody: ARP retries, SYN timers) still uses the one timer.
  const sock = node.net.connect(80, '10.1.2.3');
  const failed = new Promise<Error>((r) => sock.once('error', r));
  for (let i = 0; i < 40; i++) {
    clock.advance(250);
    await new Promise((r) => setImmediate(r));
    assert.equal(rc.outstanding.size, 1, `exactly one armed timer while connecting (step ${i})`);
  }
  sock.destroy();
  void failed;
  await node.stop();
  assert.equal(rc.outstanding.size, 0, 'stop() leaves no timer');
  assert.equal(node.runner.timerArmed, false);
  assert.equal(node.runner.pollableCount, 0, 'stop() took the VL2 manager and the stacks off the timer');
});
