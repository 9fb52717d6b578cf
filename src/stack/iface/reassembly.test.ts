import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Reassembler } from './reassembly.ts';

const data = (n: number, seed = 1) => new Uint8Array(n).map((_, i) => (i * 31 + seed) & 0xff);

/** Splits `d` into fragments of `size` (a multiple of 8) bytes. */
function split(d: Uint8Array, size: number) {
  const out: Array<{ off: number; more: boolean; bytes: Uint8Array }> = [];
  for (let off = 0; off < d.length; off += size)
    out.push({ off, more: off + size < d.length, bytes: d.subarray(off, Math.min(d.length, off + size)) });
  return out;
}

describe('Reassembler', () => {
  it('reassembles in and out of order, with header room in front, ignoring exact duplicates', () => {
    const r = new Reassembler();
    const d = data(3000);
    const f = split(d, 1000);
    assert.equal(r.add('k', f[2].off, f[2].more, f[2].bytes, 0, 20).status, 'pending');
    assert.equal(r.add('k', f[0].off, f[0].more, f[0].bytes, 0, 20).status, 'pending');
    assert.equal(r.add('k', f[0].off, f[0].more, f[0].bytes, 0, 20).status, 'pending');
    const done = r.add('k', f[1].off, f[1].more, f[1].bytes, 0, 20);
    assert.equal(done.status, 'complete');
    if (done.status === 'complete') assert.deepEqual(done.packet.subarray(20), d);
    assert.equal(r.size, 0);
    assert.equal(r.bytesHeld, 0);
  });

  it('drops the whole datagram on overlap (RFC 5722)', () => {
    const r = new Reassembler();
    r.add('k', 0, true, data(16), 0, 0);
    assert.deepEqual(r.add('k', 8, true, data(16), 0, 0), { status: 'dropped', reason: 'overlap' });
    assert.equal(r.size, 0);
    assert.equal(r.bytesHeld, 0);
  });

  it('rejects bad lengths', () => {
    const r = new Reassembler({ maxDatagramLen: 4000 });
    assert.deepEqual(r.add('a', 0, true, data(12), 0, 0), {
      status: 'dropped',
      reason: 'bad-fragment-length',
    });
    assert.deepEqual(r.add('b', 3992, true, data(16), 0, 0), { status: 'dropped', reason: 'too-long' });
    r.add('c', 0, false, data(16), 0, 0);
    r.add('d', 16, false, data(16), 0, 0);
    assert.deepEqual(r.add('d', 8, false, data(8), 0, 0), {
      status: 'dropped',
      reason: 'inconsistent-length',
    });
    r.add('e', 16, false, data(16), 0, 0);
    assert.deepEqual(r.add('e', 32, true, data(8), 0, 0), { status: 'dropped', reason: 'beyond-end' });
  });

  it('time bound: incomplete datagrams expire, keeping the first fragment context for ICMP', () => {
    const r = new Reassembler({ timeoutMs: 30_000 });
    r.add('a', 0, true, data(8), 0, 0, new Uint8Array([0xaa]));
    r.add('b', 8, true, data(8), 10_000, 0);
    assert.equal(r.nextDeadline(), 30_000);
    assert.deepEqual(r.poll(29_999), []);
    assert.deepEqual(r.poll(30_000), [{ key: 'a', firstContext: new Uint8Array([0xaa]) }]);
    assert.deepEqual(r.poll(40_000), [{ key: 'b', firstContext: null }]);
    assert.equal(r.bytesHeld, 0);
    assert.equal(r.nextDeadline(), Number.POSITIVE_INFINITY);
  });

  it('memory bound: the oldest datagrams are evicted, and a fragment larger than the budget is refused', () => {
    const r = new Reassembler({ maxBytes: 4096 });
    r.add('old', 0, true, data(2048), 0, 0);
    r.add('mid', 0, true, data(1024), 1, 0);
    r.add('new', 0, true, data(2048), 2, 0);
    assert.ok(r.bytesHeld <= 4096);
    assert.equal(r.size, 2);
    assert.equal(r.add('old', 2048, false, data(8), 3, 0).status, 'pending', 'old is gone: starts afresh');
    assert.deepEqual(r.add('huge', 0, true, data(8192), 4, 0), { status: 'dropped', reason: 'memory' });
  });

  it('piece bound: a datagram of too many fragments is dropped', () => {
    const r = new Reassembler({ maxFragments: 4 });
    for (let i = 0; i < 4; i++) assert.equal(r.add('k', i * 16, true, data(8), 0, 0).status, 'pending');
    assert.deepEqual(r.add('k', 100 * 8, true, data(8), 0, 0), {
      status: 'dropped',
      reason: 'too-many-fragments',
    });
    assert.equal(r.size, 0);
  });

  it('count bound: at most maxDatagrams in progress', () => {
    const r = new Reassembler({ maxDatagrams: 4 });
    for (let i = 0; i < 100; i++) r.add(`k${i}`, 0, true, data(8), i, 0);
    assert.equal(r.size, 4);
  });

  it('property: any order of any split reassembles exactly; memory never exceeds the bound', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6000 }),
        fc.integer({ min: 1, max: 200 }),
        fc.array(fc.nat(), { minLength: 1, maxLength: 1000 }),
        (len, units, order) => {
          const r = new Reassembler({ maxBytes: 64 * 1024, maxFragments: 1000 });
          const d = data(len, len);
          const f = split(d, units * 8);
          const perm = f
            .map((x, i) => ({ x, k: order[i % order.length] + i / 1e6 }))
            .sort((a, b) => a.k - b.k);
          let result: Uint8Array | null = null;
          for (const { x } of perm) {
            const s = r.add('k', x.off, x.more, x.bytes, 0, 8);
            assert.ok(r.bytesHeld <= 64 * 1024);
            if (s.status === 'complete') result = s.packet.subarray(8);
            else assert.equal(s.status, 'pending');
          }
          assert.deepEqual(result, d);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('fuzz: random fragments never throw and respect every bound', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            key: fc.nat(5),
            off: fc.nat(8300),
            more: fc.boolean(),
            len: fc.nat(3000),
            t: fc.nat(100_000),
          }),
          { maxLength: 200 },
        ),
        (frags) => {
          const r = new Reassembler({ maxBytes: 16 * 1024, maxDatagrams: 3, maxDatagramLen: 9000 });
          let now = 0;
          for (const f of frags) {
            now += f.t % 1000;
            r.add(String(f.key), f.off * 8, f.more, new Uint8Array(f.len), now, 20);
            r.poll(now);
            assert.ok(r.bytesHeld <= 16 * 1024 && r.bytesHeld >= 0);
            assert.ok(r.size <= 3);
          }
        },
      ),
    );
  });
});
