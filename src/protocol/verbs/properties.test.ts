/** Property tests: for arbitrary field values, decode(encode(v)) gives v back and re-encodes exactly. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { toHex } from '../../util/bytes.ts';
import { Writer } from '../../util/result.ts';
import type { InetAddress } from '../inet-address.ts';
import { decodeVerbPayload, encodeVerbPayload, type VerbMessage } from './dispatch.ts';
import { ErrorCode, Verb } from './verb.ts';

const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
const addr = fc.integer({ min: 1, max: 0xfeffffffff });
const mac = fc.integer({ min: 0, max: 0xffffffffffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const group = fc.record({ mac, adi: u32 });
const bytes = (max: number) => fc.uint8Array({ maxLength: max });
const inet: fc.Arbitrary<InetAddress> = fc.oneof(
  fc.record({
    family: fc.constant(4 as const),
    ip: fc.uint8Array({ minLength: 4, maxLength: 4 }),
    port: fc.nat(0xffff),
  }),
  fc.record({
    family: fc.constant(6 as const),
    ip: fc.uint8Array({ minLength: 16, maxLength: 16 }),
    port: fc.nat(0xffff),
  }),
);

const messages: fc.Arbitrary<VerbMessage> = fc.oneof(
  fc.record({
    verb: fc.constant(Verb.WHOIS),
    value: fc.record({ addresses: fc.array(addr, { minLength: 1, maxLength: 20 }) }),
  }),
  fc.record({
    verb: fc.constant(Verb.RENDEZVOUS),
    value: fc.record({ flags: fc.nat(255), address: addr, peer: inet }),
  }),
  fc.record({
    verb: fc.constant(Verb.FRAME),
    value: fc.record({ nwid: u64, etherType: fc.nat(0xffff), data: bytes(200) }),
  }),
  fc.record({
    verb: fc.constant(Verb.EXT_FRAME),
    value: fc.record({
      nwid: u64,
      flags: fc.nat(255).map((f) => f & ~1),
      destMac: mac,
      srcMac: mac,
      etherType: fc.nat(0xffff),
      data: bytes(200),
    }),
  }),
  fc.record({ verb: fc.constant(Verb.ECHO), value: fc.record({ data: bytes(100) }) }),
  fc.record({
    verb: fc.constant(Verb.MULTICAST_LIKE),
    value: fc.record({
      subscriptions: fc.array(fc.record({ nwid: u64, group }), { minLength: 1, maxLength: 10 }),
    }),
  }),
  fc.record({
    verb: fc.constant(Verb.MULTICAST_GATHER),
    value: fc.record({ nwid: u64, flags: fc.nat(255).map((f) => f & ~1), group, limit: u32 }),
  }),
  fc.record({
    verb: fc.constant(Verb.MULTICAST_FRAME),
    value: fc
      .record({
        nwid: u64,
        flags: fc.nat(255).map((f) => f & ~7),
        gatherLimit: fc.option(u32, { nil: undefined }),
        srcMac: fc.option(mac, { nil: undefined }),
        group,
        etherType: fc.nat(0xffff),
        data: bytes(100),
      })
      // The encoder derives flag bits 0x02/0x04 from the optional fields.
      .map((v) => ({
        ...v,
        flags: v.flags | (v.gatherLimit !== undefined ? 2 : 0) | (v.srcMac !== undefined ? 4 : 0),
      })),
  }),
  fc.record({
    verb: fc.constant(Verb.NETWORK_CONFIG_REQUEST),
    value: fc.record({ nwid: u64, metadata: bytes(300), revision: u64, timestamp: u64 }),
  }),
  fc.record({
    verb: fc.constant(Verb.NETWORK_CONFIG),
    value: fc.record({
      nwid: u64,
      data: bytes(300),
      meta: fc.record({
        flags: fc.nat(255),
        updateId: u64,
        totalLength: u32,
        offset: u32,
        signatureType: fc.nat(255),
        signature: bytes(120),
      }),
    }),
  }),
  fc.record({
    verb: fc.constant(Verb.PUSH_DIRECT_PATHS),
    value: fc.record({
      paths: fc.array(fc.record({ flags: fc.nat(255), extension: bytes(8), address: inet }), {
        maxLength: 8,
      }),
    }),
  }),
  fc.record({ verb: fc.constant(Verb.USER_MESSAGE), value: fc.record({ typeId: u64, data: bytes(100) }) }),
  fc.record({
    verb: fc.constant(Verb.ERROR),
    value: fc.oneof(
      fc.record({
        inReVerb: fc.constant(Verb.MULTICAST_FRAME),
        inRePacketId: u64,
        code: fc.constant(ErrorCode.UNWANTED_MULTICAST),
        nwid: u64,
        group,
      }),
      fc.record({
        inReVerb: fc.constant(Verb.NETWORK_CONFIG_REQUEST),
        inRePacketId: u64,
        code: fc.constant(ErrorCode.NETWORK_AUTHENTICATION_REQUIRED),
        nwid: u64,
        authInfo: bytes(100),
      }),
      fc.record({
        inReVerb: fc.constant(Verb.FRAME),
        inRePacketId: u64,
        code: fc.constant(ErrorCode.NEED_MEMBERSHIP_CERTIFICATE),
        nwid: u64,
      }),
    ),
  }),
  fc.record({
    verb: fc.constant(Verb.OK),
    value: fc.record({
      inReVerb: fc.constant(Verb.MULTICAST_GATHER),
      inRePacketId: u64,
      kind: fc.constant('MULTICAST_GATHER' as const),
      body: fc.record({ nwid: u64, group, totalKnown: u32, members: fc.array(addr, { maxLength: 30 }) }),
    }),
  }),
  fc.record({
    verb: fc.constant(Verb.QOS_MEASUREMENT),
    value: fc.record({
      records: fc.array(fc.record({ packetId: u64, holdingTime: fc.nat(0xffff) }), {
        minLength: 1,
        maxLength: 20,
      }),
    }),
  }),
) as fc.Arbitrary<VerbMessage>;

/** JSON-ish normal form: bigints and byte arrays as strings; drops derived `signedRegion`. */
function norm(x: unknown): unknown {
  return JSON.parse(
    JSON.stringify(x, (k, v) => {
      if (k === 'signedRegion') return undefined;
      if (typeof v === 'bigint') return `${v}n`;
      if (v instanceof Uint8Array) return toHex(v);
      return v;
    }),
  );
}

test('property: decode(encode(v)) == v and re-encoding is byte-exact, for every verb shape', () => {
  fc.assert(
    fc.property(messages, (m) => {
      const w = new Writer();
      encodeVerbPayload(w, m);
      const b = w.finish();
      const d = decodeVerbPayload(m.verb as number, b);
      assert.ok(d.ok, d.ok ? '' : d.reason);
      assert.deepEqual(norm(d.value), norm(m));
      const w2 = new Writer();
      encodeVerbPayload(w2, d.value);
      assert.equal(toHex(w2.finish()), toHex(b));
    }),
    { numRuns: 1500 },
  );
});
