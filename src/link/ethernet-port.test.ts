import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { macForAddress, rfc4193Inet, sixPlaneInet } from '../protocol/address.ts';
import type { InetAddress } from '../protocol/inet-address.ts';
import { emptyNetworkConfig } from '../protocol/netconf.ts';
import { Stack } from '../stack/stack.ts';
import { parseIp } from '../stack/wire/ip-address.ts';
import { EthernetPort, type NetworkStatus } from './ethernet-port.ts';
import { bindStack } from './stack-binding.ts';

const NWID = 0x8056c2e21c000001n;
const A = 0x2d1d262d72;
const B = 0x1122334455;

function v4(s: string, bits: number): InetAddress {
  const ip = parseIp(s);
  assert.ok(ip);
  return { family: 4, ip, port: bits };
}

function frame(len: number, fill = 0xab): Uint8Array {
  const f = new Uint8Array(len).fill(fill);
  f[12] = 0x08;
  f[13] = 0x00;
  return f;
}

describe('EthernetPort: identity and defaults', () => {
  it('MAC as number and bytes, id, defaults', () => {
    const p = new EthernetPort({ networkId: NWID, mac: macForAddress(A, NWID) });
    assert.equal(p.macAddress, '02:2d:1d:3a:cf:b0'); // §1.3 example
    assert.deepEqual(p.mac, Uint8Array.from([0x02, 0x2d, 0x1d, 0x3a, 0xcf, 0xb0]));
    assert.equal(p.id, '8056c2e21c000001');
    assert.equal(p.mtu, 2800);
    assert.equal(p.status, 'REQUESTING_CONFIGURATION');
    assert.deepEqual([p.addresses, p.routes, p.name], [[], [], '']);
    const q = new EthernetPort({ networkId: NWID, mac: p.mac });
    assert.equal(q.macNumber, p.macNumber);
  });
  it('API misuse throws', () => {
    assert.throws(() => new EthernetPort({ networkId: 1 as unknown as bigint, mac: 1 }), TypeError);
    assert.throws(() => new EthernetPort({ networkId: NWID, mac: 2 ** 48 }), RangeError);
    assert.throws(() => new EthernetPort({ networkId: NWID, mac: new Uint8Array(5) }), TypeError);
    assert.throws(() => new EthernetPort({ networkId: NWID, mac: 1, mtu: 100 }), RangeError);
  });
});

