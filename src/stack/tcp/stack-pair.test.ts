// TCP through two full Stacks (Ethernet, ARP, IPv4/IPv6) joined by the impaired in-memory link:
// the same layering as on a ZeroTier network, with frames instead of IP payloads on the wire.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SeededRandom, SimLink, type SimLinkOptions } from '../../testing/sim-link.ts';
import { Stack } from '../stack.ts';
import { parseIp } from '../wire/ip-address.ts';
import type { TcpConnection } from './connection.ts';
import { TcpLayer } from './layer.ts';
import { patternByte } from './test-helpers.ts';

function stackPair(link: SimLinkOptions, seed: number) {
  const rng = new SeededRandom(seed);
  const random = (n: number) => rng.bytes(n);
  const wire = new SimLink<Uint8Array>(link, rng);
  let now = 0;
  const mk = (dir: 0 | 1, mac: number[], v4: string, v6: string) => {
    const s = new Stack({
      mac: new Uint8Array(mac),
      onFrame: (f) => wire.send(dir, f, f.length, now),
      addresses: [
        { address: v4, prefixLength: 24 },
        { address: v6, prefixLength: 64 },
      ],
      random,
    });
    const tcp = new TcpLayer(s.ip, { random });
    s.registerTransport(6, tcp);
    return { s, tcp };
  };
  const a = mk(0, [0x02, 0, 0, 0, 0, 1], '10.1.0.1', 'fd00::1');
  const b = mk(1, [0x02, 0, 0, 0, 0, 2], '10.1.0.2', 'fd00::2');
  const run = (done: () => boolean, until: number) => {
    for (;;) {
      if (done()) return true;
      const next = Math.min(wire.nextDeadline(), a.s.nextDeadline(), b.s.nextDeadline());
      if (next > until) return done();
      now = Math.max(now, next);
      wire.deliver(now, (dir, f) => (dir === 0 ? b : a).s.receiveFrame(f, now));
      for (const x of [a, b]) if (x.s.nextDeadline() <= now) x.s.poll(now);
    }
  };
  return { a, b, run, wire, now: () => now };
}

for (const [family, dst] of [
  ['IPv4', '10.1.0.2'],
  ['IPv6', 'fd00::2'],
] as const) {
  for (const loss of [0, 0.05]) {
    test(`two Stacks, ${family}, loss ${loss * 100}%: ARP/NDP, handshake, 2 MB byte-exact, close`, () => {
      const p = stackPair({ delay: 2, jitter: 1, loss, reorder: 0.02, bandwidth: 25_000 }, 11);
      const l = p.b.tcp.listen(443);
      let got = 0;
      let bad = 0;
      let ended = false;
      l.onconnection = (c) => {
        c.ondata = (d) => {
          for (let i = 0; i < d.length; i++) if (d[i] !== patternByte(got + i)) bad++;
          got += d.length;
        };
        c.onend = () => {
          ended = true;
          c.close();
        };
      };
      const size = 2 << 20;
      const c: TcpConnection = p.a.tcp.connect(parseIp(dst)!, 443);
      const buf = new Uint8Array(65536);
      let w = 0;
      const pump = () => {
        while (w < size) {
          const n = Math.min(buf.length, size - w);
          for (let i = 0; i < n; i++) buf[i] = patternByte(w + i);
          const k = c.write(buf, 0, n);
          w += k;
          if (k < n) return;
        }
        c.shutdown();
      };
      c.onconnect = pump;
      c.ondrain = pump;
      assert.ok(
        p.run(() => ended && c.state === 'TimeWait', 600_000),
        `stuck: ${c.state}, got ${got}`,
      );
      assert.equal(got, size);
      assert.equal(bad, 0);
      // The MSS comes from the interface MTU (2800): 2760 for IPv4, 2740 for IPv6, minus timestamps.
      assert.equal(c.stats().mss, (family === 'IPv4' ? 2760 : 2740) - 12);
    });
  }
}
