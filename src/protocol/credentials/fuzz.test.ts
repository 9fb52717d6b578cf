import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { vectorValues } from '../../testing/vectors.ts';
import { equalBytes, fromHex } from '../../util/bytes.ts';
import type { Decoded } from '../../util/result.ts';
import { decodeRules } from '../rules.ts';
import { Capability } from './capability.ts';
import { CertificateOfMembership } from './com.ts';
import { CertificateOfOwnership } from './coo.ts';
import { Revocation } from './revocation.ts';
import { Tag } from './tag.ts';

const V = vectorValues;

interface Codec {
  fromBytes(b: Uint8Array): Decoded<{ toBytes(): Uint8Array }>;
}
const CODECS: [string, Codec, string][] = [
  ['com', CertificateOfMembership, V.com],
  ['tag', Tag, V.tag],
  ['cap', Capability, V.cap],
  ['coo', CertificateOfOwnership, V.coo],
  ['rev', Revocation, V.rev],
];

/** Random bytes, truncations and single-byte mutations of the real vector. */
function inputs(vector: Uint8Array) {
  return fc.oneof(
    fc.uint8Array({ maxLength: 400 }),
    fc.nat(vector.length).map((n) => vector.slice(0, n)),
    fc
      .array(fc.tuple(fc.nat(vector.length - 1), fc.integer({ min: 0, max: 255 })), {
        minLength: 1,
        maxLength: 4,
      })
      .map((muts) => {
        const b = vector.slice();
        for (const [i, v] of muts) b[i] = v;
        return b;
      }),
  );
}

for (const [name, codec, hex] of CODECS) {
  test(`fuzz ${name}: decode never throws; what decodes re-encodes to the same bytes`, () => {
    const vector = fromHex(hex);
    fc.assert(
      fc.property(inputs(vector), (b) => {
        const d = codec.fromBytes(b);
        if (d.ok && (name !== 'coo' || b.length === vector.length)) {
          // Extension bytes and >16 COO things are not kept; everything else must round-trip.
          // Revocations' two reserved u32 fields are ignored on read and written as 0, as in the reference.
          const want = name === 'rev' ? b.slice().fill(0, 0, 4).fill(0, 16, 20) : b;
          const again = d.value.toBytes();
          if (again.length === b.length) assert.ok(equalBytes(again, want));
        }
      }),
      { numRuns: 1500 },
    );
  });
}

// ---- encode → decode property tests over random valid credentials ----

const u32 = fc.integer({ min: 0, max: 0xffffffff });
const addr = fc.integer({ min: 1, max: 0xffffffffff });
const nwid = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
const ts = fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER });
const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
// fc.record builds null-prototype objects; spread them into plain ones so deepEqual compares like with like.
const plain = <T extends object>(o: T): T => ({ ...o });
const sig = fc
  .record({ type: fc.constant(1), signature: fc.uint8Array({ minLength: 96, maxLength: 96 }) })
  .map(plain);

function roundTrip<T extends { toBytes(): Uint8Array }>(
  x: T,
  codec: { fromBytes(b: Uint8Array): Decoded<T> },
): T {
  const bytes = x.toBytes();
  const d = codec.fromBytes(bytes);
  assert.ok(d.ok, d.ok ? '' : d.reason);
  assert.ok(equalBytes(d.value.toBytes(), bytes));
  return d.value;
}

test('property: Tag, Revocation, COO, COM and Capability decode what they encode', () => {
  fc.assert(
    fc.property(
      nwid,
      ts,
      u32,
      u32,
      addr,
      addr,
      sig,
      (networkId, timestamp, id, value, issuedTo, signedBy, s) => {
        const t = new Tag({ networkId, timestamp, id, value, issuedTo, signedBy, sig: s });
        assert.deepEqual(roundTrip(t, Tag), t);
      },
    ),
    { numRuns: 300 },
  );
  fc.assert(
    fc.property(
      fc.record({
        id: u32,
        networkId: nwid,
        credentialId: u32,
        threshold: ts,
        flags: u64,
        target: addr,
        signedBy: addr,
        credentialType: fc.constantFrom(0, 1, 2, 3, 4, 6),
        sig,
      }),
      (o) => {
        const r = new Revocation(o);
        assert.deepEqual(roundTrip(r, Revocation), r);
      },
    ),
    { numRuns: 300 },
  );
  const thing = fc
    .record({
      type: fc.integer({ min: 0, max: 255 }),
      value: fc.uint8Array({ minLength: 16, maxLength: 16 }),
    })
    .map(plain);
  fc.assert(
    fc.property(
      fc.record({
        networkId: nwid,
        timestamp: ts,
        flags: u64,
        id: u32,
        things: fc.array(thing, { maxLength: 16 }),
        issuedTo: addr,
        signedBy: addr,
        sig,
      }),
      (o) => {
        const c = new CertificateOfOwnership(o);
        assert.deepEqual(roundTrip(c, CertificateOfOwnership), c);
      },
    ),
    { numRuns: 300 },
  );
  fc.assert(
    fc.property(
      fc.uniqueArray(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), { maxLength: 8 }),
      fc.array(u64, { minLength: 16, maxLength: 16 }),
      fc.option(fc.tuple(addr, fc.uint8Array({ minLength: 96, maxLength: 96 })), { nil: undefined }),
      (ids, values, signer) => {
        const sorted = [...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
        const q = sorted.map((id, i) => ({ id, value: values[i], maxDelta: values[i + 8] }));
        const com = signer
          ? new CertificateOfMembership(q, signer[0], signer[1])
          : new CertificateOfMembership(q);
        assert.deepEqual(roundTrip(com, CertificateOfMembership), com);
      },
    ),
    { numRuns: 300 },
  );
  const rule = fc
    .tuple(fc.integer({ min: 0, max: 255 }), fc.uint8Array({ maxLength: 20 }))
    .map(([t, v]) => new Uint8Array([t, v.length, ...v]));
  fc.assert(
    fc.property(
      nwid,
      ts,
      u32,
      fc.array(rule, { maxLength: 64 }),
      fc.integer({ min: 1, max: 7 }),
      fc.array(fc.record({ to: addr, from: addr, sig }).map(plain), { maxLength: 7 }),
      (networkId, timestamp, id, ruleBytes, maxCustodyChainLength, custody) => {
        const rules = decodeRules(new Uint8Array(ruleBytes.flatMap((b) => [...b])));
        assert.ok(rules.ok);
        const cap = new Capability({
          networkId,
          timestamp,
          id,
          rules: rules.value,
          maxCustodyChainLength,
          custody,
        });
        assert.deepEqual(roundTrip(cap, Capability), cap);
      },
    ),
    { numRuns: 300 },
  );
});
