import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { toHex } from '../util/bytes.ts';
import { Stack } from './stack.ts';
import type { IpAddress, TransportProtocol } from './types.ts';
import { emitIcmpv4 } from './wire/icmpv4.ts';
import { emitIcmpv6 } from './wire/icmpv6.ts';
import { formatIp, parseIp } from './wire/ip-address.ts';
import { emitIpv4Header } from './wire/ipv4.ts';
import { emitIpv6Header } from './wire/ipv6.ts';
import { emitUdp } from './wire/udp.ts';

/** Two stacks joined by an in-memory Ethernet segment; frames are delivered by `run()`, not re-entrantly. */
function pair(opts: { v4?: boolean; mtu?: number } = {}) {
  const wire: Array<{ to: 'a' | 'b'; frame: Uint8Array }> = [];
  const a = new Stack({
    mac: new Uint8Array([2, 0, 0, 0, 0, 1]),
    mtu: opts.mtu,
    addresses: [
      { address: '10.0.0.1', prefixLength: 24 },
      { address: 'fd00::1', prefixLength: 64 },
    ],
    onFrame: (frame) => wire.push({ to: 'b', frame }),
  });
  const b = new Stack({
    mac: new Uint8Array([2, 0, 0, 0, 0, 2]),
    mtu: opts.mtu,
    addresses: [
      { address: '10.0.0.2', prefixLength: 24 },
      { address: 'fd00::2', prefixLength: 64 },
    ],
    onFrame: (frame) => wire.push({ to: 'a', frame }),
  });
  let now = 0;
  const run = (ms = 0) => {
    const until = now + ms;
    for (let guard = 0; guard < 100000; guard++) {
      if (wire.length) {
        const { to, frame } = wire.shift()!;
        (to === 'a' ? a : b).receiveFrame(frame, now);
        continue;
      }
      const d = Math.min(a.nextDeadline(), b.nextDeadline());
      if (d > until) break;
      now = Math.max(now, d);
      a.poll(now);
      b.poll(now);
    }
    now = Math.max(now, until);
  };
  return { a, b, wire, run, time: () => now };
}

const ip = (s: string): IpAddress => parseIp(s)!;