describe('EthernetPort: frames and counters', () => {
  it('send hands frames to the sender and counts; drops runts, oversize, no sender, refusals', () => {
    const sent: Uint8Array[] = [];
    let refuse = false;
    const p = new EthernetPort({ networkId: NWID, mac: 1, mtu: 1280 });
    const tapped: number[] = [];
    p.on('transmit', (f) => tapped.push(f.length));
    assert.equal(p.send(frame(60)), false); // no sender yet
    p.setSender((f) => (refuse ? false : sent.push(f)));
    assert.equal(p.send(frame(60)), true);
    assert.equal(p.send(frame(14 + 1280)), true);
    assert.equal(p.send(frame(14 + 1281)), false);
    assert.equal(p.send(frame(13)), false);
    refuse = true;
    assert.equal(p.send(frame(60)), false);
    assert.equal(sent.length, 2);
    assert.deepEqual(tapped, [60, 1294]);
    assert.deepEqual(p.counters, {
      rxFrames: 0,
      rxBytes: 0,
      txFrames: 2,
      txBytes: 60 + 1294,
      rxDropped: 0,
      txDropped: 4,
      drops: { 'no-sender': 1, 'too-big': 1, runt: 1, refused: 1 },
    });
  });

  it('deliver goes to the attached receiver and to frame listeners; drops when nobody listens', () => {
    const p = new EthernetPort({ networkId: NWID, mac: 1 });
    assert.equal(p.deliver(frame(60)), false);
    const got: string[] = [];
    const detach = p.attach((f) => got.push(`stack:${f.length}`));
    assert.throws(() => p.attach(() => {}), TypeError);
    p.on('frame', (f) => got.push(`raw:${f.length}`));
    assert.equal(p.deliver(frame(61)), true);
    detach();
    assert.equal(p.deliver(frame(62)), true);
    assert.equal(p.deliver(frame(5)), false);
    assert.deepEqual(got, ['stack:61', 'raw:61', 'raw:62']);
    assert.deepEqual(
      [p.counters.rxFrames, p.counters.rxBytes, p.counters.rxDropped, p.counters.drops],
      [2, 123, 2, { 'no-receiver': 1, runt: 1 }],
    );
  });

  it('deliverParts assembles the Ethernet header (FRAME carries only ethertype + payload)', () => {
    const p = new EthernetPort({ networkId: NWID, mac: 1 });
    const got: string[] = [];
    p.on('frame', (f) => got.push(Buffer.from(f).toString('hex')));
    assert.equal(p.deliverParts(0x022d1d3acfb0, 0x02112233aabb, 0x86dd, Uint8Array.from([1, 2, 3])), true);
    const big = new Uint8Array(3000).fill(7);
    assert.equal(p.deliverParts(0xffffffffffff, 0x02112233aabb, 0x0806, big), true);
    assert.equal(p.deliverParts(0x022d1d3acfb0, 0x02112233aabb, 0x0800, new Uint8Array(0)), true);
    assert.equal(got[0], '022d1d3acfb002112233aabb86dd010203');
    assert.equal(got[1], `ffffffffffff02112233aabb0806${'07'.repeat(3000)}`);
    assert.equal(got[2], '022d1d3acfb002112233aabb0800');
  });

  it('deliverParts reuses its buffer, except for a delivery nested in a receiver (outer frame intact)', () => {
    const p = new EthernetPort({ networkId: NWID, mac: 1 });
    const seen: Uint8Array[] = [];
    const outer: string[] = [];
    p.attach((f) => {
      seen.push(f);
      if (f[14] === 1) {
        // The receiver answers and, synchronously, a frame comes back in (an in-process peer).
        p.deliverParts(0x022d1d3acfb0, 0x02112233aabb, 0x0800, Uint8Array.from([2, 2, 2]));
        outer.push(Buffer.from(f).toString('hex'));
      }
    });
    p.deliverParts(0x022d1d3acfb0, 0x02112233aabb, 0x0800, Uint8Array.from([1, 1, 1]));
    assert.deepEqual(outer, ['022d1d3acfb002112233aabb0800010101']);
    assert.notEqual(seen[0].buffer, seen[1].buffer, 'the nested frame must not share the outer buffer');
    p.deliverParts(0x022d1d3acfb0, 0x02112233aabb, 0x0800, Uint8Array.from([3, 3, 3]));
    assert.equal(seen[2].buffer, seen[0].buffer, 'later top-level deliveries reuse the buffer');
  });

  it('close drops everything and says so once', () => {
    const p = new EthernetPort({ networkId: NWID, mac: 1, send: () => true });
    const ev: string[] = [];
    p.on('status', (s) => ev.push(s));
    p.on('close', () => ev.push('close'));
    p.on('frame', () => ev.push('frame'));
    p.close();
    p.close();
    assert.equal(p.send(frame(60)), false);
    assert.equal(p.deliver(frame(60)), false);
    assert.deepEqual(ev, ['CLOSED', 'close']);
    assert.deepEqual(p.counters.drops, { closed: 2 });
    assert.equal(p.closed, true);
  });
});

describe('EthernetPort: state and change events', () => {
  it('applyConfig maps a NetworkConfig; events only on change', () => {
    const p = new EthernetPort({ networkId: NWID, mac: macForAddress(A, NWID) });
    const ev: Array<[string, unknown]> = [];
    for (const e of ['addresses', 'routes', 'mtu', 'name', 'status'] as const)
      p.on(e, (v: unknown) => ev.push([e, v]));
    const c = emptyNetworkConfig(NWID, A);
    c.name = 'lab';
    c.mtu = 2800;
    c.staticIps = [v4('10.147.17.12', 24), rfc4193Inet(NWID, A), sixPlaneInet(NWID, A)];
    c.routes = [
      { target: v4('10.147.17.0', 24), via: null, flags: 0, metric: 0 },
      { target: v4('0.0.0.0', 0), via: v4('10.147.17.1', 0), flags: 0, metric: 5 },
    ];
    p.applyConfig(c);
    p.update({ status: 'OK' });
    assert.deepEqual(
      p.addresses.map((a) => `${a.address}/${a.prefixLength}`),
      ['10.147.17.12/24', 'fd80:56c2:e21c:0:199:932d:1d26:2d72/88', 'fc9c:56c2:e32d:1d26:2d72::1/40'],
    );
    assert.deepEqual(
      p.routes.map((r) => [r.address, r.prefixLength, r.viaAddress, r.metric]),
      [
        ['10.147.17.0', 24, null, 0],
        ['0.0.0.0', 0, '10.147.17.1', 5],
      ],
    );
    assert.deepEqual(
      ev.map(([e]) => e),
      ['name', 'addresses', 'routes', 'status'],
    );
    // Same config again: nothing changes, nothing is emitted.
    ev.length = 0;
    p.applyConfig(c);
    assert.equal(ev.length, 0);
    // One address removed, MTU changed.
    p.update({ addresses: c.staticIps.slice(1), mtu: 1400 });
    assert.deepEqual(
      ev.map(([e]) => e),
      ['mtu', 'addresses'],
    );
    assert.equal(p.mtu, 1400);
    const statuses: NetworkStatus[] = [];
    p.on('status', (s) => statuses.push(s));
    p.update({ status: 'ACCESS_DENIED' });
    p.update({ status: 'ACCESS_DENIED' });
    assert.deepEqual(statuses, ['ACCESS_DENIED']);
    assert.throws(
      () => p.update({ addresses: [{ family: 4, ip: new Uint8Array(4), port: 33 }] }),
      RangeError,
    );
  });
});

