import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { toHex } from '../../util/bytes.ts';
import { Stack } from '../stack.ts';
import { parseArp } from '../wire/arp.ts';
import { formatMac } from '../wire/ethernet.ts';
import { parseIcmpv4 } from '../wire/icmpv4.ts';
import { parseIcmpv6 } from '../wire/icmpv6.ts';
import { formatIp, parseIp } from '../wire/ip-address.ts';
import { emitIpv4Header, parseIpv4 } from '../wire/ipv4.ts';
import { emitIpv6FragmentHeader, emitIpv6Header, parseIpv6 } from '../wire/ipv6.ts';
import { parseNeighborMessage } from '../wire/ndp.ts';
import { frame, frames } from '../wire/testdata/frames.ts';
import { emitUdp } from '../wire/udp.ts';

/** A stack standing where the captures' peer stood: 10.77.0.2 / fd00::2 at 02:00:00:00:00:02. */
function peerStack(extra: Array<{ address: string; prefixLength: number }> = []) {
  const s = new Stack({
    mac: new Uint8Array([2, 0, 0, 0, 0, 2]),
    addresses: [
      { address: '10.77.0.2', prefixLength: 24 },
      { address: 'fd00::2', prefixLength: 64 },
      ...extra,
    ],
  });
  const drain = () => {
    const out: Uint8Array[] = [];
    for (let f = s.pollTransmit(); f; f = s.pollTransmit()) out.push(f);
    return out;
  };
  return { s, drain };
}

const LINUX_MAC = '02:00:00:00:00:01';

