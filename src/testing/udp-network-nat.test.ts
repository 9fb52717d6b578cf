import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { UdpAddress } from './udp-binding.ts';
import { type NatOptions, type SimUdpSocket, UdpNetwork } from './udp-network.ts';

function collect(sock: SimUdpSocket): UdpAddress[] {
  const from: UdpAddress[] = [];
  sock.onMessage = (_d, f) => from.push(f);
  return from;
}

/** A public server with two addresses (two "remotes") and a host behind a NAT of `type`. */
function natSetup(type: NatOptions['type'], extra: Partial<NatOptions> = {}) {
  const net = new UdpNetwork({ seed: 2 });
  const nat = net.addNat('nat', { type, publicIp: '203.0.113.7', ...extra });
  const srv = net.addHost('srv', { addresses: ['192.0.2.1', '192.0.2.2'] });
  const inside = net.addHost('in', { addresses: ['10.0.0.2', '2001:db8:1::2'], behind: nat });
  const s1 = srv.bind({ port: 9993, address: '192.0.2.1' });
  const s1b = srv.bind({ port: 4444, address: '192.0.2.1' });
  const s2 = srv.bind({ port: 9993, address: '192.0.2.2' });
  const h = inside.bind(9993);
  return { net, nat, s1, s1b, s2, h, seen1: collect(s1), seen2: collect(s2), back: collect(h) };
}

test('outbound source is rewritten to the public address; mapping per type', () => {
  for (const type of ['full-cone', 'address-restricted', 'port-restricted', 'symmetric'] as const) {
    const { net, h, seen1, seen2 } = natSetup(type);
    h.send(new Uint8Array(1), { ip: '192.0.2.1', port: 9993 });
    h.send(new Uint8Array(1), { ip: '192.0.2.2', port: 9993 });
    net.run(1);
    assert.equal(seen1[0].ip, '203.0.113.7');
    assert.equal(seen2[0].ip, '203.0.113.7');
    if (type === 'symmetric') assert.notEqual(seen1[0].port, seen2[0].port);
    else assert.equal(seen1[0].port, 9993, `${type} preserves the port by default`);
    if (type !== 'symmetric') assert.equal(seen1[0].port, seen2[0].port);
  }
});

test('inbound filtering per type, counted as nat-filter', () => {
  const expected = {
    // [reply from s1, from s1's other port, from s2 (never contacted)]
    'full-cone': [1, 1, 1],
    'address-restricted': [1, 1, 0],
    'port-restricted': [1, 0, 0],
    symmetric: [1, 0, 0],
  } as const;
  for (const type of Object.keys(expected) as (keyof typeof expected)[]) {
    const { net, h, s1, s1b, s2, seen1, back } = natSetup(type);
    h.send(new Uint8Array(1), { ip: '192.0.2.1', port: 9993 });
    net.run(1);
    const pub = seen1[0];
    const counts: number[] = [];
    for (const s of [s1, s1b, s2]) {
      const before = back.length;
      s.send(new Uint8Array(1), pub);
      net.run(net.clock.now() + 1);
      counts.push(back.length - before);
    }
    assert.deepEqual(counts, expected[type], type);
    assert.deepEqual(back[0], { ip: '192.0.2.1', port: 9993 }, 'the inside host sees the real remote');
    assert.equal(net.stats.dropped['nat-filter'], 3 - counts.reduce((x, y) => x + y), type);
  }
});

test('unsolicited inbound and expired mappings are filtered', () => {
  const { net, h, s1, seen1, back } = natSetup('full-cone', { mappingTimeoutMs: 30_000 });
  s1.send(new Uint8Array(1), { ip: '203.0.113.7', port: 9993 });
  net.run(1);
  assert.equal(back.length, 0);
  h.send(new Uint8Array(1), { ip: '192.0.2.1', port: 9993 });
  net.run(2);
  s1.send(new Uint8Array(1), seen1[0]);
  net.run(29_000);
  assert.equal(back.length, 1);
  net.run(31_000);
  s1.send(new Uint8Array(1), seen1[0]);
  net.run(31_001);
  assert.equal(back.length, 1);
  assert.equal(net.stats.dropped['nat-filter'], 2);
});