describe('Stack: two stacks over an in-memory link', () => {
  it('ping over IPv4 resolves ARP first, then gets the reply', () => {
    const { a, b, run } = pair();
    const replies: string[] = [];
    a.onEchoReply = (src, id, seq, data) =>
      replies.push(`${formatIp(src)} ${id} ${seq} ${Buffer.from(data)}`);
    assert.equal(a.ping('10.0.0.2', 7, 1, Buffer.from('hi')), true);
    run();
    assert.deepEqual(replies, ['10.0.0.2 7 1 hi']);
    assert.equal(a.counters().arp.out >= 1, true);
    assert.equal(b.counters().icmpv4.out, 1);
  });

  it('ping over IPv6 resolves with NDP', () => {
    const { a, b, run } = pair();
    const replies: string[] = [];
    a.onEchoReply = (src, id, seq) => replies.push(`${formatIp(src)} ${id} ${seq}`);
    a.ping('fd00::2', 9, 3);
    run();
    assert.deepEqual(replies, ['fd00::2 9 3']);
    assert.equal(b.counters().ndp.in >= 1, true);
  });

  it('ping to the link-local address of the peer', () => {
    const { a, b, run } = pair();
    const ll = b.addresses().find((x) => x.address.startsWith('fe80'))!.address;
    const replies: string[] = [];
    a.onEchoReply = (src) => replies.push(formatIp(src));
    a.ping(ll, 1, 1);
    run();
    assert.deepEqual(replies, [ll]);
  });

  for (const fam of [4, 6] as const) {
    it(`UDP both ways over IPv${fam}, and port unreachable reaches a connected socket`, () => {
      const { a, b, run } = pair();
      const A = fam === 4 ? '10.0.0.1' : 'fd00::1';
      const B = fam === 4 ? '10.0.0.2' : 'fd00::2';
      const sb = b.udp.open(fam);
      assert.equal(sb.bind(undefined, 5000), true);
      const got: string[] = [];
      sb.onMessage = (d, info) => {
        got.push(`${Buffer.from(d)} from ${formatIp(info.address)}:${info.port}`);
        sb.send(Buffer.from(`echo ${Buffer.from(d)}`), info.address, info.port);
      };
      const sa = a.udp.open(fam);
      const back: string[] = [];
      sa.onMessage = (d) => back.push(Buffer.from(d).toString());
      assert.equal(sa.send(Buffer.from('ping'), ip(B), 5000), true);
      run();
      assert.deepEqual(got, [`ping from ${A}:${sa.localPort}`]);
      assert.deepEqual(back, ['echo ping']);
      const errs: string[] = [];
      const sc = a.udp.open(fam);
      sc.onError = (k) => errs.push(k);
      sc.connect(ip(B), 5001);
      sc.send(Buffer.from('x'));
      run();
      assert.deepEqual(errs, ['port-unreachable']);
    });
  }

  for (const fam of [4, 6] as const) {
    it(`a 9000-byte UDP datagram over IPv${fam} is fragmented and reassembled`, () => {
      const { a, b, run } = pair({ mtu: 1500 });
      const B = fam === 4 ? '10.0.0.2' : 'fd00::2';
      const sb = b.udp.open(fam);
      sb.bind(undefined, 6000);
      const got: Uint8Array[] = [];
      sb.onMessage = (d) => got.push(d);
      const data = new Uint8Array(9000).map((_, i) => (i * 7) & 0xff);
      a.udp.open(fam).send(data, ip(B), 6000);
      run();
      assert.equal(got.length, 1);
      assert.deepEqual(got[0], data);
      assert.equal(a.counters().fragmentation.out >= 7, true);
      assert.equal(b.counters().reassembly.out, 1);
    });
  }

  it('loopback: a stack reaches its own addresses without the link', () => {
    const { a, wire, run } = pair();
    const s1 = a.udp.open(4);
    s1.bind(undefined, 7000);
    const got: string[] = [];
    s1.onMessage = (d) => got.push(Buffer.from(d).toString());
    const before = wire.length;
    a.udp.open(4).send(Buffer.from('self'), ip('10.0.0.1'), 7000);
    assert.equal(wire.length, before);
    assert.ok(a.nextDeadline() <= 0);
    run();
    assert.deepEqual(got, ['self']);
    const replies: number[] = [];
    a.onEchoReply = (_s, _id, seq) => replies.push(seq);
    a.ping('fd00::1', 1, 42);
    run();
    assert.deepEqual(replies, [42]);
  });

  it('loopback addresses 127.0.0.1 and ::1 work inside the stack and are martians on the wire', () => {
    const { a, b, run } = pair();
    for (const [fam, lo] of [
      [4, '127.0.0.1'],
      [6, '::1'],
    ] as const) {
      const s = a.udp.open(fam);
      s.ipv6Only = true; // the IPv4 socket of the first round holds 5353 on the IPv4 side
      s.bind(undefined, 5353);
      const got: string[] = [];
      s.onMessage = (d, info) => got.push(`${Buffer.from(d)} ${formatIp(info.address)}`);
      assert.equal(a.udp.open(fam).send(Buffer.from('lo'), ip(lo), 5353), true);
      run();
      assert.deepEqual(got, [`lo ${lo}`]);
    }
    // A frame carrying 127.0.0.1 as its source, arriving from the link, is dropped.
    const s = b.udp.open(4);
    s.bind(undefined, 5353);
    let n = 0;
    s.onMessage = () => n++;
    const src = ip('127.0.0.1');
    const dst = ip('10.0.0.2');
    const udp = emitUdp(1, 5353, new Uint8Array(4), src, dst);
    const f = new Uint8Array(34 + udp.length);
    f.set([2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 8, 0]);
    emitIpv4Header({ totalLen: 20 + udp.length, ident: 1, protocol: 17, src, dst }, f, 14);
    f.set(udp, 34);
    b.receiveFrame(f, 0);
    assert.equal(n, 0);
    assert.equal(b.counters().ipv4.dropped['martian-loopback'], 1);
  });

  it('path MTU: Fragmentation Needed lowers maxPayload and the fragment size for 10 minutes (RFC 1191)', () => {
    const { a, wire, run } = pair();
    const s = a.udp.open(4);
    const errs: Array<string> = [];
    s.onError = (k) => errs.push(k);
    s.connect(ip('10.0.0.2'), 9999);
    s.send(new Uint8Array(100)); // resolves ARP; b answers port unreachable
    run();
    errs.length = 0;
    // A router says: next-hop MTU 1400 for our datagram to 10.0.0.2.
    const quote = new Uint8Array(28);
    emitIpv4Header(
      { totalLen: 128, ident: 5, protocol: 17, src: ip('10.0.0.1'), dst: ip('10.0.0.2') },
      quote,
      0,
    );
    quote.set([(s.localPort >> 8) & 0xff, s.localPort & 0xff, 0x27, 0x0f, 0, 108, 0, 0], 20);
    const icmp = emitIcmpv4(3, 4, 1400, quote);
    const f = new Uint8Array(34 + icmp.length);
    f.set([2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 9, 8, 0]);
    emitIpv4Header(
      { totalLen: 20 + icmp.length, ident: 1, protocol: 1, src: ip('10.0.0.254'), dst: ip('10.0.0.1') },
      f,
      14,
    );
    f.set(icmp, 34);
    a.receiveFrame(f, 1000);
    assert.deepEqual(errs, ['frag-needed']);
    // The same error quoting a non-first fragment is not the transport's business.
    const g = f.slice();
    g[34 + 8 + 6] = 0x00;
    g[34 + 8 + 7] = 0x10; // fragment offset 128 in the quoted header (the quote's checksum is not checked)
    const ck = emitIcmpv4(3, 4, 1400, g.subarray(34 + 8));
    g.set(ck, 34);
    a.receiveFrame(g, 1000);
    assert.deepEqual(errs, ['frag-needed']);
    assert.equal(a.counters().icmpv4.dropped['quote-non-first-fragment'], 1);
    assert.equal(a.ip.maxPayload(ip('10.0.0.2')), 1380);
    assert.equal(a.ip.maxPayload(ip('10.0.0.3')), 2780, 'other destinations keep the link MTU');
    wire.length = 0;
    a.udp.open(4).send(new Uint8Array(2000), ip('10.0.0.2'), 9);
    const sizes = wire.map((w) => w.frame.length - 14);
    assert.deepEqual(sizes, [1396, 20 + 2008 - 1376]);
    wire.length = 0;
    a.poll(1000 + 600_000);
    assert.equal(a.ip.maxPayload(ip('10.0.0.2')), 2780, 'expired after 10 minutes');
  });

  it('reports multicast subscription changes and accepts a new MTU', () => {
    const { a } = pair();
    let changes = 0;
    a.onMulticastChange = () => changes++;
    a.addAddress('10.0.0.9', 24);
    a.udp.open(4).addMembership(ip('239.0.0.9'));
    assert.equal(changes, 2);
    a.mtu = 1500;
    assert.equal(a.ip.maxPayload(ip('10.0.0.2')), 1480);
    assert.throws(() => {
      a.mtu = 1000;
    }, RangeError);
  });

  it('property: UDP over a reordering, duplicating, lossy link delivers only intact datagrams', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        fc.double({ min: 0, max: 0.2, noNaN: true }),
        fc.constantFrom(1280, 1500, 2800),
        (seed, loss, mtu) => {
          let x = seed;
          const rnd = () => {
            x = (Math.imul(x, 1103515245) + 12345) & 0x7fffffff;
            return x / 0x80000000;
          };
          const q: Array<{ to: () => Stack; frame: Uint8Array }> = [];
          let a: Stack;
          let b: Stack;
          const link = (to: () => Stack) => (frame: Uint8Array) => {
            if (rnd() < loss) return;
            q.push({ to, frame });
            if (rnd() < 0.1) q.push({ to, frame: frame.slice() }); // duplicate
          };
          a = new Stack({ mac: new Uint8Array([2, 0, 0, 0, 0, 1]), mtu, onFrame: link(() => b) });
          b = new Stack({ mac: new Uint8Array([2, 0, 0, 0, 0, 2]), mtu, onFrame: link(() => a) });
          a.addAddress('10.0.0.1', 24);
          a.addAddress('fd00::1', 64);
          b.addAddress('10.0.0.2', 24);
          b.addAddress('fd00::2', 64);
          const sent = new Map<string, Uint8Array>();
          const got: Uint8Array[] = [];
          for (const fam of [4, 6] as const) {
            const r = b.udp.open(fam);
            r.ipv6Only = true;
            assert.equal(r.bind(undefined, 9), true);
            r.onMessage = (d) => got.push(d);
          }
          let now = 0;
          const deliver = () => {
            for (let g = 0; g < 100000 && q.length; g++) {
              // Reorder: take a random one of the first few queued frames.
              const i = Math.floor(rnd() * Math.min(q.length, 4));
              const [{ to, frame }] = q.splice(i, 1);
              to().receiveFrame(frame, now);
            }
          };
          const tx4 = a.udp.open(4);
          const tx6 = a.udp.open(6);
          for (let k = 0; k < 40; k++) {
            const len = Math.floor(rnd() * 12000);
            const d = new Uint8Array(len + 4).map(() => Math.floor(rnd() * 256));
            d[0] = k;
            d[1] = len >> 8;
            sent.set(`${k}:${d.length}`, d);
            (k % 2 ? tx6 : tx4).send(d, ip(k % 2 ? 'fd00::2' : '10.0.0.2'), 9);
            deliver();
            now += 1500; // lets ARP/NDP retransmit after a lost probe
            a.poll(now);
            b.poll(now);
            deliver();
          }
          for (const d of got)
            assert.deepEqual(d, sent.get(`${d[0]}:${d.length}`), 'a delivered datagram is intact');
          if (loss === 0) assert.equal(new Set(got.map((d) => d[0])).size, 40);
          assert.ok(b.iface.reassembly4.bytesHeld + b.iface.reassembly6.bytesHeld <= 8 * 1024 * 1024);
        },
      ),
      { numRuns: 30 },
    );
  });

  it('setTime moves the clock used by API calls without running timers', () => {
    const { a } = pair();
    a.setTime(50_000);
    a.udp.open(4).send(new Uint8Array(1), ip('10.0.0.99'), 9); // unresolved: ARP probe timer from 50 s
    assert.equal(a.nextDeadline(), 51_000);
  });

  it('registerTransport dispatches protocol 6 and refuses built-ins', () => {
    const { a, b, run } = pair();
    const seen: string[] = [];
    const t: TransportProtocol = {
      receive: (src, dst, p) => seen.push(`${formatIp(src)}>${formatIp(dst)} ${p.length}`),
      icmpError: () => {},
      poll: () => {},
      nextDeadline: () => Number.POSITIVE_INFINITY,
    };
    b.registerTransport(6, t);
    assert.throws(() => b.registerTransport(17, t), TypeError);
    assert.throws(() => b.registerTransport(6, t), TypeError);
    assert.equal(
      a.ip.send(6, ip('10.0.0.1'), ip('10.0.0.2'), new Uint8Array(20), { dontFragment: true }),
      true,
    );
    run();
    assert.deepEqual(seen, ['10.0.0.1>10.0.0.2 20']);
    assert.equal(
      a.ip.send(6, ip('10.0.0.1'), ip('10.0.0.2'), new Uint8Array(5000), { dontFragment: true }),
      'too-big',
    );
    assert.equal(a.ip.maxPayload(ip('10.0.0.2')), 2780);
    assert.equal(a.ip.send(6, ip('10.0.0.1'), ip('192.168.1.1'), new Uint8Array(20)), 'no-route');
    assert.equal(
      a.ip.send(6, ip('10.0.0.7'), ip('10.0.0.2'), new Uint8Array(20)),
      'no-source',
      'not our address',
    );
    assert.equal(a.ip.send(6, ip('fd00::7'), ip('fd00::2'), new Uint8Array(20)), 'no-source');
    assert.equal(
      a.ip.send(6, ip('fd00::1'), ip('10.0.0.2'), new Uint8Array(20)),
      'no-source',
      'mixed families',
    );
  });

  it('protocol unreachable for an unknown protocol reaches the sender transport', () => {
    const { a, run } = pair();
    const errs: string[] = [];
    a.registerTransport(99, {
      receive: () => {},
      icmpError: (kind, src, dst, quoted) =>
        errs.push(`${kind} ${formatIp(src)}>${formatIp(dst)} ${quoted.length}`),
      poll: () => {},
      nextDeadline: () => Number.POSITIVE_INFINITY,
    });
    a.ip.send(99, ip('10.0.0.1'), ip('10.0.0.2'), new Uint8Array(16));
    run();
    assert.deepEqual(errs, ['protocol-unreachable 10.0.0.1>10.0.0.2 16']);
  });

  it('routes through a gateway: the next hop is resolved, not the destination', () => {
    const { a, b, run } = pair();
    b.addAddress('192.168.5.5', 32);
    a.addRoute('192.168.5.0', 24, '10.0.0.2');
    const replies: string[] = [];
    a.onEchoReply = (src) => replies.push(formatIp(src));
    a.ping('192.168.5.5', 1, 1);
    run();
    assert.deepEqual(replies, ['192.168.5.5']);
    assert.equal(a.iface.arp.get(0x0a000002)?.state, 'reachable');
  });

  it('ICMP Redirect from our gateway installs a host route; others are ignored (RFC 1122 §3.2.2.2)', () => {
    const { a } = pair();
    a.addRoute('192.168.5.0', 24, '10.0.0.2');
    const redirect = (from: string, gw: string, dst = '192.168.5.5') => {
      const quote = new Uint8Array(28);
      emitIpv4Header({ totalLen: 28, ident: 1, protocol: 17, src: ip('10.0.0.1'), dst: ip(dst) }, quote, 0);
      const g = ip(gw);
      const icmp = emitIcmpv4(5, 1, ((g[0] << 24) | (g[1] << 16) | (g[2] << 8) | g[3]) >>> 0, quote);
      const f = new Uint8Array(34 + icmp.length);
      f.set([2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 8, 0]);
      emitIpv4Header(
        { totalLen: 20 + icmp.length, ident: 2, protocol: 1, src: ip(from), dst: ip('10.0.0.1') },
        f,
        14,
      );
      f.set(icmp, 34);
      a.receiveFrame(f, 0);
    };
    const hop = () => formatIp(a.iface.table.nextHop(ip('192.168.5.5'))!);
    redirect('10.0.0.4', '10.0.0.3');
    assert.equal(hop(), '10.0.0.2', 'not from the gateway in use');
    redirect('10.0.0.2', '172.16.0.1');
    assert.equal(hop(), '10.0.0.2', 'new gateway not on our link');
    redirect('10.0.0.2', '10.0.0.3');
    assert.equal(hop(), '10.0.0.3');
    assert.equal(formatIp(a.iface.table.nextHop(ip('192.168.5.6'))!), '10.0.0.2', 'a host redirect only');
    assert.deepEqual(a.counters().icmpv4.dropped, {
      'redirect-not-from-gateway': 1,
      'redirect-bad-gateway': 1,
    });
    a.addRoute('192.168.6.0', 24, '10.0.0.2');
    assert.equal(hop(), '10.0.0.2', 'route changes clear redirects');
  });

  it('NDP Redirect from our router installs a host route with the target link-layer address', () => {
    const { a } = pair();
    const router = 'fe80::2';
    a.addRoute('2001:db8::', 32, router);
    const dest = ip('2001:db8::99');
    const target = ip('fe80::3');
    const body = new Uint8Array(32 + 8);
    body.set(target, 0);
    body.set(dest, 16);
    body.set([2, 1, 2, 0, 0, 0, 0, 3], 32); // target link-layer address option
    const src = ip(router);
    const dst = a.addresses().find((x) => x.address.startsWith('fe80'))!.address;
    const icmp = emitIcmpv6(137, 0, 0, body, src, ip(dst));
    const f = new Uint8Array(54 + icmp.length);
    f.set([2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0x86, 0xdd]);
    emitIpv6Header({ payloadLen: icmp.length, nextHeader: 58, src, dst: ip(dst), hopLimit: 255 }, f, 14);
    f.set(icmp, 54);
    a.receiveFrame(f, 0);
    assert.equal(formatIp(a.iface.table.nextHop(dest)!), 'fe80::3');
    assert.equal(a.iface.ndp.get(toHex(target))?.state, 'reachable');
  });

  it('unresolvable neighbour: probes 3 times then reports host-unreachable to the transport', () => {
    const { a, run } = pair();
    const errs: string[] = [];
    const s = a.udp.open(4);
    s.onError = (k) => errs.push(k);
    s.connect(ip('10.0.0.77'), 9);
    const before = a.counters().arp.out;
    s.send(new Uint8Array(4));
    run(10_000);
    const probes = a.counters().arp.out - before;
    assert.equal(probes, 3);
    assert.deepEqual(errs, ['host-unreachable']);
    assert.equal(a.counters().arp.dropped.unresolved, 1);
  });
});