describe('Interface', () => {
  it('announces addresses: gratuitous ARP and unsolicited NA', () => {
    const { drain } = peerStack();
    const out = drain();
    const garp = out.find((f) => f[12] === 0x08 && f[13] === 0x06)!;
    const a = parseArp(garp.subarray(14));
    assert.ok(a.ok);
    assert.equal(formatMac(garp.subarray(0, 6)), 'ff:ff:ff:ff:ff:ff');
    assert.deepEqual([formatIp(a.value.senderIp), formatIp(a.value.targetIp)], ['10.77.0.2', '10.77.0.2']);
    const nas = out.filter((f) => f[12] === 0x86 && f[54] === 136);
    assert.equal(nas.length, 2, 'link-local and fd00::2');
    assert.equal(formatMac(nas[0].subarray(0, 6)), '33:33:00:00:00:01');
  });

  it('answers a captured Linux ARP request with a reply Linux can use', () => {
    const { s, drain } = peerStack();
    drain();
    s.receiveFrame(frame('arp-request'), 0);
    const [reply] = drain();
    assert.equal(formatMac(reply.subarray(0, 6)), '3e:6f:4f:c8:50:97');
    const a = parseArp(reply.subarray(14));
    assert.ok(a.ok);
    assert.equal(a.value.operation, 2);
    assert.equal(formatMac(a.value.senderMac), '02:00:00:00:00:02');
    assert.equal(formatIp(a.value.senderIp), '10.77.0.2');
    assert.equal(formatIp(a.value.targetIp), '10.77.0.1');
    assert.equal(s.iface.arp.get(0x0a4d0001)?.state, 'reachable', 'the requester was learned');
  });

  it('answers a captured Linux echo request after resolving Linux by ARP', () => {
    const { s, drain } = peerStack();
    drain();
    const req = frame('icmpv4-echo');
    s.receiveFrame(req, 0);
    const [arp] = drain();
    const a = parseArp(arp.subarray(14));
    assert.ok(a.ok && a.value.operation === 1 && formatIp(a.value.targetIp) === '10.77.0.1');
    // Linux answers the ARP request.
    const rep = new Uint8Array(42);
    rep.set(arp.subarray(6, 12), 0);
    rep.set([2, 0, 0, 0, 0, 1, 8, 6, 0, 1, 8, 0, 6, 4, 0, 2, 2, 0, 0, 0, 0, 1, 10, 77, 0, 1], 6);
    rep.set(arp.subarray(6, 12), 32);
    rep.set([10, 77, 0, 2], 38);
    s.receiveFrame(rep, 1);
    const [echo] = drain();
    assert.equal(formatMac(echo.subarray(0, 6)), LINUX_MAC);
    const ip = parseIpv4(echo.subarray(14));
    assert.ok(ip.ok);
    const m = parseIcmpv4(echo.subarray(14 + 20));
    assert.ok(m.ok);
    assert.equal(m.value.type, 0);
    assert.equal(toHex(m.value.body), toHex(req.subarray(42)));
  });

  it('answers a captured NS for its address with a solicited NA (RFC 4861 §7.2.4)', () => {
    const { s, drain } = peerStack([{ address: 'fd00::3', prefixLength: 64 }]);
    drain();
    s.receiveFrame(frame('ns'), 0);
    const [na] = drain();
    assert.equal(formatMac(na.subarray(0, 6)), LINUX_MAC);
    const h = parseIpv6(na.subarray(14));
    assert.ok(h.ok);
    assert.deepEqual(
      [formatIp(h.value.src), formatIp(h.value.dst), h.value.hopLimit],
      ['fd00::3', 'fd00::1', 255],
    );
    const m = parseIcmpv6(na.subarray(54), h.value.src, h.value.dst);
    assert.ok(m.ok);
    assert.equal(m.value.type, 136);
    assert.equal(m.value.rest >>> 0, 0x60000000, 'solicited + override');
    const body = parseNeighborMessage(m.value.body, 2);
    assert.ok(body.ok);
    assert.equal(formatMac(body.value.lladdr!), '02:00:00:00:00:02');
    assert.equal(s.iface.ndp.get(toHex(parseIp('fd00::1')!))?.state, 'reachable');
  });

  it('ignores NS with a hop limit other than 255 and NS for other targets', () => {
    const { s, drain } = peerStack();
    drain();
    s.receiveFrame(frame('ns'), 0); // fd00::3 is not ours: its solicited-node MAC is not even subscribed
    assert.deepEqual(drain(), []);
    assert.equal(s.counters().ethernet.dropped['not-subscribed'], 1);
    s.iface.joinGroup(parseIp('ff02::1:ff00:3')!);
    s.receiveFrame(frame('ns'), 0);
    assert.deepEqual(drain(), []);
    assert.equal(s.counters().ndp.dropped['not-our-target'], 1);
    const { s: s2, drain: d2 } = peerStack([{ address: 'fd00::3', prefixLength: 64 }]);
    d2();
    const ns = frame('ns').slice();
    ns[14 + 7] = 64;
    s2.receiveFrame(ns, 0);
    assert.deepEqual(d2(), []);
    assert.equal(s2.counters().ndp.dropped['bad-hop-limit'], 1);
  });

  it('defends its IPv4 address against a conflicting ARP at most once per 10 s (RFC 5227 §2.4)', () => {
    const { s, drain } = peerStack();
    drain();
    // Linux's captured request, rewritten so that its sender claims our address 10.77.0.2.
    const f = frame('arp-request').slice();
    f.set([10, 77, 0, 2], 14 + 14);
    f.set([10, 77, 0, 9], 14 + 24);
    s.receiveFrame(f, 0);
    const [garp] = drain();
    const a = parseArp(garp.subarray(14));
    assert.ok(a.ok);
    assert.deepEqual([formatIp(a.value.senderIp), formatIp(a.value.targetIp)], ['10.77.0.2', '10.77.0.2']);
    assert.equal(formatMac(a.value.senderMac), '02:00:00:00:00:02');
    s.receiveFrame(f, 5000);
    assert.deepEqual(drain(), [], 'no second defence within 10 s');
    s.receiveFrame(f, 10_000);
    assert.equal(drain().length, 1);
    assert.equal(s.counters().arp.dropped['address-conflict'], 3);
    assert.equal(s.iface.arp.get(0x0a4d0002), undefined, 'the claim did not enter the cache');
  });

  it('filters frames by destination MAC', () => {
    const { s } = peerStack();
    const f = frame('icmpv4-echo').slice();
    f[5] = 9;
    s.receiveFrame(f, 0);
    f[0] = 0x01; // multicast not subscribed
    s.receiveFrame(f, 0);
    assert.deepEqual(s.counters().ethernet.dropped, { 'not-for-us': 1, 'not-subscribed': 1 });
  });

  it('reassembles the captured fragmented pings (IPv4 and IPv6) and counts them', () => {
    const { s } = peerStack();
    for (const f of frames('icmpv4-frag')) s.receiveFrame(f, 0);
    for (const f of frames('icmpv6-frag').reverse()) s.receiveFrame(f, 0);
    const c = s.counters();
    assert.equal(c.reassembly.out, 2);
    assert.equal(c.icmpv4.in, 1);
    assert.equal(c.icmpv6.in, 1);
  });

  it('refuses a fragment header nested inside a reassembled IPv6 packet (RFC 8200 §4.1)', () => {
    const { s } = peerStack();
    // An atomic fragment whose payload starts with another fragment header, itself atomic, then UDP.
    const src = parseIp('fd00::1')!;
    const dst = parseIp('fd00::2')!;
    const udp = emitUdp(1, 9, new Uint8Array(4), src, dst);
    const inner = new Uint8Array(8 + udp.length);
    emitIpv6FragmentHeader(17, 0, false, 2, inner, 0);
    inner.set(udp, 8);
    const f = new Uint8Array(14 + 40 + 8 + inner.length);
    f.set([2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x86, 0xdd]);
    emitIpv6Header({ payloadLen: 8 + inner.length, nextHeader: 44, src, dst }, f, 14);
    emitIpv6FragmentHeader(44, 0, false, 1, f, 54);
    f.set(inner, 62);
    s.receiveFrame(f, 0);
    assert.equal(s.counters().reassembly.dropped['nested-fragment'], 1);
    assert.equal(s.counters().udp.dropped['no-socket'] ?? 0, 0, 'never reached UDP');
  });

  it('a reassembly timeout sends ICMP Time Exceeded (code 1) when the first fragment came', () => {
    const { s, drain } = peerStack();
    s.iface.arp.update(0x0a4d0001, parseIp('10.77.0.1')!, new Uint8Array([2, 0, 0, 0, 0, 1]), 0, true);
    drain();
    s.receiveFrame(frames('icmpv4-frag')[0], 0);
    assert.equal(s.nextDeadline(), 30_000);
    s.poll(30_000);
    // (the neighbour entry went stale at the same moment, so a unicast ARP probe may come first)
    const [te] = drain().filter((f) => f[12] === 0x08 && f[13] === 0x00);
    const m = parseIcmpv4(te.subarray(34));
    assert.ok(m.ok);
    assert.deepEqual([m.value.type, m.value.code], [11, 1]);
    assert.equal(s.counters().reassembly.dropped.timeout, 1);
  });

  it('rate-limits ICMP errors (burst 50)', () => {
    const { s, drain } = peerStack();
    s.iface.arp.update(0x0a4d0001, parseIp('10.77.0.1')!, new Uint8Array([2, 0, 0, 0, 0, 1]), 0, true);
    drain();
    const src = parseIp('10.77.0.1')!;
    const dst = parseIp('10.77.0.2')!;
    const udp = emitUdp(5000, 9, new Uint8Array(4), src, dst);
    const f = new Uint8Array(14 + 20 + udp.length);
    f.set([2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 8, 0]);
    emitIpv4Header({ totalLen: 20 + udp.length, ident: 1, protocol: 17, src, dst }, f, 14);
    f.set(udp, 34);
    for (let i = 0; i < 200; i++) s.receiveFrame(f, 0);
    assert.equal(drain().length, 50);
    assert.equal(s.counters().icmpv4.dropped['rate-limited'], 150);
    s.receiveFrame(f, 1000);
    assert.equal(drain().length, 1, 'tokens refill with time');
  });

  it('lists multicast subscriptions for the ZeroTier link (protocol.md §1.4)', () => {
    const { s } = peerStack();
    const subs = s.multicastSubscriptions().map((x) => `${formatMac(x.mac)}/${x.adi.toString(16)}`);
    assert.ok(subs.includes('ff:ff:ff:ff:ff:ff/a4d0002'), 'ARP broadcast with ADI = our IPv4');
    assert.ok(subs.includes('33:33:ff:00:00:02/0'), 'solicited-node of fd00::2');
    assert.ok(subs.includes('33:33:00:00:00:01/0'), 'all-nodes');
    s.addAddress('fd00::ab:cdef', 64);
    const has = () => s.multicastSubscriptions().some((x) => formatMac(x.mac) === '33:33:ff:ab:cd:ef');
    assert.ok(has());
    s.removeAddress('fd00::ab:cdef');
    assert.ok(!has());
    s.removeAddress('fd00::2');
    assert.ok(
      has() === false && subs.includes('33:33:ff:00:00:02/0'),
      'fe80::ff:fe00:2 still needs ff02::1:ff00:2',
    );
    assert.ok(s.multicastSubscriptions().some((x) => formatMac(x.mac) === '33:33:ff:00:00:02'));
  });

  it('fuzz: random and mutated frames never throw', () => {
    const { s, drain } = peerStack([{ address: 'fd00::3', prefixLength: 64 }]);
    const seeds = [
      'icmpv4-echo',
      'icmpv6-echo',
      'udp4',
      'udp6',
      'icmpv4-frag',
      'icmpv6-frag',
      'ns',
      'icmpv4-port-unreachable',
      'arp-request',
    ].flatMap((n) => frames(n));
    let now = 0;
    fc.assert(
      fc.property(
        fc.nat(seeds.length - 1),
        fc.array(fc.record({ at: fc.nat(4000), v: fc.nat(255) }), { maxLength: 8 }),
        fc.nat(200),
        fc.uint8Array({ maxLength: 100 }),
        (i, muts, cut, junk) => {
          const f = seeds[i].slice();
          for (const m of muts) if (m.at < f.length) f[m.at] = m.v;
          now += 10;
          s.receiveFrame(f.subarray(0, Math.max(0, f.length - cut)), now);
          s.receiveFrame(junk, now);
          s.poll(now);
          drain();
        },
      ),
      { numRuns: 2000 },
    );
  });
});
