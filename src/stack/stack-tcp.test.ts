/**
 * TCP (engineer E's TcpLayer) through whole Stacks exchanging Ethernet frames in memory: the IP layer's
 * side of the integration. IPv4, IPv6 global and link-local, and loopback to the stack's own address
 * (libzt could not: its #174). Frames are checked against the MTU on the way.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { Stack } from './stack.ts';
import type { TcpConnection } from './tcp/connection.ts';
import { TcpLayer } from './tcp/layer.ts';
import { parseIp } from './wire/ip-address.ts';

const ip = (s: string) => parseIp(s)!;

/** Deterministic bytes for the transfers (xorshift). */
function bytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed | 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

function world(mtu = 2800) {
  const q: Array<{ to: 'a' | 'b'; frame: Uint8Array }> = [];
  let biggest = 0;
  const tap = (to: 'a' | 'b') => (frame: Uint8Array) => {
    biggest = Math.max(biggest, frame.length - 14);
    q.push({ to, frame });
  };
  const rnd = (k: number) => bytes(k, 7);
  const a = new Stack({
    mac: new Uint8Array([2, 0, 0, 0, 0, 1]),
    mtu,
    onFrame: tap('b'),
    random: rnd,
    addresses: [
      { address: '10.0.0.1', prefixLength: 24 },
      { address: 'fd00::1', prefixLength: 64 },
    ],
  });
  const b = new Stack({
    mac: new Uint8Array([2, 0, 0, 0, 0, 2]),
    mtu,
    onFrame: tap('a'),
    random: rnd,
    addresses: [
      { address: '10.0.0.2', prefixLength: 24 },
      { address: 'fd00::2', prefixLength: 64 },
    ],
  });
  const ta = new TcpLayer(a.ip, { random: rnd });
  const tb = new TcpLayer(b.ip, { random: rnd });
  a.registerTransport(6, ta);
  b.registerTransport(6, tb);
  let now = 0;
  /** Delivers frames and fires timers (fake clock) until `done()` or nothing is left to do. */
  const run = (done: () => boolean) => {
    for (let guard = 0; guard < 2_000_000 && !done(); guard++) {
      if (q.length) {
        const { to, frame } = q.shift()!;
        (to === 'a' ? a : b).receiveFrame(frame, now);
        continue;
      }
      const d = Math.min(a.nextDeadline(), b.nextDeadline());
      if (d === Number.POSITIVE_INFINITY) break;
      now = Math.max(now, d);
      a.poll(now);
      b.poll(now);
    }
  };
  return { a, b, ta, tb, run, biggest: () => biggest };
}

/** Sends `data` on `c` respecting backpressure, then half-closes. */
function pump(c: TcpConnection, data: Uint8Array): void {
  let off = 0;
  const more = () => {
    while (off < data.length) {
      const n = c.write(data, off, Math.min(data.length, off + 65536));
      off += n;
      if (n === 0) return; // ondrain resumes
    }
    c.close();
  };
  c.ondrain = more;
  more();
}

/** Accepts on `l`, hashes everything received, closes at the end. */
function sink(c: TcpConnection, onDone: (sha: string, n: number) => void): void {
  const h = createHash('sha256');
  let n = 0;
  c.ondata = (d) => {
    h.update(d);
    n += d.length;
  };
  c.onend = () => {
    c.close();
    onDone(h.digest('hex'), n);
  };
}

describe('TCP through two Stacks (in-memory Ethernet)', () => {
  const SIZE = 1 << 20;
  const cases: Array<[string, (w: ReturnType<typeof world>) => { from: Stack; to: string; tcp: TcpLayer }]> =
    [
      ['IPv4', (w) => ({ from: w.a, to: '10.0.0.2', tcp: w.ta })],
      ['IPv6', (w) => ({ from: w.a, to: 'fd00::2', tcp: w.ta })],
      [
        'IPv6 link-local',
        (w) => ({
          from: w.a,
          to: w.b.addresses().find((x) => x.address.startsWith('fe80'))!.address,
          tcp: w.ta,
        }),
      ],
    ];
  for (const [name, pick] of cases) {
    it(`${name}: 1 MiB byte-exact, segments within the MTU`, () => {
      const w = world();
      const { to, tcp } = pick(w);
      const data = bytes(SIZE, 42);
      const want = createHash('sha256').update(data).digest('hex');
      let got: { sha: string; n: number } | null = null;
      const l = w.tb.listen(8080);
      l.onconnection = (c) => sink(c, (sha, n) => (got = { sha, n }));
      const c = tcp.connect(ip(to), 8080);
      c.onconnect = () => pump(c, data);
      w.run(() => got !== null);
      assert.deepEqual(got, { sha: want, n: SIZE });
      assert.ok(w.biggest() <= 2800, `largest IP datagram ${w.biggest()} fits the MTU`);
      assert.ok(w.biggest() > 2000, 'segments use the MTU (MSS from maxPayload)');
      assert.equal(w.a.counters().fragmentation.out, 0, 'TCP never needs IP fragmentation');
    });
  }

  it('loopback: a stack connects to its own address without touching the link', () => {
    const w = world();
    const data = bytes(200_000, 9);
    let got: { sha: string; n: number } | null = null;
    const l = w.ta.listen(9090);
    l.onconnection = (c) => sink(c, (sha, n) => (got = { sha, n }));
    const framesBefore = w.a.counters().ethernet.out;
    const c = w.ta.connect(ip('10.0.0.1'), 9090);
    c.onconnect = () => pump(c, data);
    w.run(() => got !== null);
    assert.deepEqual(got, { sha: createHash('sha256').update(data).digest('hex'), n: data.length });
    assert.equal(w.a.counters().ethernet.out, framesBefore);
    assert.ok(w.a.counters().loopback.in > 10);
  });

  it('a smaller MTU (1280) gives smaller segments and still no fragments', () => {
    const w = world(1280);
    const data = bytes(300_000, 5);
    let got: { sha: string; n: number } | null = null;
    const l = w.tb.listen(7070);
    l.onconnection = (c) => sink(c, (sha, n) => (got = { sha, n }));
    const c = w.ta.connect(ip('fd00::2'), 7070);
    c.onconnect = () => pump(c, data);
    w.run(() => got !== null);
    assert.equal(got!.n, data.length);
    assert.ok(w.biggest() <= 1280);
    assert.equal(w.a.counters().fragmentation.out, 0);
  });
});
