import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NeighborCache } from './neighbor-cache.ts';

const IP = new Uint8Array([10, 0, 0, 9]);
const MAC = new Uint8Array([2, 0, 0, 0, 0, 9]);

function cache(opts = {}) {
  const probes: Array<{ at: number; unicast: boolean }> = [];
  const failed: Uint8Array[][] = [];
  let now = 0;
  const c = new NeighborCache(
    { probe: (_ip, m) => probes.push({ at: now, unicast: m !== null }), failed: (_ip, p) => failed.push(p) },
    { reachableMs: 30_000, staleMs: 60_000, retransMs: 1000, maxProbes: 3, ...opts },
  );
  const advance = (to: number) => {
    while (c.nextDeadline() <= to) {
      now = Math.max(now, c.nextDeadline());
      c.poll(now);
    }
    now = to;
  };
  return { c, probes, failed, advance, at: () => now };
}

describe('NeighborCache (fake clock)', () => {
  it('resolution: probes every second, three times, then fails with the queued frames', () => {
    const { c, probes, failed, advance } = cache();
    assert.equal(c.lookup(1, 0), null);
    assert.equal(c.enqueue(1, IP, new Uint8Array([1]), 0), true);
    assert.equal(c.enqueue(1, IP, new Uint8Array([2]), 0), true);
    assert.deepEqual(probes, [{ at: 0, unicast: false }]);
    advance(2500);
    assert.deepEqual(
      probes.map((p) => p.at),
      [0, 1000, 2000],
    );
    assert.equal(failed.length, 0);
    advance(3000);
    assert.equal(failed.length, 1);
    assert.deepEqual(failed[0], [new Uint8Array([1]), new Uint8Array([2])]);
    assert.equal(c.size, 0);
    assert.equal(c.nextDeadline(), Number.POSITIVE_INFINITY);
  });

  it('an answer flushes the queue and makes the entry reachable', () => {
    const { c, probes } = cache();
    c.enqueue(1, IP, new Uint8Array([7]), 0);
    const out = c.update(1, IP, MAC, 400, false);
    assert.deepEqual(out, [new Uint8Array([7])]);
    assert.equal(c.get(1)?.state, 'reachable');
    assert.deepEqual(c.lookup(1, 500), MAC);
    assert.equal(probes.length, 1);
  });

  it('update creates entries only when asked (RFC 826 merge rule)', () => {
    const { c } = cache();
    assert.deepEqual(c.update(1, IP, MAC, 0, false), []);
    assert.equal(c.size, 0);
    c.update(1, IP, MAC, 0, true);
    assert.equal(c.size, 1);
  });

  it('reachable → stale after reachableMs; using a stale entry probes by unicast; silence removes it', () => {
    const { c, probes, advance } = cache();
    c.update(1, IP, MAC, 0, true);
    advance(30_000);
    assert.equal(c.get(1)?.state, 'stale');
    assert.deepEqual(c.lookup(1, 31_000), MAC, 'a stale entry is still used');
    assert.equal(c.get(1)?.state, 'probe');
    assert.equal(probes.length, 1);
    assert.equal(probes[0].unicast, true);
    advance(35_000);
    assert.equal(probes.length, 3);
    assert.ok(probes.every((p) => p.unicast));
    assert.equal(c.size, 0);
  });

  it('a probed entry that answers becomes reachable again', () => {
    const { c, advance } = cache();
    c.update(1, IP, MAC, 0, true);
    advance(30_000);
    c.lookup(1, 30_500);
    c.update(1, IP, MAC, 30_600, false);
    assert.equal(c.get(1)?.state, 'reachable');
    advance(40_000);
    assert.equal(c.size, 1);
  });

  it('unused stale entries are garbage-collected after staleMs', () => {
    const { c, advance } = cache();
    c.update(1, IP, MAC, 0, true);
    advance(89_999);
    assert.equal(c.size, 1);
    advance(90_000);
    assert.equal(c.size, 0);
  });

  it('bounds: the pending queue keeps the newest frames; entries are evicted beyond maxEntries', () => {
    const { c, failed } = cache({ maxPending: 2, maxEntries: 2 });
    assert.equal(c.enqueue(1, IP, new Uint8Array([1]), 0), true);
    assert.equal(c.enqueue(1, IP, new Uint8Array([2]), 0), true);
    assert.equal(c.enqueue(1, IP, new Uint8Array([3]), 0), false);
    assert.equal(c.pendingOverflow, 1);
    assert.deepEqual(c.get(1)?.pending, [new Uint8Array([2]), new Uint8Array([3])]);
    c.update(2, IP, MAC, 10, true);
    c.update(3, IP, MAC, 20, true);
    assert.equal(c.size, 2);
    assert.equal(c.get(1), undefined, 'the oldest entry was evicted');
    assert.equal(failed.length, 1);
  });
});
