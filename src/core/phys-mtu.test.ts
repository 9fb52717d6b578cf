import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { Identity } from '../protocol/identity.ts';
import { type InetAddress, parseInetAddress } from '../protocol/inet-address.ts';
import { FLAG_FRAGMENTED, PKT_FLAGS } from '../protocol/packet.ts';
import { Verb } from '../protocol/verbs/verb.ts';
import { World, WorldType } from '../protocol/world.ts';
import { SeededRandom } from '../testing/random.ts';
import { Node } from './node.ts';
import type { Vl2Packet } from './node-types.ts';
import { clampPhysicalMtu, isLoopbackAddress, PhysicalMtu } from './phys-mtu.ts';

const a = (s: string) => parseInetAddress(s) as InetAddress;

test('path MTU defaults: 10324 on loopback (127/8, ::1), 1432 elsewhere (§3.1)', () => {
  const t = new PhysicalMtu();
  assert.equal(t.mtuFor(a('127.0.0.1/9993')), 10324);
  assert.equal(t.mtuFor(a('127.5.6.7/1')), 10324);
  assert.equal(t.mtuFor(a('::1/9993')), 10324);
  assert.equal(t.mtuFor(a('10.0.0.2/9993')), 1432);
  assert.equal(t.mtuFor(a('128.0.0.1/9993')), 1432);
  assert.equal(t.mtuFor(a('::2/9993')), 1432);
  assert.equal(t.mtuFor(a('2001:db8::1/9993')), 1432);
  assert.equal(isLoopbackAddress(a('126.255.255.255/1')), false);
});

test('path MTU rules: longest prefix wins, clamped to 1400..10324, loopback overridable', () => {
  const t = new PhysicalMtu({
    '10.0.0.0/8': 9000,
    '10.1.0.0/16': 1500,
    '10.1.2.3': 100, // host route, clamped up to 1400
    'fd00::/8': 99999, // clamped down to 10324
    '127.0.0.0/8': 1432,
    '192.168.0.0/23': 4000,
  });
  assert.equal(t.mtuFor(a('10.9.9.9/1')), 9000);
  assert.equal(t.mtuFor(a('10.1.9.9/1')), 1500);
  assert.equal(t.mtuFor(a('10.1.2.3/1')), 1400);
  assert.equal(t.mtuFor(a('10.1.2.4/1')), 1500);
  assert.equal(t.mtuFor(a('fd12::1/1')), 10324);
  assert.equal(t.mtuFor(a('fe80::1/1')), 1432, 'an IPv6 rule does not match other prefixes');
  assert.equal(t.mtuFor(a('127.0.0.1/1')), 1432, 'a rule replaces the loopback default');
  assert.equal(t.mtuFor(a('::1/1')), 10324);
  assert.equal(t.mtuFor(a('192.168.1.200/1')), 4000, 'non-octet prefix /23');
  assert.equal(t.mtuFor(a('192.168.2.1/1')), 1432);
  assert.equal(clampPhysicalMtu(1432.7), 1432);
  assert.throws(() => new PhysicalMtu({ 'not-an-ip/8': 1500 }), TypeError);
  assert.throws(() => new PhysicalMtu({ '10.0.0.0/33': 1500 }), TypeError);
  assert.throws(() => new PhysicalMtu({ '10.0.0.0/x': 1500 }), TypeError);
  assert.throws(() => new PhysicalMtu({ '10.0.0.0/8': Number.NaN }), TypeError);
});

// ---- node level: a 2800-byte frame per path ----------------------------------------------------

const IDS: string[] = JSON.parse(
  readFileSync(new URL('../../test/vl1/fixtures/identities.json', import.meta.url), 'utf8'),
).identities;
const ident = (i: number) => {
  const d = Identity.fromString(IDS[i]);
  if (!d.ok) throw new Error(d.reason);
  return d.value;
};

