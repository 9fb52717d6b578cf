import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Stack } from './stack.ts';
import { udpErrno } from './udp.ts';
import { formatIp, parseIp } from './wire/ip-address.ts';

const ip = (s: string) => parseIp(s)!;

/** Three stacks on one in-memory segment (broadcast and multicast reach everyone). */
function lan() {
  const stacks: Stack[] = [];
  const wire: Array<{ from: number; frame: Uint8Array }> = [];
  for (let i = 1; i <= 3; i++) {
    const idx = i - 1;
    stacks.push(
      new Stack({
        mac: new Uint8Array([2, 0, 0, 0, 0, i]),
        addresses: [
          { address: `10.1.0.${i}`, prefixLength: 24 },
          { address: `fd01::${i}`, prefixLength: 64 },
        ],
        onFrame: (frame) => wire.push({ from: idx, frame }),
      }),
    );
  }
  const run = () => {
    for (let g = 0; g < 10000 && wire.length; g++) {
      const { from, frame } = wire.shift()!;
      stacks.forEach((s, i) => {
        if (i !== from) s.receiveFrame(frame, 0);
      });
    }
  };
  run();
  return { stacks, run };
}

describe('UDP endpoints', () => {
  it('bind: conflicts, wildcard vs specific, ephemeral ports, bad address', () => {
    const { stacks } = lan();
    const u = stacks[0].udp;
    const a = u.open(4);
    assert.equal(a.bind(undefined, 53), true);
    assert.equal(u.open(4).bind(ip('10.1.0.1'), 53), 'address-in-use');
    assert.equal(u.open(6).bind(undefined, 53), 'address-in-use', 'a dual-stack [::]:53 needs the IPv4 side');
    const v6only = u.open(6);
    v6only.ipv6Only = true;
    assert.equal(v6only.bind(undefined, 53), true, 'an IPv6-only socket does not');
    assert.equal(a.bind(undefined, 54), 'already-bound');
    assert.equal(u.open(4).bind(ip('10.9.9.9'), 1), 'address-not-available');
    const e = u.open(4);
    assert.equal(e.bind(), true);
    assert.ok(e.localPort >= 49152 && e.localPort <= 65535);
    a.close();
    assert.equal(u.open(4).bind(ip('10.1.0.1'), 53), true, 'port free again after close');
    assert.throws(() => u.open(4).bind(ip('fd01::1'), 5), TypeError);
    assert.throws(() => u.open(4).bind(undefined, 70000), RangeError);
  });

  it('a connected socket only receives from its peer; the 4-tuple match wins', () => {
    const { stacks, run } = lan();
    const [s1, s2, s3] = stacks;
    const wild = s1.udp.open(4);
    wild.bind(undefined, 4000);
    const got: string[] = [];
    wild.onMessage = (_d, i) => got.push(`wild<-${formatIp(i.address)}`);
    const from2 = s2.udp.open(4);
    from2.bind(undefined, 4001);
    const from3 = s3.udp.open(4);
    from3.bind(undefined, 4001);
    // Linux-like: a second socket on the port needs a distinct local address; bind to 10.1.0.1.
    const conn = s1.udp.open(4);
    assert.equal(conn.bind(ip('10.1.0.1'), 4000), 'address-in-use');
    wild.close();
    const c2 = s1.udp.open(4);
    c2.bind(undefined, 4000);
    c2.connect(ip('10.1.0.2'), 4001);
    c2.onMessage = (_d, i) => got.push(`conn<-${formatIp(i.address)}`);
    from2.send(new Uint8Array([1]), ip('10.1.0.1'), 4000);
    from3.send(new Uint8Array([1]), ip('10.1.0.1'), 4000);
    run();
    assert.deepEqual(got, ['conn<-10.1.0.2']);
    assert.equal(s1.counters().udp.dropped['no-socket'], 1);
  });

  it('broadcast needs SO_BROADCAST and reaches every stack bound to the port', () => {
    const { stacks, run } = lan();
    const [s1, s2, s3] = stacks;
    const got: string[] = [];
    for (const s of [s2, s3]) {
      const r = s.udp.open(4);
      r.bind(undefined, 6000);
      r.onMessage = (d, i) => got.push(`${formatIp(i.localAddress)} ${Buffer.from(d)}`);
    }
    const tx = s1.udp.open(4);
    assert.equal(tx.send(Buffer.from('b'), ip('255.255.255.255'), 6000), 'broadcast-not-enabled');
    assert.equal(tx.send(Buffer.from('b'), ip('10.1.0.255'), 6000), 'broadcast-not-enabled');
    tx.broadcast = true;
    assert.equal(tx.send(Buffer.from('b'), ip('255.255.255.255'), 6000), true);
    assert.equal(tx.send(Buffer.from('d'), ip('10.1.0.255'), 6000), true);
    run();
    assert.deepEqual(got.sort(), ['10.1.0.255 d', '10.1.0.255 d', '255.255.255.255 b', '255.255.255.255 b']);
  });

  for (const [fam, group] of [
    [4, '239.1.2.3'],
    [6, 'ff15::1234'],
  ] as const) {
    it(`IPv${fam} multicast: only members receive; leaving stops delivery`, () => {
      const { stacks, run } = lan();
      const [s1, s2, s3] = stacks;
      const got: string[] = [];
      const m2 = s2.udp.open(fam);
      m2.bind(undefined, 7000);
      m2.onMessage = (d) => got.push(`s2 ${Buffer.from(d)}`);
      m2.addMembership(ip(group));
      const m3 = s3.udp.open(fam);
      m3.bind(undefined, 7000);
      m3.onMessage = (d) => got.push(`s3 ${Buffer.from(d)}`);
      const tx = s1.udp.open(fam);
      assert.equal(tx.send(Buffer.from('one'), ip(group), 7000), true);
      run();
      assert.deepEqual(got, ['s2 one']);
      assert.ok(s3.counters().ethernet.dropped['not-subscribed'] >= 1);
      // Multicast loopback: a member socket on the sending stack gets its own copy (IP_MULTICAST_LOOP).
      const local: string[] = [];
      const m1 = s1.udp.open(fam);
      m1.bind(undefined, 7000);
      m1.addMembership(ip(group));
      m1.onMessage = (d) => local.push(Buffer.from(d).toString());
      tx.send(Buffer.from('loop'), ip(group), 7000);
      tx.multicastLoopback = false;
      tx.send(Buffer.from('noloop'), ip(group), 7000);
      s1.poll(0);
      run();
      assert.deepEqual(local, ['loop']);
      assert.deepEqual(got, ['s2 one', 's2 loop', 's2 noloop']);
      m1.close();
      m2.dropMembership(ip(group));
      tx.send(Buffer.from('two'), ip(group), 7000);
      run();
      assert.deepEqual(got, ['s2 one', 's2 loop', 's2 noloop']);
      assert.throws(() => m2.addMembership(ip(fam === 4 ? '10.0.0.1' : 'fd00::1')), TypeError);
    });
  }

  it('dual stack: an IPv6 socket bound to :: carries IPv4 as ::ffff:a.b.c.d (unless ipv6Only)', () => {
    const { stacks, run } = lan();
    const [s1, s2] = stacks;
    const rx = s2.udp.open(6);
    assert.equal(rx.bind(undefined, 8000), true);
    const got: string[] = [];
    rx.onMessage = (d, info) => {
      got.push(`${Buffer.from(d)} ${formatIp(info.address)}:${info.port} → ${formatIp(info.localAddress)}`);
      rx.send(Buffer.from('pong'), info.address, info.port); // reply to the mapped address: goes out as IPv4
    };
    const tx = s1.udp.open(4);
    const back: string[] = [];
    tx.onMessage = (d, info) => back.push(`${Buffer.from(d)} ${formatIp(info.address)}`);
    tx.send(Buffer.from('ping'), ip('10.1.0.2'), 8000);
    run();
    assert.deepEqual(got, [`ping ::ffff:10.1.0.1:${tx.localPort} → ::ffff:10.1.0.2`]);
    assert.deepEqual(back, ['pong 10.1.0.2']);
    // A native IPv4 socket on the same address wins a tie (Linux's scoring), once the port allows it.
    assert.equal(s2.udp.open(4).bind(undefined, 8000), 'address-in-use');
    // IPv6-only sockets neither receive IPv4 nor send to mapped addresses.
    const only = s2.udp.open(6);
    only.ipv6Only = true;
    only.bind(undefined, 8001);
    assert.equal(only.send(Buffer.from('x'), ip('::ffff:10.1.0.1'), 9), 'no-route');
    const seen: string[] = [];
    only.onMessage = (d) => seen.push(Buffer.from(d).toString());
    tx.send(Buffer.from('v4'), ip('10.1.0.2'), 8001);
    run();
    assert.deepEqual(seen, []);
    assert.equal(s2.counters().udp.dropped['no-socket'], 1);
    // Binding to a mapped local address takes only that IPv4 address.
    const m = s2.udp.open(6);
    assert.equal(m.bind(ip('::ffff:10.1.0.2'), 8002), true);
    assert.equal(s2.udp.open(6).bind(ip('::ffff:10.9.9.9'), 8003), 'address-not-available');
  });

  it('dual stack: a connected IPv6 socket hears ICMP port unreachable from an IPv4 peer', () => {
    const { stacks, run } = lan();
    const s = stacks[0].udp.open(6);
    const errs: string[] = [];
    s.onError = (k) => errs.push(k);
    s.connect(ip('::ffff:10.1.0.2'), 9);
    assert.equal(s.send(Buffer.from('x')), true);
    run();
    assert.deepEqual(errs, ['port-unreachable']);
  });

  it('send errors: closed, no destination, no route, too big', () => {
    const { stacks } = lan();
    const s = stacks[0].udp.open(4);
    assert.equal(s.send(new Uint8Array(1)), 'no-destination');
    assert.equal(s.send(new Uint8Array(1), ip('192.0.2.1'), 9), 'no-route');
    assert.equal(s.send(new Uint8Array(65508), ip('10.1.0.2'), 9), 'too-big');
    assert.equal(s.send(new Uint8Array(65507), ip('10.1.0.2'), 9), true);
    s.close();
    assert.equal(s.send(new Uint8Array(1), ip('10.1.0.2'), 9), 'closed');
  });

  it('maps failures and ICMP errors to the errno a socket API reports (as Linux does)', () => {
    assert.equal(udpErrno('port-unreachable'), 'ECONNREFUSED');
    assert.equal(udpErrno('address-in-use'), 'EADDRINUSE');
    assert.equal(udpErrno('too-big'), 'EMSGSIZE');
    assert.equal(udpErrno('no-route'), 'ENETUNREACH');
    assert.equal(udpErrno('host-unreachable'), 'EHOSTUNREACH');
    assert.equal(udpErrno('broadcast-not-enabled'), 'EACCES');
  });
});