test('the mapping decision is made on arrival: a reply racing a late-opened mapping', () => {
  // The server sends first (would be filtered), but it is slow; the host opens the mapping
  // before the datagram reaches the NAT, so it gets in — what simultaneous open relies on.
  const { net, h, s1, back } = natSetup('port-restricted');
  net.setLink('srv', 'in', { delayMs: 50 });
  s1.send(new Uint8Array([1]), { ip: '203.0.113.7', port: 9993 });
  net.advance(10);
  h.send(new Uint8Array([2]), { ip: '192.0.2.1', port: 9993 });
  net.run(200);
  assert.equal(back.length, 1);
});

test('LAN neighbours talk directly; hairpinning only when enabled', () => {
  for (const hairpin of [false, true]) {
    const net = new UdpNetwork();
    const nat = net.addNat('nat', { type: 'port-restricted', publicIp: '203.0.113.7', hairpin });
    const a = net.addHost('a', { addresses: ['10.0.0.2'], behind: nat });
    const b = net.addHost('b', { addresses: ['10.0.0.3'], behind: nat });
    const sa = a.bind(9993);
    const sb = b.bind(9994);
    const atB = collect(sb);
    sa.send(new Uint8Array(1), { ip: '10.0.0.3', port: 9994 });
    net.run(1);
    assert.deepEqual(atB[0], { ip: '10.0.0.2', port: 9993 }, 'LAN traffic is not translated');
    assert.equal(nat.table.mappings(1).length, 0);
    // b opens a mapping, then a tries b's public endpoint.
    sb.send(new Uint8Array(1), { ip: '198.51.100.1', port: 1 }); // no-route, but the NAT maps it
    const pub = nat.table.mappings(1)[0];
    sb.send(new Uint8Array(1), { ip: '203.0.113.7', port: 9993 }); // permit a's public endpoint
    net.run(2);
    sa.send(new Uint8Array(1), { ip: '203.0.113.7', port: pub.publicPort });
    net.run(3);
    assert.equal(atB.length, hairpin ? 2 : 1, `hairpin=${hairpin}`);
    if (hairpin) assert.deepEqual(atB[1], { ip: '203.0.113.7', port: 9993 });
  }
});

test('dual stack: the NAT translates IPv4 only; IPv6 reaches the host directly', () => {
  const { net, s1, back } = natSetup('symmetric');
  const srv6 = net.addHost('srv6', { addresses: ['2001:db8:2::1'] });
  const s6 = srv6.bind(9993);
  s6.send(new Uint8Array(1), { ip: '2001:db8:1::2', port: 9993 });
  s1.send(new Uint8Array(1), { ip: '10.0.0.2', port: 9993 }); // private address: unroutable
  net.run(1);
  assert.deepEqual(back, [{ ip: '2001:db8:2::1', port: 9993 }]);
  assert.equal(net.stats.dropped['no-route'], 1);
  assert.equal(net.host('in').publicIp(4), '203.0.113.7');
  assert.equal(net.host('in').publicIp(6), '2001:db8:1::2');
});

test('TTL counts routers: a TTL-2 punch opens the local NAT but dies before the far one', () => {
  const net = new UdpNetwork();
  const na = net.addNat('na', { type: 'port-restricted', publicIp: '203.0.113.1' });
  const nb = net.addNat('nb', { type: 'port-restricted', publicIp: '203.0.113.2' });
  const a = net.addHost('a', { addresses: ['10.0.0.2'], behind: na }).bind(9993);
  const b = net.addHost('b', { addresses: ['10.0.1.2'], behind: nb }).bind(9993);
  const pubA = net.addHost('pa', { addresses: ['192.0.2.1'] }).bind(9993);
  const pubB = net.addHost('pb', { addresses: ['192.0.2.2'] }).bind(9993);
  const atB = collect(b);
  const atPubB = collect(pubB);
  pubA.send(new Uint8Array(1), { ip: '192.0.2.2', port: 9993 }, { ttl: 2 }); // 1 router: arrives
  pubA.send(new Uint8Array(1), { ip: '192.0.2.2', port: 9993 }, { ttl: 1 }); // dies
  net.run(1);
  assert.equal(atPubB.length, 1);
  assert.equal(net.stats.dropped.ttl, 1);
  // b punches toward a with TTL 2: its own NAT now admits a, but a's NAT never sees it.
  b.send(new Uint8Array(1), { ip: '203.0.113.1', port: 9993 }, { ttl: 2 });
  net.run(2);
  assert.equal(net.stats.dropped.ttl, 2);
  assert.equal(na.table.mappings(2).length, 0);
  assert.equal(nb.table.mappings(2).length, 1);
  a.send(new Uint8Array(1), { ip: '203.0.113.2', port: 9993 });
  net.run(3);
  assert.deepEqual(atB, [{ ip: '203.0.113.1', port: 9993 }]);
});

