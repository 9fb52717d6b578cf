// Unit tests of TCP's building blocks: sequence arithmetic, rings (against simple models),
// the SACK scoreboard, RTO estimation (RFC 6298), NewReno and CUBIC window arithmetic, ISNs.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { BufferPool } from './buffer-pool.ts';
import { Cubic } from './congestion/cubic.ts';
import { NewReno } from './congestion/newreno.ts';
import { initialWindow } from './congestion/types.ts';
import { IsnGenerator } from './isn.ts';
import { MAX_OOO_RANGES, RecvBuffer } from './recv-buffer.ts';
import { RttEstimator } from './rtt.ts';
import { F_LOST, F_SACKED, Scoreboard } from './scoreboard.ts';
import { SendBuffer } from './send-buffer.ts';
import { seqAdd, seqDiff, seqGe, seqGt, seqLe, seqLt } from './seq.ts';

test('sequence arithmetic wraps at 2^32', () => {
  assert.ok(seqLt(0xfffffff0, 5));
  assert.ok(seqGt(5, 0xfffffff0));
  assert.ok(seqLe(7, 7) && seqGe(7, 7));
  assert.equal(seqDiff(3, 0xfffffffe), 5);
  assert.equal(seqAdd(0xffffffff, 2), 1);
});

test('SendBuffer behaves as a byte queue (model check, wrap-around, capacity)', () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 5000 })), { maxLength: 60 }),
      (ops) => {
        const b = new SendBuffer(9000, new BufferPool());
        const model: number[] = [];
        let next = 0;
        for (const [isWrite, n] of ops) {
          if (isWrite) {
            const src = new Uint8Array(n).map(() => next++ & 0xff);
            const k = b.write(src);
            assert.equal(k, Math.min(n, 9000 - model.length));
            for (let i = 0; i < k; i++) model.push(src[i]);
            next -= n - k;
          } else {
            const k = Math.min(n, model.length);
            const out = new Uint8Array(k);
            b.copyOut(0, k, out, 0);
            assert.deepEqual([...out], model.slice(0, k));
            b.consume(k);
            model.splice(0, k);
          }
          assert.equal(b.length, model.length);
        }
        if (model.length === 0) assert.equal(b.allocated, 0, 'empty buffers hold no storage');
      },
    ),
    { numRuns: 200 },
  );
});

test('RecvBuffer reassembles any arrival order byte-exactly (model check)', () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.integer({ min: 0, max: 3000 }), fc.integer({ min: 1, max: 700 })), {
        minLength: 1,
        maxLength: 80,
      }),
      (segs) => {
        const cap = 4096;
        const r = new RecvBuffer(cap, new BufferPool());
        r.baseOff = 1;
        const byte = (off: number) => (off * 13) & 0xff;
        const got: number[] = [];
        for (const [rel, len0] of segs) {
          // Trim as the connection does: start at RCV.NXT at the earliest, end within the buffer.
          let off = r.baseOff + rel;
          let len = len0;
          if (off < r.endOff) {
            len -= r.endOff - off;
            off = r.endOff;
          }
          len = Math.min(len, r.baseOff + cap - off);
          if (len <= 0) continue;
          const src = new Uint8Array(len).map((_, i) => byte(off + i));
          const adv = r.write(off, src, 0, len);
          assert.ok(adv >= -1);
          // Read half of what is readable now and then.
          if (got.length % 3 === 0) {
            const out = new Uint8Array(r.readable >> 1);
            const k = r.read(out);
            for (let i = 0; i < k; i++) got.push(out[i]);
          }
          const rr = r.ranges;
          for (let i = 0; i < rr.length; i += 2) {
            assert.ok(rr[i] < rr[i + 1], 'ranges non-empty');
            assert.ok(rr[i] > r.endOff, 'ranges beyond RCV.NXT');
            if (i > 0) assert.ok(rr[i] > rr[i - 1], 'sorted, disjoint, not adjacent');
          }
          assert.ok(rr.length <= MAX_OOO_RANGES * 2);
        }
        const out = new Uint8Array(r.readable);
        r.read(out);
        got.push(...out);
        for (let i = 0; i < got.length; i++) assert.equal(got[i], byte(1 + i));
      },
    ),
    { numRuns: 300 },
  );
});

