import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cryptoVectors } from '../../testing/vectors.ts';
import { fromHex, toHex } from '../../util/bytes.ts';
import { Writer } from '../../util/result.ts';
import { armor, cryptField, dearmor, SymmetricKey } from '../armor.ts';
import { defaultPlanet } from '../default-planet.ts';
import { Identity } from '../identity.ts';
import { inetAddressToString, parseInetAddress } from '../inet-address.ts';
import {
  decodeHello,
  decodeOkHello,
  decodeOkHelloWorlds,
  encodeHello,
  encodeOkHello,
  encodeOkHelloWorlds,
  type Hello,
  helloCryptFieldStart,
  WORLD_TYPE_MOON,
} from './hello.ts';
import { decodeOk, encodeOk } from './ok.ts';
import { Verb } from './verb.ts';

const v = cryptoVectors;
const vals = v.values;
const PAYLOAD = 28;

test('hello_plain vector: decode every field, re-encode byte for byte', () => {
  const pkt = fromHex(vals.hello_plain);
  assert.equal(pkt[27], Verb.HELLO);
  const d = decodeHello(pkt.subarray(PAYLOAD));
  assert.ok(d.ok, d.ok ? '' : d.reason);
  const h = d.value;
  assert.equal(h.protocolVersion, 12);
  assert.equal(`${h.versionMajor}.${h.versionMinor}.${h.versionRevision}`, '1.14.1');
  assert.equal(h.timestamp, 1700000000123n);
  assert.equal(toHex(h.identity.toBytes()), vals.id_a_binary_public);
  assert.equal(h.identity.addressString, '2d1d262d72');
  assert.equal(inetAddressToString(h.destination ?? null), '203.0.113.5/9993');
  assert.equal(h.planetId, 149604618n);
  assert.equal(h.planetTimestamp, 1644592324813n);
  assert.deepEqual(h.moons, [{ type: WORLD_TYPE_MOON, id: 0xdeadbeefn, timestamp: 0n }]);

  const w = new Writer();
  w.bytes(pkt.subarray(0, PAYLOAD)); // header as captured
  const start = encodeHello(w, h);
  assert.equal(toHex(w.finish()), vals.hello_plain);
  assert.equal(start, Number(vals.hello_crypt_start));
  assert.equal(helloCryptFieldStart(pkt.subarray(PAYLOAD)), Number(vals.hello_crypt_start) - PAYLOAD);
});

test('hello_wire vector: dearmor + cryptField at helloCryptFieldStart gives the plaintext HELLO', () => {
  const a = Identity.fromString(v.identities.A);
  const b = Identity.fromString(v.identities.B);
  assert.ok(a.ok && b.ok);
  const key = new SymmetricKey(fromHex(vals.agree_a_b));
  const pkt = fromHex(vals.hello_wire);
  assert.ok(dearmor(pkt, key));
  // The region start is computed on the still-encrypted payload (nothing before it is encrypted).
  const start = helloCryptFieldStart(pkt.subarray(PAYLOAD));
  assert.equal(start, 107);
  cryptField(key, pkt, PAYLOAD + start!, pkt.length - PAYLOAD - start!);
  const d = decodeHello(pkt.subarray(PAYLOAD));
  assert.ok(d.ok);
  assert.deepEqual(d.value.moons, [{ type: 127, id: 0xdeadbeefn, timestamp: 0n }]);
  assert.ok(d.value.identity.equals(a.value.publicOnly()));
});

test('send path: encodeHello + cryptField + cipher-0 armor reproduces hello_wire exactly', () => {
  const plain = fromHex(vals.hello_plain);
  const h = decodeHello(plain.subarray(PAYLOAD));
  assert.ok(h.ok);
  const w = new Writer();
  w.bytes(plain.subarray(0, PAYLOAD)); // packet ID, dest, source, flags 0, MAC 0, verb HELLO
  const start = encodeHello(w, h.value);
  const pkt = w.finish();
  const key = new SymmetricKey(fromHex(vals.agree_a_b));
  cryptField(key, pkt, start, pkt.length - start);
  armor(pkt, key, 0);
  assert.equal(toHex(pkt), vals.hello_wire);
});

test('okhello_plain vector: OK header + OK(HELLO) body decode and re-encode', () => {
  const pkt = fromHex(vals.okhello_plain);
  assert.equal(pkt[27], Verb.OK);
  const d = decodeOk(pkt.subarray(PAYLOAD));
  assert.ok(d.ok, d.ok ? '' : d.reason);
  const o = d.value;
  assert.equal(o.inReVerb, Verb.HELLO);
  assert.equal(o.inRePacketId, 0x1122334455667788n);
  assert.equal(o.kind, 'HELLO');
  if (o.kind !== 'HELLO') return;
  assert.equal(o.body.timestamp, 1700000000123n);
  assert.equal(o.body.protocolVersion, 12);
  assert.equal(`${o.body.versionMajor}.${o.body.versionMinor}.${o.body.versionRevision}`, '1.14.1');
  assert.equal(inetAddressToString(o.body.source ?? null), '198.51.100.7/41234');
  assert.deepEqual(o.body.worlds, new Uint8Array(0));
  const w = new Writer();
  w.bytes(pkt.subarray(0, PAYLOAD));
  encodeOk(w, o);
  assert.equal(toHex(w.finish()), vals.okhello_plain);
});

test('OK(HELLO) world section carries the planet and round-trips', () => {
  const planet = defaultPlanet();
  const body = {
    timestamp: 42n,
    protocolVersion: 12,
    versionMajor: 1,
    versionMinor: 14,
    versionRevision: 1,
    source: parseInetAddress('10.77.0.11/9993'),
    worlds: encodeOkHelloWorlds([planet, planet]),
  };
  const w = new Writer();
  encodeOkHello(w, body);
  const d = decodeOkHello(w.finish());
  assert.ok(d.ok);
  assert.deepEqual(d.value, body);
  const ws = decodeOkHelloWorlds(d.value.worlds!);
  assert.ok(ws.ok);
  assert.equal(ws.value.length, 2);
  assert.equal(ws.value[1].id, 149604618n);
  assert.equal(decodeOkHelloWorlds(d.value.worlds!.subarray(0, 100)).ok, false);
});

test('optional tails: HELLO and OK(HELLO) from older senders', () => {
  const id = Identity.fromString(v.identities.A);
  assert.ok(id.ok);
  const base: Hello = {
    protocolVersion: 9,
    versionMajor: 1,
    versionMinor: 2,
    versionRevision: 3,
    timestamp: 5n,
    identity: id.value.publicOnly(),
  };
  for (const h of [
    base,
    { ...base, destination: null },
    { ...base, destination: parseInetAddress('1.2.3.4/5'), planetId: 1n, planetTimestamp: 2n },
    { ...base, destination: null, planetId: 1n, planetTimestamp: 2n, moons: [] },
  ] as Hello[]) {
    const w = new Writer();
    const start = encodeHello(w, h);
    const bytes = w.finish();
    const d = decodeHello(bytes);
    assert.ok(d.ok);
    assert.deepEqual({ ...d.value, identity: undefined }, { ...h, identity: undefined });
    assert.equal(helloCryptFieldStart(bytes), start < 0 ? null : start);
  }
  assert.deepEqual(decodeHello(new Uint8Array(10)), { ok: false, reason: 'hello-truncated' });
  const okShort = decodeOkHello(fromHex('0000000000000001' + '0c010e0001'));
  assert.ok(okShort.ok);
  assert.equal(okShort.value.source, undefined);
});