test('roaming: a host moves behind another NAT; old paths die, NAT reboot forgets mappings', () => {
  const net = new UdpNetwork({ defaults: { delayMs: 10 } });
  const home = net.addNat('home', { type: 'port-restricted', publicIp: '203.0.113.1' });
  const cafe = net.addNat('cafe', { type: 'full-cone', publicIp: '203.0.113.2' });
  const laptop = net.addHost('laptop', { addresses: ['10.0.0.2'], behind: home });
  const srv = net.addHost('srv', { addresses: ['192.0.2.1'] }).bind(9993);
  const sock = laptop.bind(9993);
  const atSrv = collect(srv);
  const atLaptop = collect(sock);
  sock.send(new Uint8Array(1), { ip: '192.0.2.1', port: 9993 });
  net.run(20);
  assert.equal(atSrv[0].ip, '203.0.113.1');
  srv.send(new Uint8Array(1), atSrv[0]); // in flight while the laptop moves
  net.moveHost(laptop, { addresses: ['192.168.1.50'], behind: cafe });
  net.run(40);
  assert.equal(atLaptop.length, 0);
  assert.ok(net.stats.dropped['nat-filter'] + net.stats.dropped['no-route'] >= 1);
  sock.send(new Uint8Array(1), { ip: '192.0.2.1', port: 9993 });
  net.run(60);
  assert.deepEqual(atSrv[1], { ip: '203.0.113.2', port: 9993 });
  srv.send(new Uint8Array(1), atSrv[1]);
  net.run(80);
  assert.equal(atLaptop.length, 1);
  cafe.reboot();
  srv.send(new Uint8Array(1), atSrv[1]);
  net.run(100);
  assert.equal(atLaptop.length, 1);
  // A public host that moves: datagrams in flight to its old address are dropped as no-route.
  const mover = net.addHost('mover', { addresses: ['192.0.2.9'] });
  collect(mover.bind(9993));
  srv.send(new Uint8Array(1), { ip: '192.0.2.9', port: 9993 });
  net.moveHost('mover', { addresses: ['192.0.2.10'] });
  const before = net.stats.dropped['no-route'];
  net.run(200);
  assert.equal(net.stats.dropped['no-route'], before + 1);
  assert.throws(() => net.moveHost('mover', { addresses: ['192.0.2.1'] }), /already in use/);
});

test('double NAT: a home router behind carrier-grade NAT', () => {
  const net = new UdpNetwork({ seed: 4 });
  const cgnat = net.addNat('cgnat', { type: 'symmetric', publicIp: '203.0.113.50' });
  const home = net.addNat('home', { type: 'port-restricted', publicIp: '100.64.0.2', behind: cgnat });
  const host = net.addHost('pc', { addresses: ['192.168.1.10'], behind: home });
  const neighbour = net.addHost('nb', { addresses: ['100.64.0.9'], behind: cgnat }).bind(7000);
  const srv = net.addHost('srv', { addresses: ['192.0.2.1'] }).bind(9993);
  const pc = host.bind(9993);
  const atSrv = collect(srv);
  const atPc = collect(pc);
  const atNb = collect(neighbour);
  assert.equal(host.publicIp(4), '203.0.113.50');
  assert.throws(
    () => net.addNat('bad', { type: 'full-cone', publicIp: '100.64.0.2', behind: cgnat }),
    /already in use/,
  );

  pc.send(new Uint8Array([1]), { ip: '192.0.2.1', port: 9993 });
  net.run(1);
  assert.equal(atSrv.length, 1);
  assert.equal(atSrv[0].ip, '203.0.113.50');
  srv.send(new Uint8Array([2]), atSrv[0]); // through both NATs back to the pc
  net.run(2);
  assert.deepEqual(atPc, [{ ip: '192.0.2.1', port: 9993 }]);

  // Routers on the way out: home (1), CGNAT (2), core (3).
  const home0 = home.table.mappings(2).length;
  const cg0 = cgnat.table.mappings(2).length;
  pc.send(new Uint8Array([3]), { ip: '192.0.2.1', port: 4444 }, { ttl: 2 });
  net.run(3);
  assert.equal(home.table.mappings(3).length, home0, 'EIM: same home mapping');
  assert.equal(cgnat.table.mappings(3).length, cg0, 'dropped at the CGNAT before translation');
  pc.send(new Uint8Array([4]), { ip: '192.0.2.1', port: 4444 }, { ttl: 3 });
  net.run(4);
  assert.equal(cgnat.table.mappings(4).length, cg0 + 1, 'translated, then dropped in the core');
  assert.equal(net.stats.dropped.ttl, 2);

  // Inside the CGNAT's LAN, the home router's outside address is reachable directly.
  pc.send(new Uint8Array([5]), { ip: '100.64.0.9', port: 7000 });
  net.run(5);
  assert.deepEqual(atNb, [{ ip: '100.64.0.2', port: 9993 }]);
  neighbour.send(new Uint8Array([6]), atNb[0]);
  net.run(6);
  assert.deepEqual(atPc.at(-1), { ip: '100.64.0.9', port: 7000 });
});

