// ACK coalescing per I/O batch (TcpLayerOptions.deferAcks), the burst limit and the ABC limit: a
// host that calls `flush` after each batch of input sees far fewer ACKs, bounded bursts, and the
// same bytes delivered.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { IpAddress } from '../types.ts';
import type { TcpLayer } from './layer.ts';
import type { TcpLayerOptions } from './options.ts';
import { bulkTransfer, type TcpPair, tcpPair } from './test-helpers.ts';

/**
 * Stands between the sim network and each layer like a runtime does: after every batch of
 * deliveries (the sim delivers all segments due at one instant together) and timer poll, the
 * layer's `flush` runs when `onflush` asked for it.
 */
function flushingPair(link: Parameters<typeof tcpPair>[0], opts: Partial<TcpLayerOptions>) {
  const wanted = [false, false];
  const counts = { requests: 0 };
  // tcpPair gives both layers the same options: one hook asks both for a flush (a spare flush
  // of a layer with nothing deferred does nothing).
  const p = tcpPair(link, {
    ...opts,
    onflush: () => {
      counts.requests++;
      wanted[0] = wanted[1] = true;
    },
  });
  for (const [i, e] of [p.net.a, p.net.b].entries()) {
    const layer = (i === 0 ? p.a : p.b) as TcpLayer;
    e.transport = {
      receive: (s: IpAddress, d: IpAddress, b: Uint8Array, now: number) => layer.receive(s, d, b, now),
      icmpError: (...a: Parameters<TcpLayer['icmpError']>) => layer.icmpError(...a),
      nextDeadline: () => (wanted[i] ? p.net.now : layer.nextDeadline()),
      poll: (now: number) => {
        if (layer.nextDeadline() <= now) layer.poll(now);
        if (wanted[i]) {
          wanted[i] = false;
          layer.flush(now);
        }
      },
    };
  }
  return { p, counts };
}

function run(p: TcpPair, size: number) {
  const r = bulkTransfer(p, size, 600_000);
  assert.ok(r.done, 'transfer finished');
  assert.equal(r.corrupt, 0);
  assert.equal(r.received, size);
  return { acks: p.b.counters.segmentsOut, segs: p.a.counters.segmentsOut, ms: r.fakeMs };
}

test('deferAcks: one ACK per batch instead of one per two segments, same bytes delivered', () => {
  const size = 4 << 20;
  const plain = run(tcpPair({ delay: 1, seed: 5 }), size);
  const { p, counts } = flushingPair({ delay: 1, seed: 5 }, { deferAcks: true, abcLimit: 64 });
  const batched = run(p, size);
  assert.ok(counts.requests > 0, 'the layer asked for flushes');
  assert.ok(p.b.counters.deferredAcks > 0, 'ACKs were deferred');
  // Without deferral the receiver ACKs about every second segment.
  assert.ok(plain.acks > plain.segs / 3, `plain: ${plain.acks} ACKs for ${plain.segs} segments`);
  assert.ok(batched.acks * 4 < plain.acks, `batched: ${batched.acks} ACKs vs ${plain.acks} plain`);
  assert.equal(p.a.flushPending + p.b.flushPending, 0, 'nothing left deferred');
});

test('deferAcks keeps immediate ACKs for out-of-order data: loss and reordering still recover', () => {
  const { p } = flushingPair(
    { delay: 5, loss: 0.02, reorder: 0.05, reorderDelay: 2, seed: 9 },
    { deferAcks: true, deferReads: true, burstLimit: 8, abcLimit: 16 },
  );
  run(p, 2 << 20);
  assert.ok(p.a.counters.retransmits > 0, 'losses were repaired');
});

