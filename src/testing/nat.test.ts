import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NatTable, type NatType, StatefulFirewall } from './nat.ts';
import { SeededRandom } from './random.ts';

const inside = { ip: '10.0.0.2', port: 9993 };
const s1 = { ip: '192.0.2.1', port: 9993 };
const s1other = { ip: '192.0.2.1', port: 4444 };
const s2 = { ip: '192.0.2.2', port: 9993 };
const TYPES: NatType[] = ['full-cone', 'address-restricted', 'port-restricted', 'symmetric'];

test('mapping behaviour: endpoint-independent for cones, per-destination for symmetric', () => {
  for (const type of TYPES) {
    const nat = new NatTable({ type }, new SeededRandom(1));
    const p1 = nat.outbound(inside, s1, 0);
    const p2 = nat.outbound(inside, s2, 0);
    assert.ok(p1 !== undefined && p2 !== undefined);
    if (type === 'symmetric') assert.notEqual(p1, p2, type);
    else assert.equal(p1, p2, type);
    assert.equal(nat.outbound(inside, s1, 1), p1, `${type}: same destination keeps its mapping`);
    assert.equal(nat.mappings(1).length, type === 'symmetric' ? 2 : 1);
  }
});

test('filtering behaviour per type (RFC 4787 §5)', () => {
  const expect: Record<NatType, [boolean, boolean, boolean]> = {
    // [same remote ip:port, same ip other port, other ip]
    'full-cone': [true, true, true],
    'address-restricted': [true, true, false],
    'port-restricted': [true, false, false],
    symmetric: [true, false, false],
  };
  for (const type of TYPES) {
    const nat = new NatTable({ type }, new SeededRandom(1));
    const p = nat.outbound(inside, s1, 100)!;
    const got = [s1, s1other, s2].map((r) => nat.inbound(p, r, 200) !== undefined);
    assert.deepEqual(got, expect[type], type);
    assert.deepEqual(nat.inbound(p, s1, 200), inside);
    assert.equal(nat.inbound(p === 65535 ? 1024 : p + 1, s1, 200), undefined, 'no mapping on other ports');
  }
});

test('mappings and permissions time out after the last outbound datagram', () => {
  const nat = new NatTable({ type: 'port-restricted', mappingTimeoutMs: 30_000 }, new SeededRandom(1));
  const p = nat.outbound(inside, s1, 0)!;
  assert.ok(nat.inbound(p, s1, 29_999));
  nat.outbound(inside, s1, 20_000); // refresh
  assert.ok(nat.inbound(p, s1, 49_999));
  assert.equal(nat.inbound(p, s1, 50_000), undefined);
  assert.equal(nat.peek(p, 50_000), undefined);
  assert.equal(nat.mappings(50_000).length, 0);

  // Inbound traffic does not refresh unless asked to.
  const r = new NatTable(
    { type: 'full-cone', mappingTimeoutMs: 1000, refreshOnInbound: true },
    new SeededRandom(1),
  );
  const q = r.outbound(inside, s1, 0)!;
  for (let t = 900; t < 5000; t += 900) assert.ok(r.inbound(q, s2, t), `t=${t}`);
});

test('a permission for one remote expires on its own while the mapping lives on', () => {
  const nat = new NatTable({ type: 'address-restricted', mappingTimeoutMs: 1000 }, new SeededRandom(1));
  const p = nat.outbound(inside, s1, 0)!;
  nat.outbound(inside, s2, 900);
  assert.ok(nat.inbound(p, s2, 1500));
  assert.equal(nat.inbound(p, s1, 1500), undefined);
});

test('port allocation: preserve, sequential, random; never two mappings on one port', () => {
  const pres = new NatTable({ type: 'full-cone', portAllocation: 'preserve' }, new SeededRandom(1));
  assert.equal(pres.outbound(inside, s1, 0), 9993);
  assert.notEqual(pres.outbound({ ip: '10.0.0.3', port: 9993 }, s1, 0), 9993);
  const seq = new NatTable({ type: 'symmetric', portAllocation: 'sequential' }, new SeededRandom(1));
  const ports = [s1, s2, s1other].map((r) => seq.outbound(inside, r, 0));
  assert.deepEqual(ports, [40000, 40001, 40002]);
  const rnd = new NatTable({ type: 'symmetric' }, new SeededRandom(3));
  const seen = new Set<number>();
  for (let i = 0; i < 500; i++) {
    const p = rnd.outbound(inside, { ip: '192.0.2.9', port: 1000 + i }, 0)!;
    assert.ok(p >= 1024 && p <= 65535);
    assert.ok(!seen.has(p));
    seen.add(p);
  }
  assert.throws(() => new NatTable({ type: 'bogus' as NatType }, new SeededRandom(1)), TypeError);
});

test('stateful firewall: permissions per local port and remote, with expiry', () => {
  const pr = new StatefulFirewall({ type: 'port-restricted', timeoutMs: 1000 });
  const ar = new StatefulFirewall({ type: 'address-restricted', timeoutMs: 1000 });
  for (const fw of [pr, ar]) {
    assert.equal(fw.admits(9993, s1, 0), false, 'nothing unsolicited');
    fw.outbound(9993, s1, 0);
    assert.equal(fw.admits(9993, s1, 999), true);
    assert.equal(fw.admits(9994, s1, 10), false, 'another local port has no permission');
    assert.equal(fw.admits(9993, s2, 10), false);
    assert.equal(fw.admits(9993, s1, 1000), false, 'expired');
  }
  pr.outbound(9993, s1, 2000);
  ar.outbound(9993, s1, 2000);
  assert.equal(pr.admits(9993, s1other, 2001), false);
  assert.equal(ar.admits(9993, s1other, 2001), true);
  assert.throws(() => new StatefulFirewall({ type: 'full-cone' as 'port-restricted' }), TypeError);
});

test('static forwards: admit anyone, fix the outbound port, survive reboots, block allocation', () => {
  const nat = new NatTable({ type: 'symmetric', portAllocation: 'sequential' }, new SeededRandom(1));
  nat.forward(40000, inside, 0);
  assert.deepEqual(nat.inbound(40000, s2, 5), inside);
  assert.equal(nat.outbound(inside, s1, 5), 40000);
  assert.equal(nat.outbound(inside, s2, 5), 40000, 'even on a symmetric NAT');
  const other = { ip: '10.0.0.3', port: 9993 };
  assert.equal(nat.outbound(other, s1, 5), 40001, 'the forwarded port is never allocated');
  assert.throws(() => nat.forward(40001, { ip: '10.0.0.4', port: 1 }, 5), RangeError);
  assert.throws(() => nat.forward(50000, inside, 5), RangeError);
  nat.clear();
  assert.deepEqual(nat.peek(40000, 10), inside);
  nat.unforward(40000);
  assert.equal(nat.inbound(40000, s2, 10), undefined);
  assert.notEqual(nat.outbound(inside, s1, 10), 40000);
});