test('Scoreboard: SACK marks whole segments, pipe accounting, RTO marks all lost', () => {
  const sb = new Scoreboard();
  for (let i = 0; i < 10; i++) sb.push(1 + i * 100, 101 + i * 100, i, false);
  const out = { newlySacked: 0, rackXmit: -1, rackEnd: 0 };
  sb.markSacked(301, 551, out); // covers segments 3 and 4 wholly, 5 partly
  assert.equal(out.newlySacked, 200);
  assert.equal(out.rackXmit, 4);
  assert.equal(sb.sackedBytes, 200);
  assert.equal(sb.flags[sb.slot(3)] & F_SACKED, F_SACKED);
  assert.equal(sb.flags[sb.slot(5)] & F_SACKED, 0);
  sb.markLost(1);
  assert.equal(sb.lostBytes, 100);
  assert.equal(sb.nextToRetransmit(), 1);
  sb.retransmitted(1, 50);
  assert.equal(sb.retransBytes, 100);
  assert.equal(sb.nextToRetransmit(), -1);
  // Cumulative ACK past the first three segments (one of them the retransmitted, lost one).
  const t = sb.ackTo(301);
  assert.equal(t, 2, 'RTT sample only from never-retransmitted segments (Karn)');
  assert.equal(sb.count, 7);
  assert.equal(sb.lostBytes, 0);
  assert.equal(sb.retransBytes, 0);
  sb.markAllLost();
  assert.equal(sb.lostBytes, 500, 'SACKed segments are not lost');
  assert.equal(sb.flags[sb.slot(0)] & F_LOST, 0);
  assert.equal(sb.nextToRetransmit(), 2);
  sb.ackTo(1001);
  assert.equal(sb.count, 0);
  assert.equal(sb.sackedBytes + sb.lostBytes + sb.retransBytes, 0);
});

test('RttEstimator follows RFC 6298 (first sample, smoothing, min RTO, backoff)', () => {
  const r = new RttEstimator(200, 60_000);
  assert.equal(r.rto, 1000);
  r.sample(100);
  assert.equal(r.srtt, 100);
  assert.equal(r.rttvar, 50);
  assert.equal(r.rto, 300); // 100 + 4·50
  r.sample(100);
  assert.equal(r.rttvar, 37.5);
  assert.equal(r.rto, 250);
  for (let i = 0; i < 50; i++) r.sample(10);
  assert.equal(r.rto, 200, 'clamped to the minimum');
  r.backoff();
  r.backoff();
  assert.equal(r.rto, 800);
  for (let i = 0; i < 20; i++) r.backoff();
  assert.equal(r.rto, 60_000);
  assert.equal(r.minRtt, 10);
});

test('NewReno: IW10, slow start with ABC, +1 MSS per window in avoidance, halving on loss', () => {
  const mss = 1000;
  const cc = new NewReno(mss);
  assert.equal(cc.cwnd, initialWindow(mss));
  assert.equal(initialWindow(1460), 14600);
  cc.onAck(5000, 0, 10, mss, false);
  assert.equal(cc.cwnd, 12_000, 'ABC: at most 2 MSS per ACK');
  cc.onEnterRecovery(0, 20_000, mss);
  assert.equal(cc.ssthresh, 10_000);
  assert.equal(cc.cwnd, 10_000);
  cc.onAck(10_000, 0, 10, mss, false);
  assert.equal(cc.cwnd, 11_000);
  cc.onRto(0, 8000, mss);
  assert.equal(cc.cwnd, mss);
  assert.equal(cc.ssthresh, 4000);
  const before = cc.cwnd;
  cc.onAck(1000, 0, 10, mss, true);
  assert.equal(cc.cwnd, before, 'no growth while application-limited');
});

test('CUBIC: β = 0.7 reduction, concave regrowth towards W_max, then convex beyond', () => {
  const mss = 1000;
  const cc = new Cubic(mss);
  cc.ssthresh = 0; // straight to congestion avoidance
  cc.cwnd = 100 * mss;
  cc.onEnterRecovery(0, 100 * mss, mss);
  assert.equal(cc.cwnd, 70 * mss);
  cc.onExitRecovery(0, mss);
  // K = cbrt(W_max (1 − β) / C) = cbrt(100 · 0.3 / 0.4) ≈ 4.22 s.
  let t = 0;
  const at = (sec: number) => {
    while (t < sec * 1000) {
      t += 10;
      cc.onAck(mss, t, 10, mss, false);
    }
    return cc.cwnd / mss;
  };
  const w1 = at(1);
  const w4 = at(4.2);
  const w6 = at(6);
  assert.ok(w1 > 70 && w1 < 100, `after 1 s: ${w1}`);
  assert.ok(w4 > 95 && w4 <= 101, `near K the window plateaus at W_max: ${w4}`);
  assert.ok(w6 > w4 + 1, `beyond K it grows again: ${w6}`);
  // Fast convergence: a second loss below the previous W_max lowers W_max further.
  cc.cwnd = 90 * mss;
  cc.onEnterRecovery(t, 90 * mss, mss);
  assert.ok(Math.abs(cc.cwnd - 63 * mss) <= 1);
});

test('ISNs: keyed by the 4-tuple, advancing with the clock (RFC 6528)', () => {
  const g = new IsnGenerator(new Uint8Array(16).fill(1));
  const a = new Uint8Array([10, 0, 0, 1]);
  const b = new Uint8Array([10, 0, 0, 2]);
  const i1 = g.next(a, 1000, b, 80, 0);
  assert.equal(g.next(a, 1000, b, 80, 1) - i1, 250, 'one tick per 4 µs');
  assert.notEqual(g.next(a, 1001, b, 80, 0), i1);
  const g2 = new IsnGenerator(new Uint8Array(16).fill(2));
  assert.notEqual(g2.next(a, 1000, b, 80, 0), i1, 'the secret changes the offset');
});