test('stateful firewall on IPv6 hosts: unsolicited traffic blocked, punching works, LAN exempt', () => {
  const net = new UdpNetwork({ defaults: { delayMs: 5 } });
  const home = net.addNat('home', { type: 'full-cone', publicIp: '203.0.113.1' });
  const fw = { type: 'port-restricted' as const, timeoutMs: 10_000 };
  const a = net.addHost('a', { addresses: ['10.0.0.2', '2001:db8:a::1'], behind: home, firewall: fw });
  const lanMate = net.addHost('m', { addresses: ['10.0.0.3'], behind: home }).bind(9993);
  const b = net.addHost('b', { addresses: ['2001:db8:b::1'], firewall: fw });
  const sa = a.bind(9993);
  const sb = b.bind(9993);
  const atA = collect(sa);
  const atB = collect(sb);
  const A6 = { ip: '2001:db8:a::1', port: 9993 };
  const B6 = { ip: '2001:db8:b::1', port: 9993 };
  assert.deepEqual(b.firewall, fw);

  sb.send(new Uint8Array([1]), A6); // unsolicited: blocked by a's firewall, opens b's for a
  net.run(10);
  assert.equal(atA.length, 0);
  assert.equal(net.stats.dropped.firewall, 1);
  sa.send(new Uint8Array([2]), B6); // b sent to a: admitted, and opens a's firewall for b
  net.run(20);
  sb.send(new Uint8Array([3]), A6);
  net.run(30);
  assert.deepEqual([atA.length, atB.length], [1, 1]);

  // The LAN neighbour reaches a without any permission; the firewall lapses after its timeout.
  lanMate.send(new Uint8Array([4]), { ip: '10.0.0.2', port: 9993 });
  net.run(40);
  assert.equal(atA.length, 2);
  net.run(20_000);
  sb.send(new Uint8Array([5]), A6);
  net.run(20_010);
  assert.equal(atA.length, 2);
  assert.equal(net.stats.dropped.firewall, 2);
  a.firewall = undefined; // opened at run time
  sb.send(new Uint8Array([6]), A6);
  net.run(20_020);
  assert.equal(atA.length, 3);
});

test('port forwarding on a NAT device (UPnP-style)', () => {
  const { net, nat, s2, back } = natSetup('symmetric');
  assert.throws(() => nat.forward(9993, { ip: '10.9.9.9', port: 9993 }, 0), /not on the LAN/);
  nat.forward(9993, { ip: '10.0.0.2', port: 9993 }, net.clock.now());
  s2.send(new Uint8Array(1), { ip: '203.0.113.7', port: 9993 }); // unsolicited, but forwarded
  net.run(1);
  assert.deepEqual(back, [{ ip: '192.0.2.2', port: 9993 }]);
  nat.unforward(9993);
  s2.send(new Uint8Array(1), { ip: '203.0.113.7', port: 9993 });
  net.run(2);
  assert.equal(back.length, 1);
});
