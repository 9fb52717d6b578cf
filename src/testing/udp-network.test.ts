import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EventLimitError } from './clock.ts';
import type { UdpAddress } from './udp-binding.ts';
import { formatTraceEvent, type SimUdpSocket, UdpNetwork, type UdpNetworkOptions } from './udp-network.ts';

interface Got {
  t: number;
  data: Uint8Array;
  from: UdpAddress;
  sock: SimUdpSocket;
}

/** Records every datagram a socket receives. */
function collect(net: UdpNetwork, sock: SimUdpSocket): Got[] {
  const got: Got[] = [];
  sock.onMessage = (data, from, s) => got.push({ t: net.clock.now(), data, from, sock: s as SimUdpSocket });
  return got;
}

const seqNo = (g: Got) => (g.data[0] << 8) | g.data[1];
const numbered = (i: number, size = 2) => {
  const b = new Uint8Array(size);
  b[0] = i >> 8;
  b[1] = i & 0xff;
  return b;
};

function twoHosts(opts: UdpNetworkOptions = {}) {
  const net = new UdpNetwork(opts);
  const a = net.addHost('a', { addresses: ['192.0.2.1', '2001:db8::1'] });
  const b = net.addHost('b', { addresses: ['192.0.2.2', '2001:db8:0:0::2'] });
  const sa = a.bind(9993);
  const sb = b.bind(9993);
  return { net, a, b, sa, sb, got: collect(net, sb) };
}

test('send and receive over IPv4 and IPv6 with the right source and socket', () => {
  const { net, sa, sb, got } = twoHosts();
  sa.send(new Uint8Array([1, 2, 3]), { ip: '192.0.2.2', port: 9993 });
  sa.send(new Uint8Array([4]), { ip: '2001:db8:0::2', port: 9993 });
  assert.equal(got.length, 0, 'nothing arrives before the clock runs');
  net.run(0);
  assert.equal(got.length, 2);
  assert.deepEqual([...got[0].data], [1, 2, 3]);
  assert.deepEqual(got[0].from, { ip: '192.0.2.1', port: 9993 });
  assert.equal(got[0].sock, sb);
  assert.deepEqual(got[1].from, { ip: '2001:db8::1', port: 9993 });
  assert.equal(net.stats.sent, 2);
  assert.equal(net.stats.delivered, 2);
  assert.equal(net.host('a').stats.sent, 2);
  assert.equal(net.host('b').stats.bytesReceived, 4);
});

test('the datagram is copied at send; each delivery gets its own buffer', () => {
  const { net, sa, got } = twoHosts();
  const buf = new Uint8Array([7, 7]);
  sa.send(buf, { ip: '192.0.2.2', port: 9993 });
  buf[0] = 0;
  const nodeBuf = Buffer.from([8, 8]); // Buffer#slice is a view: the copy must not use it
  sa.send(nodeBuf, { ip: '192.0.2.2', port: 9993 });
  nodeBuf[0] = 0;
  net.run(1);
  assert.deepEqual([...got[0].data], [7, 7]);
  assert.deepEqual([...got[1].data], [8, 8]);
  assert.ok(!Buffer.isBuffer(got[1].data), 'receivers get plain Uint8Arrays, as core code must expect');
});

test('bind: ephemeral ports are deterministic, conflicts throw EADDRINUSE, bad addresses EADDRNOTAVAIL', () => {
  const ports = (seed: number) => {
    const net = new UdpNetwork({ seed });
    const h = net.addHost('h', { addresses: ['10.1.1.1'] });
    return [h.bind(0), h.bind({ port: 0 })].map((s) => s.localAddress.port);
  };
  assert.deepEqual(ports(3), ports(3));
  for (const p of ports(3)) assert.ok(p >= 49152 && p <= 65535);
  assert.notDeepEqual(ports(3), ports(4));

  const net = new UdpNetwork();
  const h = net.addHost('h', { addresses: ['10.1.1.1', 'fd00::1'] });
  h.bind(5000);
  assert.throws(() => h.bind(5000), { code: 'EADDRINUSE' });
  assert.throws(() => h.bind({ port: 5000, address: '10.1.1.1' }), { code: 'EADDRINUSE' });
  const s4 = h.bind({ port: 6000, address: '0.0.0.0' });
  assert.deepEqual(s4.localAddress, { ip: '0.0.0.0', port: 6000 });
  assert.throws(() => h.bind({ port: 6000, address: '10.1.1.1' }), { code: 'EADDRINUSE' });
  h.bind({ port: 6000, address: 'fd00::1' }); // an IPv6 bind does not clash with a v4 wildcard
  assert.throws(() => h.bind({ port: 1, address: '10.9.9.9' }), { code: 'EADDRNOTAVAIL' });
  assert.throws(() => h.bind(70000), RangeError);
  s4.close();
  s4.close(); // idempotent
  h.bind({ port: 6000, address: '10.1.1.1' });
  assert.throws(() => s4.send(new Uint8Array(1), { ip: '10.1.1.1', port: 1 }), {
    code: 'ERR_SOCKET_DGRAM_NOT_RUNNING',
  });
});

