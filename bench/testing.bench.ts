/**
 * Harness costs (src/testing): how many simulated events and datagrams per second the fake clock
 * and the in-memory UDP network process, so whole-network tests can be sized.
 * Run: npm run bench testing
 */
import { FakeClock } from '../src/testing/clock.ts';
import { SeededRandom } from '../src/testing/random.ts';
import { type LinkConditions, UdpNetwork } from '../src/testing/udp-network.ts';
import { report, timePerCall } from './measure.ts';

// Fake clock: schedule then fire 1000 deadlines at scattered times.
{
  const c = new FakeClock();
  const r = new SeededRandom(1);
  const noop = () => {};
  const us = timePerCall(() => {
    const base = c.now();
    for (let i = 0; i < 1000; i++) c.schedule(base + r.below(1000), noop);
    c.advance(1000);
  });
  report('FakeClock schedule+fire', 1000 / us, 'M events/s');
}

// PRNG throughput.
{
  const r = new SeededRandom(1);
  const us = timePerCall(() => r.bytes(1024));
  report('SeededRandom.bytes(1024)', 1024 / us, 'MB/s');
  const us2 = timePerCall(() => {
    for (let i = 0; i < 1000; i++) r.float();
  });
  report('SeededRandom.float', 1000 / us2, 'M/s');
}

/** Datagrams per second through the network, 1000 datagrams of 1400 bytes per batch. */
function datagramRate(name: string, defaults: LinkConditions | undefined, nat: boolean): void {
  const net = new UdpNetwork({ seed: 1, defaults, maxEventsPerRun: 10_000_000 });
  const behind = nat ? net.addNat('n', { type: 'port-restricted', publicIp: '203.0.113.1' }) : undefined;
  const a = net.addHost('a', { addresses: ['10.0.0.2'], behind }).bind(9993);
  const b = net.addHost('b', { addresses: ['192.0.2.2'] }).bind(9993);
  let got = 0;
  b.onMessage = () => {
    got++;
  };
  const payload = new Uint8Array(1400);
  const to = { ip: '192.0.2.2', port: 9993 };
  const us = timePerCall(
    () => {
      for (let i = 0; i < 1000; i++) a.send(payload, to);
      net.advance(1000);
    },
    { batch: 5 },
  );
  if (got === 0) throw new Error('nothing delivered');
  report(`UdpNetwork 1400 B datagrams, ${name}`, (1000 / us) * 1000, 'k dgrams/s');
}
datagramRate('perfect link', undefined, false);
datagramRate('delay+jitter+1% loss', { delayMs: 20, jitterMs: 10, loss: 0.01 }, false);
datagramRate('through a NAT', undefined, true);

// A whole network: a root and 24 leaves, HELLO every 10 s to the root which echoes; 10 min simulated.
{
  const t0 = performance.now();
  const net = new UdpNetwork({ seed: 3, defaults: { delayMs: 20, jitterMs: 5 } });
  const root = net.addHost('root', { addresses: ['198.51.100.1'] }).bind(9993);
  root.onMessage = (d, from, s) => s.send(d, from);
  const types = ['full-cone', 'address-restricted', 'port-restricted', 'symmetric'] as const;
  for (let i = 0; i < 24; i++) {
    const nat = net.addNat(`n${i}`, { type: types[i % 4], publicIp: `203.0.113.${i + 1}` });
    const s = net.addHost(`l${i}`, { addresses: ['10.0.0.2'], behind: nat }).bind(9993);
    s.onMessage = () => {};
    const tick = () => {
      for (let k = 0; k < 10; k++) s.send(new Uint8Array(100), { ip: '198.51.100.1', port: 9993 });
      net.clock.after(10_000, tick);
    };
    net.clock.after(i * 10, tick);
  }
  net.run(600_000);
  const ms = performance.now() - t0;
  report('root + 24 NATed leaves, 10 simulated min', ms, 'ms wall');
  report('  datagrams delivered in that run', net.stats.delivered, 'dgrams');
}
