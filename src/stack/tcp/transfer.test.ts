import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bulkTransfer, tcpPair } from './test-helpers.ts';

test('handshake, 1 MB transfer, close over a clean link', () => {
  const p = tcpPair({ delay: 5 });
  const r = bulkTransfer(p, 1 << 20, 60_000);
  assert.equal(r.received, 1 << 20);
  assert.equal(r.corrupt, 0);
  assert.ok(r.done, `not done after ${r.fakeMs} ms: client ${r.client.state} server ${r.server?.state}`);
  assert.equal(p.a.counters.retransmits, 0);
  assert.equal(r.client.state, 'TimeWait'); // the active closer keeps the 4-tuple for 2·MSL
});

// The issue 5 matrix: every loss rate up to 20 %, with reordering, duplication, jitter and a
// bandwidth limit; byte-exact and finishing within a fake-time bound (so the test cannot hang).
for (const loss of [0, 0.01, 0.02, 0.05, 0.1, 0.15, 0.2]) {
  for (const cc of ['cubic', 'newreno'] as const) {
    test(`impaired link: loss ${loss * 100}% + reorder + dup + jitter + 50 Mbit/s (${cc})`, () => {
      const p = tcpPair(
        {
          delay: 10,
          jitter: 3,
          loss,
          reorder: 0.05,
          duplicate: 0.02,
          bandwidth: 6250,
          queueLimit: 256 * 1024,
          seed: 1000 + loss * 100,
        },
        { congestionControl: cc },
      );
      const size = 512 * 1024;
      const r = bulkTransfer(p, size, 30 * 60_000);
      assert.equal(r.corrupt, 0, 'corrupted bytes');
      assert.equal(r.received, size);
      assert.ok(r.done, `not done after ${r.fakeMs} ms: client ${r.client.state} server ${r.server?.state}`);
      if (loss > 0) assert.ok(p.a.counters.retransmits > 0, 'loss must cause retransmissions');
    });
  }
}

test('without SACK and timestamps (NewReno dupack recovery) at 5% loss', () => {
  const p = tcpPair({ delay: 5, loss: 0.05, seed: 42, bandwidth: 12500 }, { sack: false, timestamps: false });
  const r = bulkTransfer(p, 256 * 1024, 30 * 60_000);
  assert.equal(r.corrupt, 0);
  assert.equal(r.received, 256 * 1024);
  assert.ok(r.done);
  assert.equal(r.client.sackOk, false);
  assert.ok(p.a.counters.fastRetransmits > 0 || p.a.counters.rtoTimeouts > 0);
});

test('small receive buffer and slow reader: window closes, persist probes, transfer completes', () => {
  const p = tcpPair({ delay: 2 }, { receiveBufferSize: 8192 });
  const l = p.b.listen(9);
  let server: import('./connection.ts').TcpConnection | null = null;
  l.onconnection = (c) => {
    server = c;
  };
  const c = p.a.connect(p.net.b.address, 9);
  const data = new Uint8Array(100_000).map((_, i) => i & 0xff);
  let w = 0;
  const pump = () => {
    w += c.write(data, w);
    if (w === data.length) c.shutdown();
  };
  c.onconnect = pump;
  c.ondrain = pump;
  const got: number[] = [];
  let t = 0;
  let minWnd = Number.POSITIVE_INFINITY;
  // The reader takes 1000 bytes every 50 ms of fake time.
  while (got.length < data.length && t < 120_000) {
    t += 50;
    p.net.run(() => false, t);
    minWnd = Math.min(minWnd, c.stats().sendWindow);
    const s = server as import('./connection.ts').TcpConnection | null;
    const chunk = s?.read(1000);
    if (chunk) got.push(...chunk);
    if (s) p.net.setTime(t);
  }
  assert.equal(got.length, data.length);
  assert.ok(got.every((v, i) => v === (i & 0xff)));
  assert.ok(minWnd < 1000, `the window never closed (min ${minWnd})`);
});

test('path MTU drops mid-transfer: segments are resent in pieces, transfer completes byte-exact', () => {
  const p = tcpPair({ delay: 5, bandwidth: 12500 });
  const l = p.b.listen(80);
  let got = 0;
  let bad = 0;
  let ended = false;
  l.onconnection = (c) => {
    c.ondata = (d) => {
      for (let i = 0; i < d.length; i++) if (d[i] !== ((got + i) & 0xff)) bad++;
      got += d.length;
    };
    c.onend = () => {
      ended = true;
    };
  };
  const c = p.a.connect(p.net.b.address, 80);
  const data = new Uint8Array(600_000).map((_, i) => i & 0xff);
  let w = 0;
  const pump = () => {
    w += c.write(data, w);
    if (w === data.length) c.shutdown();
  };
  c.onconnect = pump;
  c.ondrain = pump;
  p.net.run(() => got > 100_000, 10_000);
  const before = c.stats().mss;
  p.net.a.pathMtu = 1500;
  assert.ok(
    p.net.run(() => ended, 120_000),
    `stuck at ${got}`,
  );
  assert.equal(got, data.length);
  assert.equal(bad, 0);
  assert.ok(c.stats().mss < before && c.stats().mss <= 1460, `mss ${c.stats().mss}`);
});