test('send validates its arguments', () => {
  const { sa } = twoHosts();
  assert.throws(() => sa.send(new Uint8Array(1), { ip: 'not-an-ip', port: 1 }), TypeError);
  assert.throws(() => sa.send(new Uint8Array(1), { ip: '192.0.2.2', port: 0 }), RangeError);
  assert.throws(() => sa.send(new Uint8Array(65508), { ip: '192.0.2.2', port: 1 }), RangeError);
  assert.throws(() => sa.send(new Uint8Array(1), { ip: '192.0.2.2', port: 1 }, { ttl: 0 }), RangeError);
});

test('drops are counted: no-listener, no-handler, no-route; loopback and own address work', () => {
  const { net, a, sa, sb } = twoHosts();
  sa.send(new Uint8Array(1), { ip: '192.0.2.2', port: 1234 });
  sa.send(new Uint8Array(1), { ip: '198.51.100.9', port: 9993 });
  sb.onMessage = undefined;
  sa.send(new Uint8Array(1), { ip: '192.0.2.2', port: 9993 });
  const self = collect(net, sa);
  const other = a.bind({ port: 7000, address: '127.0.0.1' });
  other.send(new Uint8Array([5]), { ip: '127.0.0.1', port: 9993 });
  sa.send(new Uint8Array([6]), { ip: '192.0.2.1', port: 9993 });
  net.run(10);
  assert.equal(net.stats.dropped['no-listener'], 1);
  assert.equal(net.stats.dropped['no-route'], 1);
  assert.equal(net.stats.dropped['no-handler'], 1);
  assert.deepEqual(
    self.map((g) => [g.data[0], g.from.ip]),
    [
      [5, '127.0.0.1'],
      [6, '192.0.2.1'],
    ],
  );
  assert.equal(net.droppedTotal, 3);
  net.resetStats();
  assert.equal(net.droppedTotal, 0);
});

test('fixed delay plus jitter: arrivals within bounds and FIFO kept', () => {
  const { net, sa, got } = twoHosts({ defaults: { delayMs: 20, jitterMs: 10 }, seed: 9 });
  const sentAt: number[] = [];
  for (let i = 0; i < 200; i++) {
    sentAt.push(net.clock.now());
    sa.send(numbered(i), { ip: '192.0.2.2', port: 9993 });
    net.advance(2);
  }
  net.run(1000);
  assert.equal(got.length, 200);
  assert.deepEqual(
    got.map(seqNo),
    Array.from({ length: 200 }, (_, i) => i),
  );
  const delays = got.map((g, i) => g.t - sentAt[i]);
  for (const d of delays) assert.ok(d >= 20 && d <= 30, `delay ${d}`);
  assert.ok(new Set(delays).size > 3, 'jitter spreads arrivals');
});

test('reordering: some datagrams are overtaken only when reorder > 0', () => {
  const run = (reorder: number) => {
    const { net, sa, got } = twoHosts({ defaults: { delayMs: 5, reorder, reorderDelayMs: 3 }, seed: 11 });
    for (let i = 0; i < 300; i++) {
      sa.send(numbered(i), { ip: '192.0.2.2', port: 9993 });
      net.advance(1);
    }
    net.run(2000);
    const order = got.map(seqNo);
    let inversions = 0;
    for (let i = 1; i < order.length; i++) if (order[i] < order[i - 1]) inversions++;
    assert.deepEqual(
      [...order].sort((x, y) => x - y),
      Array.from({ length: 300 }, (_, i) => i),
    );
    return inversions;
  };
  assert.equal(run(0), 0);
  const inv = run(0.2);
  // ~60 held-back datagrams, each overtaken by the next ones: expect a clear, bounded count.
  assert.ok(inv > 20 && inv < 120, `inversions ${inv}`);
});

test('loss rate: delivered fraction within 4 standard deviations for a seed', () => {
  const { net, sa, got } = twoHosts({ defaults: { loss: 0.2 }, seed: 1234 });
  const N = 5000;
  for (let i = 0; i < N; i++) sa.send(numbered(i), { ip: '192.0.2.2', port: 9993 });
  net.run(10);
  const sd = Math.sqrt(N * 0.2 * 0.8);
  assert.ok(Math.abs(net.stats.dropped.loss - N * 0.2) < 4 * sd, `lost ${net.stats.dropped.loss}`);
  assert.equal(got.length + net.stats.dropped.loss, N);
  assert.equal(net.stats.delivered, got.length);
});

