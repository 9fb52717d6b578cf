import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { cryptoVectors } from '../../testing/vectors.ts';
import { fromHex } from '../../util/bytes.ts';
import { Writer } from '../../util/result.ts';
import { decodeVerbPayload, encodeVerbPayload } from './dispatch.ts';
import { decodeOkHelloWorlds, helloCryptFieldStart } from './hello.ts';
import { verbSamples } from './samples.ts';
import { summarize } from './summarize.ts';

const vec = cryptoVectors;
const V = vec.values;
const SAMPLES = verbSamples(vec);

/** Every sample payload (plus the captured HELLO and OK(HELLO)) as a mutation seed. */
const seeds: { verb: number; bytes: Uint8Array }[] = SAMPLES.map(([m]) => {
  const w = new Writer();
  encodeVerbPayload(w, m);
  return { verb: m.verb === 'unknown' ? m.number : m.verb, bytes: w.finish() };
});
seeds.push({ verb: 1, bytes: fromHex(V.hello_plain).subarray(28) });
seeds.push({ verb: 3, bytes: fromHex(V.okhello_plain).subarray(28) });

/** Must return a Decoded, never throw; summarize must also return a line. */
function check(verb: number, bytes: Uint8Array): void {
  const d = decodeVerbPayload(verb, bytes);
  assert.equal(typeof d.ok, 'boolean');
  if (!d.ok) assert.equal(typeof d.reason, 'string');
  assert.equal(typeof summarize(verb, bytes), 'string');
  if (verb === 1) helloCryptFieldStart(bytes);
}

test('fuzz: random payloads for every verb number', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 31 }), fc.uint8Array({ maxLength: 600 }), (verb, bytes) =>
      check(verb, bytes),
    ),
    { numRuns: 4000 },
  );
});

test('fuzz: truncations of valid payloads fail cleanly', () => {
  for (const s of seeds) for (let n = 0; n < s.bytes.length; n++) check(s.verb, s.bytes.subarray(0, n));
});

test('fuzz: bit flips, byte overwrites, insertions and truncation of valid payloads', () => {
  const mutation = fc.record({
    seed: fc.integer({ min: 0, max: seeds.length - 1 }),
    edits: fc.array(
      fc.oneof(
        fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
        fc.record({
          kind: fc.constant('set' as const),
          at: fc.nat(),
          v: fc.constantFrom(0, 1, 0x7f, 0x80, 0xff),
        }),
        fc.record({
          kind: fc.constant('insert' as const),
          at: fc.nat(),
          v: fc.integer({ min: 0, max: 255 }),
        }),
      ),
      { minLength: 1, maxLength: 6 },
    ),
    cut: fc.option(fc.nat()),
  });
  fc.assert(
    fc.property(mutation, ({ seed, edits, cut }) => {
      const s = seeds[seed];
      let b = Array.from(s.bytes);
      for (const e of edits) {
        if (b.length === 0) break;
        const at = e.at % b.length;
        if (e.kind === 'flip') b[at] ^= 1 << e.bit;
        else if (e.kind === 'set') b[at] = e.v;
        else b.splice(at, 0, e.v);
      }
      if (cut !== null) b = b.slice(0, cut % (b.length + 1));
      check(s.verb, Uint8Array.from(b));
    }),
    { numRuns: 5000 },
  );
});

test('fuzz: OK(HELLO) world section decoder', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 700 }), (b) => {
      const d = decodeOkHelloWorlds(b);
      assert.equal(typeof d.ok, 'boolean');
    }),
    { numRuns: 1000 },
  );
});