function pair(physicalMtu?: Record<string, number>) {
  const [rootId, aId, bId] = [ident(0), ident(1), ident(2)];
  const planet = World.create({
    type: WorldType.PLANET,
    id: 77n,
    timestamp: 1,
    roots: [{ identity: rootId.publicOnly(), stableEndpoints: [a('198.51.100.1/9993')] }],
    signingKey: { publicKey: rootId.publicKey, privateKey: rootId.privateKey as Uint8Array },
  });
  const rng = new SeededRandom('phys-mtu');
  const sent: Uint8Array[] = [];
  const frames: Vl2Packet[] = [];
  const mk = (id: Identity, io: (d: Uint8Array) => void) =>
    new Node(
      { identity: id, planet, random: (k) => rng.bytes(k), now: 1000, physicalMtu },
      { send: (_s, _to, d) => io(d), event: () => {} },
    );
  const nodeA = mk(aId, (d) => sent.push(d.slice()));
  const nodeB = mk(bId, () => {});
  nodeA.addLocalSocket(0, a('0.0.0.0/9993'));
  nodeB.addLocalSocket(0, a('0.0.0.0/9993'));
  const peerB = nodeA.addPeer(bId.publicOnly());
  assert.ok(peerB && nodeB.addPeer(aId.publicOnly()));
  nodeB.setVl2Handler((p) => frames.push({ ...p, payload: p.payload.slice() }));
  // Both sides announce protocol 12 (AES-GMAC-SIV, as between two current nodes).
  peerB.setVersion(12, 1, 14, 1);
  const payload = new Uint8Array(8 + 2 + 2800).map((_, i) => (i * 13) & 0xff); // FRAME: nwid, type, 2800 B
  const send = (to: string) => {
    sent.length = 0;
    nodeA.sendOn(peerB, 0, a(to), Verb.FRAME, payload, 1000);
    const out = sent.slice();
    frames.length = 0;
    for (const d of out) nodeB.receive(0, a('10.0.0.1/9993'), d, 1000);
    return { datagrams: out, frames: frames.slice() };
  };
  return { send, payload };
}

test('a 2800-byte frame is one datagram over loopback, two over 10.x, and always reassembles', () => {
  const { send, payload } = pair();
  const lo = send('127.0.0.1/9993');
  assert.equal(lo.datagrams.length, 1);
  assert.equal(lo.datagrams[0].length, 28 + payload.length);
  assert.equal(lo.datagrams[0][PKT_FLAGS] & FLAG_FRAGMENTED, 0, 'not marked fragmented');
  assert.equal(lo.frames.length, 1);
  assert.deepEqual(lo.frames[0].payload, payload);
  const lo6 = send('::1/9993');
  assert.equal(lo6.datagrams.length, 1);
  const lan = send('10.0.0.2/9993');
  assert.deepEqual(
    lan.datagrams.map((d) => d.length),
    [1432, 16 + 28 + payload.length - 1432],
  );
  assert.notEqual(lan.datagrams[0][PKT_FLAGS] & FLAG_FRAGMENTED, 0, 'head marked fragmented');
  assert.equal(lan.frames.length, 1);
  assert.deepEqual(lan.frames[0].payload, payload);
});

test('the physicalMtu option changes fragmentation per CIDR', () => {
  const { send, payload } = pair({ '10.0.0.0/8': 9000, '127.0.0.0/8': 1400 });
  const lan = send('10.0.0.2/9993');
  assert.equal(lan.datagrams.length, 1);
  assert.equal(lan.frames.length, 1);
  const lo = send('127.0.0.1/9993');
  assert.deepEqual(
    lo.datagrams.map((d) => d.length),
    [1400, 16 + 1384, 16 + 28 + payload.length - 1400 - 1384],
  );
  assert.equal(lo.frames.length, 1);
  assert.deepEqual(lo.frames[0].payload, payload);
  const other = send('192.168.1.1/9993');
  assert.equal(other.datagrams.length, 2);
});