describe('EthernetPort: multicast groups', () => {
  it('subscribe / unsubscribe / set: sorted, deduplicated, one event per real change', () => {
    const p = new EthernetPort({ networkId: NWID, mac: 1 });
    const changes: Array<[number, number, number]> = [];
    p.on('multicast', (c) => changes.push([c.groups.length, c.added.length, c.removed.length]));
    p.subscribe({ mac: 0xffffffffffff, adi: 0x0a93110b });
    p.subscribe({ mac: 0x01005e000001, adi: 0 });
    p.subscribe({ mac: 0x01005e000001, adi: 0 });
    assert.deepEqual(p.multicastGroups, [
      { mac: 0x01005e000001, adi: 0 },
      { mac: 0xffffffffffff, adi: 0x0a93110b },
    ]);
    p.unsubscribe({ mac: 0x01005e000001, adi: 0 });
    p.setMulticastGroups([{ mac: 0x3333ff000001, adi: 0 }]);
    assert.deepEqual(changes, [
      [1, 1, 0],
      [2, 1, 0],
      [1, 0, 1],
      [1, 1, 1],
    ]);
    assert.throws(() => p.subscribe({ mac: -1, adi: 0 }), RangeError);
  });
});

describe('EthernetPort + Stack: two stacks talk through two ports', () => {
  it('ARP, ICMP echo and UDP over back-to-back ports, addresses from the config', () => {
    let now = 0;
    const pa = new EthernetPort({ networkId: NWID, mac: macForAddress(A, NWID) });
    const pb = new EthernetPort({ networkId: NWID, mac: macForAddress(B, NWID) });
    const wire: Array<[EthernetPort, Uint8Array]> = [];
    pa.setSender((f) => wire.push([pb, f]));
    pb.setSender((f) => wire.push([pa, f]));
    const sa = new Stack({ mac: pa.mac, onFrame: (f) => pa.send(f) });
    const sb = new Stack({ mac: pb.mac, onFrame: (f) => pb.send(f) });
    bindStack(pa, sa, () => now);
    const unbindB = bindStack(pb, sb, () => now);
    const route = [{ target: v4('10.147.17.0', 24), via: null, flags: 0, metric: 0 }];
    pa.update({ addresses: [v4('10.147.17.1', 24)], routes: route });
    pb.update({ addresses: [v4('10.147.17.2', 24)], routes: route });
    assert.ok(sb.addresses().some((a) => a.address === '10.147.17.2'));
    // The stack's groups reach the port: the ARP group of its IPv4 (§1.4) and IPv6 solicited-node groups.
    assert.ok(pb.multicastGroups.some((g) => g.mac === 0xffffffffffff && g.adi === 0x0a931102));
    assert.ok(pb.multicastGroups.some((g) => Math.floor(g.mac / 0x1000000) === 0x3333ff && g.adi === 0));
    const pump = () => {
      for (let i = 0; i < 100 && wire.length > 0; i++) {
        const [to, f] = wire.shift() as [EthernetPort, Uint8Array];
        to.deliver(f);
      }
      now += 1;
      sa.poll(now);
      sb.poll(now);
    };
    const replies: number[] = [];
    sa.onEchoReply = (_src, _id, seq) => replies.push(seq);
    sa.ping('10.147.17.2', 7, 1);
    for (let i = 0; i < 10; i++) pump();
    assert.deepEqual(replies, [1]);
    const rx: string[] = [];
    const ub = sb.udp.open(4);
    ub.bind(undefined, 5555);
    ub.onMessage = (d) => rx.push(Buffer.from(d).toString());
    sa.udp.open(4).send(Buffer.from('hello'), parseIp('10.147.17.2') as Uint8Array, 5555);
    for (let i = 0; i < 5; i++) pump();
    assert.deepEqual(rx, ['hello']);
    assert.ok(pa.counters.txFrames >= 3 && pb.counters.rxFrames >= 3);
    // Address removal reaches the stack; unbinding stops delivery into it.
    pb.update({ addresses: [] });
    assert.ok(!sb.addresses().some((a) => a.address === '10.147.17.2'));
    assert.ok(!pb.multicastGroups.some((g) => g.adi === 0x0a931102));
    unbindB();
    assert.equal(pb.deliver(new Uint8Array(60)), false);
  });
});
