import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dearmor, SymmetricKey } from '../protocol/armor.ts';
import { Identity } from '../protocol/identity.ts';
import { parseInetAddress } from '../protocol/inet-address.ts';
import { PKT_PAYLOAD } from '../protocol/packet.ts';
import { decodeOk } from '../protocol/verbs/ok.ts';
import { Verb } from '../protocol/verbs/verb.ts';
import { World, WorldType } from '../protocol/world.ts';
import { cryptoVectors } from '../testing/vectors.ts';
import { fromHex, toHex } from '../util/bytes.ts';
import { Node } from './node.ts';
import { allocOutgoing, assembleHello, assemblePacket } from './outgoing.ts';

const vec = cryptoVectors;
const v = vec.values;
const idOf = (s: string) => {
  const d = Identity.fromString(s);
  assert.ok(d.ok);
  return d.value;
};
const A = idOf(vec.identities.A);
const B = idOf(vec.identities.B);
const key = new SymmetricKey(fromHex(v.agree_a_b));

test('our HELLO assembly + armor reproduces the reference hello_wire byte for byte (§6.2, §4.3)', () => {
  const to = parseInetAddress('203.0.113.5/9993');
  const wire = assembleHello(
    {
      packetId: fromHex('1122334455667788'),
      identity: A,
      destination: B.address,
      timestamp: 1700000000123,
      to,
      planetId: 149604618n,
      planetTimestamp: 1644592324813n,
      moons: [{ type: 127, id: 0xdeadbeefn, timestamp: 0n }],
    },
    key,
  );
  assert.equal(toHex(wire), v.hello_wire);
});

test('OK(HELLO) assembly with AES-GMAC-SIV reproduces okhello_wire_aes (§4.4)', () => {
  const plain = fromHex(v.okhello_plain);
  const wire = assemblePacket(
    {
      packetId: plain.subarray(0, 8),
      destination: A.address,
      source: B.address,
      verb: Verb.OK,
      payload: plain.subarray(PKT_PAYLOAD),
    },
    key,
    3,
  );
  assert.equal(toHex(wire), v.okhello_wire_aes);
});

test('a node answers the reference HELLO with an OK(HELLO) (cipher 1 to a new peer) echoing its timestamp', () => {
  const sent: { to: string; data: Uint8Array }[] = [];
  const planet = new World({
    type: WorldType.PLANET,
    id: 149604618n,
    timestamp: 1644592324813,
    updatesMustBeSignedBy: new Uint8Array(64),
    roots: [],
  });
  const node = new Node(
    { identity: B, planet, random: () => fromHex('a1a2a3a4a5a6a7a8'), now: 1700000000200 },
    { send: (_s, to, data) => sent.push({ to: `${to.port}`, data }), event: () => {} },
  );
  node.addLocalSocket(0, parseInetAddress('0.0.0.0/9993') as never);
  const from = parseInetAddress('198.51.100.7/41234');
  assert.ok(from);
  node.receive(0, from, fromHex(v.hello_wire), 1700000000200);
  const oks = sent.filter((s) => s.data[27] !== 0x01 || (s.data[18] & 0x38) !== 0);
  assert.ok(oks.length >= 1, `sent ${sent.length}`);
  const ok = oks[0].data.slice();
  assert.equal((ok[18] >> 3) & 7, 1, 'cipher 1 (Salsa20/12) before the version is known (§6.2 quirk)');
  assert.ok(dearmor(ok, key));
  assert.equal(ok[27] & 0x1f, Verb.OK);
  const d = decodeOk(ok.subarray(PKT_PAYLOAD));
  assert.ok(d.ok && d.value.kind === 'HELLO');
  assert.equal(d.value.inRePacketId, 0x1122334455667788n);
  assert.equal(d.value.body.timestamp, 1700000000123n);
  assert.equal(d.value.body.protocolVersion, 12);
  assert.deepEqual(d.value.body.source, from);
  assert.equal(node.peers()[0].version, '1.14.1');
});

test('allocOutgoing hands out fresh, zeroed, non-overlapping regions (packets are never rewritten)', () => {
  const got: Uint8Array[] = [];
  // Enough to span several 64 KiB slabs, with odd sizes.
  for (let i = 0; i < 200; i++) {
    const r = allocOutgoing(1 + ((i * 977) % 3000));
    assert.ok(
      r.every((b) => b === 0),
      'fresh region is zero',
    );
    r.fill(i + 1);
    got.push(r);
  }
  // Nothing handed out later wrote over an earlier region.
  for (let i = 0; i < got.length; i++)
    assert.ok(
      got[i].every((b) => b === ((i + 1) & 0xff)),
      `region ${i} intact`,
    );
  const big = allocOutgoing(40000); // larger than a quarter slab: its own buffer
  assert.equal(big.length, 40000);
  assert.equal(big.byteOffset, 0);
});
