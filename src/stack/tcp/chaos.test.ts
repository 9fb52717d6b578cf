// Chaos test: two layers over an impaired link; both applications do random things at random
// times (writes, reads, pause/resume, shutdown, close, abort). Whatever happens: nothing throws,
// delivered bytes are always an in-order prefix of what was written, and after the applications
// have closed, every connection is gone within the protocol's timeouts (no leaked TCBs).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SeededRandom } from '../../testing/sim-link.ts';
import type { TcpConnection } from './connection.ts';
import { patternByte, tcpPair } from './test-helpers.ts';

for (let seed = 1; seed <= 40; seed++) {
  test(`chaos seed ${seed}`, () => {
    const rng = new SeededRandom(seed * 7919);
    const p = tcpPair(
      {
        delay: 1 + rng.float() * 20,
        jitter: rng.float() * 5,
        loss: rng.float() * 0.15,
        reorder: rng.float() * 0.1,
        duplicate: rng.float() * 0.05,
        bandwidth: 1000 + rng.float() * 20_000,
        seed,
      },
      {
        receiveBufferSize: 4096 + Math.floor(rng.float() * 100_000),
        congestionControl: rng.float() < 0.5 ? 'cubic' : 'newreno',
      },
    );
    const l = p.b.listen(80);
    const conns: { c: TcpConnection; sent: number; got: number }[] = [];
    const track = (c: TcpConnection) => {
      const e = { c, sent: 0, got: 0 };
      conns.push(e);
      c.ondata = (d) => {
        for (let i = 0; i < d.length; i++)
          assert.equal(d[i], patternByte(e.got + i), 'in-order, exact bytes');
        e.got += d.length;
      };
      return e;
    };
    l.onconnection = (c) => {
      track(c);
    };
    const clients = [0, 1, 2].map(() => track(p.a.connect(p.net.b.address, 80)));
    const buf = new Uint8Array(20_000);
    const write = (e: { c: TcpConnection; sent: number }) => {
      const n = 1 + Math.floor(rng.float() * buf.length);
      for (let i = 0; i < n; i++) buf[i] = patternByte(e.sent + i);
      try {
        e.sent += e.c.write(buf, 0, n);
      } catch {
        // write after shutdown/close: allowed to throw
      }
    };
    let t = 0;
    for (let step = 0; step < 200; step++) {
      t += rng.float() * 200;
      p.net.run(() => false, t);
      const e = conns[Math.floor(rng.float() * conns.length)];
      const r = rng.float();
      if (r < 0.6) write(e);
      else if (r < 0.7) e.c.pause();
      else if (r < 0.8) e.c.resume();
      else if (r < 0.9) e.c.shutdown();
      else if (r < 0.97) e.c.close();
      else e.c.abort();
    }
    // Peer bytes never exceed what was written on the other side (prefix property checked in ondata).
    for (const e of conns) assert.ok(e.got >= 0);
    // Everyone closes now; then the protocol must clean up within its timeouts.
    for (const e of conns) {
      e.c.resume();
      e.c.close();
    }
    for (const e of clients) e.c.close();
    assert.ok(
      p.net.run(() => p.a.connectionCount === 0 && p.b.connectionCount === 0, t + 30 * 60_000),
      `leaked: a=${p.a.connectionCount} b=${p.b.connectionCount} states ${conns.map((e) => e.c.state).join(',')}`,
    );
    assert.equal(p.a.nextDeadline(), Number.POSITIVE_INFINITY, 'no timers left');
  });
}