test('burstLimit: no call sends more than the limit; the rest goes from flushes', () => {
  const { p } = flushingPair({ delay: 2, seed: 7 }, { burstLimit: 4 });
  // Count segments a sends between two flush/receive boundaries.
  let burst = 0;
  let maxBurst = 0;
  const e = p.net.a;
  const send = e.send.bind(e);
  e.send = (proto, src, dst, payload) => {
    burst++;
    if (burst > maxBurst) maxBurst = burst;
    return send(proto, src, dst, payload);
  };
  const layerA = p.a;
  const flush = layerA.flush.bind(layerA);
  layerA.flush = (now?: number) => {
    burst = 0;
    flush(now);
  };
  const poll = layerA.poll.bind(layerA);
  layerA.poll = (now) => {
    burst = 0;
    poll(now);
  };
  const receive = layerA.receive.bind(layerA);
  layerA.receive = (s, d, b, now) => {
    burst = 0;
    receive(s, d, b, now);
  };
  run(p, 1 << 20);
  assert.ok(p.a.counters.burstStops > 0, 'the limit was reached');
  // A call may add one pure ACK to its burst of data segments.
  assert.ok(maxBurst <= 5, `largest burst ${maxBurst}`);
  assert.ok(maxBurst >= 4, `largest burst ${maxBurst}: the limit was used`);
});

test('deferAcks/deferReads/burstLimit without onflush, or a bad limit, is a TypeError/RangeError', () => {
  assert.throws(() => tcpPair({}, { deferAcks: true }), TypeError);
  assert.throws(() => tcpPair({}, { deferReads: true }), TypeError);
  assert.throws(() => tcpPair({}, { burstLimit: 0, onflush: () => {} }), RangeError);
  assert.throws(() => tcpPair({}, { abcLimit: 0 }), RangeError);
});

test('deferReads: a batch of segments reaches ondata as one chunk; data still precedes end', () => {
  const calls = (p: TcpPair): { chunks: number; bytes: number; ended: boolean; order: string[] } => {
    const r = { chunks: 0, bytes: 0, ended: false, order: [] as string[] };
    const l = p.b.listen(80);
    l.onconnection = (c) => {
      c.ondata = (d) => {
        r.chunks++;
        r.bytes += d.length;
        if (r.order.at(-1) !== 'data') r.order.push('data');
      };
      c.onend = () => {
        r.ended = true;
        r.order.push('end');
        c.close();
      };
    };
    const c = p.a.connect(p.net.b.address, 80);
    const data = new Uint8Array(1 << 20);
    let off = 0;
    const pump = () => {
      while (off < data.length) {
        const n = c.write(data, off, data.length);
        off += n;
        if (n === 0) return;
      }
      c.shutdown();
    };
    c.onconnect = pump;
    c.ondrain = pump;
    assert.ok(p.net.run(() => r.ended, 60_000));
    return r;
  };
  const plain = calls(tcpPair({ delay: 1, seed: 4 }));
  const { p } = flushingPair({ delay: 1, seed: 4 }, { deferAcks: true, deferReads: true });
  const held = calls(p);
  assert.equal(plain.bytes, 1 << 20);
  assert.equal(held.bytes, 1 << 20);
  assert.deepEqual(held.order, ['data', 'end']);
  assert.ok(held.chunks * 3 < plain.chunks, `${held.chunks} chunks held vs ${plain.chunks} plain`);
});

test('deferReads: a segment with PSH (a request) is delivered at once, not at the flush', () => {
  const { p } = flushingPair({ delay: 1, seed: 6 }, { deferAcks: true, deferReads: true, noDelay: true });
  let inFlush = false;
  const flush = p.b.flush.bind(p.b);
  p.b.flush = (now?: number) => {
    inFlush = true;
    flush(now);
    inFlush = false;
  };
  const where: boolean[] = [];
  const l = p.b.listen(80);
  l.onconnection = (c) => {
    c.ondata = () => {
      where.push(inFlush);
    };
  };
  const c = p.a.connect(p.net.b.address, 80);
  assert.ok(p.net.run(() => c.state === 'Established', 1000));
  for (let i = 0; i < 5; i++) {
    c.write(new Uint8Array(100));
    const want = i + 1;
    assert.ok(p.net.run(() => where.length >= want, p.net.now + 1000));
  }
  assert.deepEqual(where, [false, false, false, false, false], 'requests are not held for the flush');
});