test('per-host access-link loss composes with the core: 1-(1-p1)(1-p2)', () => {
  const net = new UdpNetwork({ seed: 5, defaults: { loss: 0.1 } });
  const a = net.addHost('a', { addresses: ['192.0.2.1'], conditions: { loss: 0.5 } });
  const b = net.addHost('b', { addresses: ['192.0.2.2'] });
  const got = collect(net, b.bind(1));
  const s = a.bind(1);
  const N = 4000;
  for (let i = 0; i < N; i++) s.send(numbered(i), { ip: '192.0.2.2', port: 1 });
  net.run(1);
  const p = 0.55;
  const sd = Math.sqrt(N * p * (1 - p));
  assert.ok(Math.abs(net.stats.dropped.loss - N * p) < 4 * sd, `lost ${net.stats.dropped.loss}`);
  assert.equal(got.length + net.stats.dropped.loss, N);
});

test('duplication: extra copies counted and delivered', () => {
  const { net, sa, got } = twoHosts({ defaults: { duplicate: 0.1 }, seed: 77 });
  const N = 3000;
  for (let i = 0; i < N; i++) sa.send(numbered(i), { ip: '192.0.2.2', port: 9993 });
  net.run(10);
  assert.equal(got.length, N + net.stats.duplicated);
  const sd = Math.sqrt(N * 0.1 * 0.9);
  assert.ok(Math.abs(net.stats.duplicated - N * 0.1) < 4 * sd, `dups ${net.stats.duplicated}`);
  assert.equal(new Set(got.map(seqNo)).size, N);
});

test('bandwidth limit serialises datagrams and tail-drops when the queue is full', () => {
  const { net, sa, got } = twoHosts({ defaults: { bandwidthBps: 1_000_000, queueLimitBytes: 6250 } });
  // 1250 bytes at 1 Mbit/s = 10 ms each; the queue holds 5 datagrams (backlog + the new one).
  for (let i = 0; i < 10; i++) sa.send(numbered(i, 1250), { ip: '192.0.2.2', port: 9993 });
  net.run(1000);
  assert.deepEqual(
    got.map((g) => g.t),
    [10, 20, 30, 40, 50],
  );
  assert.equal(net.stats.dropped.queue, 5);
  // After the queue drains, sending resumes at line rate.
  sa.send(numbered(99, 1250), { ip: '192.0.2.2', port: 9993 });
  net.run(2000);
  assert.equal(got.at(-1)!.t, 1010);
});

test('MTU drops oversize datagrams', () => {
  const { net, sa, got } = twoHosts({ defaults: { mtu: 1432 } });
  sa.send(new Uint8Array(1432), { ip: '192.0.2.2', port: 9993 });
  sa.send(new Uint8Array(1433), { ip: '192.0.2.2', port: 9993 });
  net.run(1);
  assert.equal(got.length, 1);
  assert.equal(net.stats.dropped.mtu, 1);
});

test('conditions can change at run time, per pair and per host', () => {
  const { net, a, b, sa, got } = twoHosts();
  sa.send(numbered(0), { ip: '192.0.2.2', port: 9993 });
  net.advance(100);
  net.setLink(a, 'b', { delayMs: 50 });
  sa.send(numbered(1), { ip: '192.0.2.2', port: 9993 });
  net.advance(100);
  b.conditions = { delayMs: 7 };
  sa.send(numbered(2), { ip: '192.0.2.2', port: 9993 });
  net.advance(100);
  net.clearLink('a', 'b');
  b.conditions = undefined;
  sa.send(numbered(3), { ip: '192.0.2.2', port: 9993 });
  net.advance(100);
  assert.deepEqual(
    got.map((g) => g.t),
    [0, 150, 257, 300],
  );
  assert.throws(() => net.setLink(a, b, { loss: 2 }), RangeError);
  assert.throws(() => net.setLink(a, 'nobody', {}), /no host/);
});

test('cut drops both ways (including in flight) until restore; oneWay and isolation', () => {
  const net = new UdpNetwork({ defaults: { delayMs: 10 } });
  const hosts = ['a', 'b', 'c'].map((n, i) => net.addHost(n, { addresses: [`192.0.2.${i + 1}`] }));
  const socks = hosts.map((h) => h.bind(9993));
  const got = socks.map((s) => collect(net, s));
  const send = (from: number, to: number) =>
    socks[from].send(new Uint8Array([from, to]), { ip: `192.0.2.${to + 1}`, port: 9993 });

  send(0, 1); // in flight when the cut happens
  net.advance(5);
  net.cut('a', 'b');
  assert.ok(net.isCut('a', 'b') && net.isCut('b', 'a') && !net.isCut('a', 'c'));
  send(0, 1);
  send(1, 0);
  send(0, 2);
  net.advance(50);
  assert.equal(got[1].length, 0);
  assert.equal(got[0].length, 0);
  assert.equal(got[2].length, 1);
  assert.equal(net.stats.dropped.cut, 3);

  net.restore('a', 'b');
  send(0, 1);
  net.advance(50);
  assert.equal(got[1].length, 1);

  net.cut('a', 'b', { oneWay: true });
  send(0, 1);
  send(1, 0);
  net.advance(50);
  assert.equal(got[1].length, 1);
  assert.equal(got[0].length, 1);
  net.restore('a', 'b', { oneWay: true });

  net.cut('c');
  send(0, 2);
  send(2, 1);
  send(0, 1);
  net.advance(50);
  assert.equal(got[2].length, 1);
  assert.equal(got[1].length, 2);
  net.restore('c');
  send(2, 1);
  net.advance(50);
  assert.equal(got[1].length, 3);
});

test('event cap: a zero-delay ping-pong fails with EventLimitError instead of hanging', () => {
  const { net, sa, sb } = twoHosts({ maxEventsPerRun: 1000 });
  sb.onMessage = (d, from, s) => s.send(d, from);
  sa.onMessage = (d, from, s) => s.send(d, from);
  sa.send(new Uint8Array(1), { ip: '192.0.2.2', port: 9993 });
  assert.throws(() => net.run(1), EventLimitError);
});

test('determinism: same seed gives the same trace; another seed differs', () => {
  const scenario = (seed: number) => {
    const net = new UdpNetwork({
      seed,
      trace: true,
      defaults: { loss: 0.1, delayMs: 5, jitterMs: 20, reorder: 0.1, duplicate: 0.05 },
    });
    const nat = net.addNat('n', { type: 'symmetric', publicIp: '203.0.113.1' });
    const hosts = [
      net.addHost('pub', { addresses: ['192.0.2.1'] }),
      net.addHost('l1', { addresses: ['10.0.0.1'], behind: nat }),
      net.addHost('l2', { addresses: ['10.0.0.2'], behind: nat }),
    ];
    const socks = hosts.map((h) => h.bind(0));
    socks[0].onMessage = (d, from, s) => s.send(d, from); // echo server
    for (const s of socks.slice(1)) s.onMessage = () => {};
    for (let i = 0; i < 100; i++) {
      socks[1 + (i % 2)].send(numbered(i), { ip: '192.0.2.1', port: socks[0].localAddress.port });
      net.advance(3);
    }
    net.run(10_000);
    return JSON.stringify(net.trace);
  };
  const t1 = scenario(42);
  assert.ok(t1.length > 1000);
  assert.equal(scenario(42), t1);
  assert.notEqual(scenario(43), t1);
});

test('trace lines read well', () => {
  const net = new UdpNetwork({ trace: true });
  const nat = net.addNat('n', { type: 'port-restricted', publicIp: '203.0.113.2' });
  const a = net.addHost('a', { addresses: ['10.0.0.2'], behind: nat }).bind(9993);
  const b = net.addHost('b', { addresses: ['2001:db8::b'] }).bind(9993);
  b.onMessage = () => {};
  a.send(new Uint8Array(42), { ip: '203.0.113.2', port: 9993 });
  net.addHost('c', { addresses: ['192.0.2.3'] }).bind(9993).onMessage = () => {};
  a.send(new Uint8Array(1), { ip: '192.0.2.3', port: 9993 });
  b.send(new Uint8Array(2), { ip: '2001:db8::b', port: 9993 });
  net.run(0);
  assert.deepEqual(net.trace.map(formatTraceEvent), [
    't=0 send #1 a 10.0.0.2:9993 -> 203.0.113.2:9993 42B',
    't=0 drop #1 a 10.0.0.2:9993 -> 203.0.113.2:9993 42B nat-filter',
    't=0 send #2 a 10.0.0.2:9993 -> 192.0.2.3:9993 1B',
    't=0 send #3 b [2001:db8::b]:9993 -> [2001:db8::b]:9993 2B',
    't=0 deliver #2 a 10.0.0.2:9993 -> 192.0.2.3:9993 1B at c from 203.0.113.2:9993',
    't=0 deliver #3 b [2001:db8::b]:9993 -> [2001:db8::b]:9993 2B at b from [2001:db8::b]:9993',
  ]);
});
