import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { equalBytes, fromHex, toHex } from '../util/bytes.ts';
import { Reader } from '../util/result.ts';
import { decodeRules, encodeRule, encodeRules, type Rule, RuleType, readRule, readRules } from './rules.ts';

const ip4 = new Uint8Array([10, 147, 17, 5]);
const ip6 = fromHex('20010db8000000000000000000000001');

/** One example of every known type, with its expected encoding (hand-assembled from §8.8's table). */
const EXAMPLES: [Rule, string][] = [
  [{ type: RuleType.ACTION_DROP, not: false, or: false }, '0000'],
  [{ type: RuleType.ACTION_ACCEPT, not: false, or: false }, '0100'],
  [
    { type: RuleType.ACTION_TEE, not: false, or: false, address: 0x83edc7390e, flags: 7, length: 128 },
    '020e00000083edc7390e000000070080',
  ],
  [
    { type: RuleType.ACTION_WATCH, not: false, or: false, address: 0x1122334455, flags: 0, length: 0 },
    '030e0000001122334455000000000000',
  ],
  [
    { type: RuleType.ACTION_REDIRECT, not: false, or: false, address: 0xffffffffff, flags: 1, length: 2 },
    '040e000000ffffffffff000000010002',
  ],
  [{ type: RuleType.ACTION_BREAK, not: false, or: false }, '0500'],
  [{ type: RuleType.ACTION_PRIORITY, not: false, or: false }, '0600'],
  [{ type: 24, not: true, or: false, address: 0x2d1d262d72 }, '98052d1d262d72'],
  [{ type: 25, not: false, or: true, address: 0x83edc7390e }, '590583edc7390e'],
  [{ type: 26, not: false, or: false, vlanId: 0x0123 }, '1a020123'],
  [{ type: 27, not: false, or: false, vlanPcp: 5 }, '1b0105'],
  [{ type: 28, not: false, or: false, vlanDei: 1 }, '1c0101'],
  [{ type: 29, not: false, or: false, mac: 0x022d1d3acfb0 }, '1d06022d1d3acfb0'],
  [{ type: 30, not: true, or: true, mac: 0xffffffffffff }, 'de06ffffffffffff'],
  [{ type: 31, not: false, or: false, ip: ip4, prefixBits: 24 }, '1f050a93110518'],
  [{ type: 32, not: false, or: false, ip: ip4, prefixBits: 32 }, '20050a93110520'],
  [{ type: 33, not: false, or: false, ip: ip6, prefixBits: 64 }, '211120010db800000000000000000000000140'],
  [{ type: 34, not: false, or: false, ip: ip6, prefixBits: 128 }, '221120010db800000000000000000000000180'],
  [{ type: 35, not: false, or: false, mask: 0xfc, start: 8, end: 16 }, '2303fc0810'],
  [{ type: 36, not: false, or: false, ipProtocol: 6 }, '240106'],
  [{ type: 37, not: true, or: false, etherType: 0x0800 }, 'a5020800'],
  [{ type: 38, not: false, or: false, icmpType: 8, icmpCode: 0, icmpFlags: 1 }, '2603080001'],
  [{ type: 39, not: false, or: false, start: 1024, end: 65535 }, '27040400ffff'],
  [{ type: 40, not: false, or: false, start: 22, end: 22 }, '280400160016'],
  [{ type: 41, not: false, or: false, mask: 0x8000000000000002n }, '29088000000000000002'],
  [{ type: 42, not: false, or: false, start: 64, end: 1500 }, '2a04004005dc'],
  [{ type: 43, not: false, or: false, probability: 0x7fffffff }, '2b047fffffff'],
  [{ type: 44, not: false, or: false, tagId: 100, tagValue: 5 }, '2c080000006400000005'],
  [{ type: 45, not: false, or: false, tagId: 1, tagValue: 2 }, '2d080000000100000002'],
  [{ type: 46, not: false, or: false, tagId: 3, tagValue: 4 }, '2e080000000300000004'],
  [{ type: 47, not: false, or: false, tagId: 5, tagValue: 6 }, '2f080000000500000006'],
  [{ type: 48, not: false, or: false, tagId: 7, tagValue: 8 }, '30080000000700000008'],
  [{ type: 49, not: false, or: false, tagId: 9, tagValue: 10 }, '3108000000090000000a'],
  [{ type: 50, not: false, or: false, tagId: 11, tagValue: 12 }, '32080000000b0000000c'],
  [
    { type: 51, not: false, or: false, start: 1n, end: 0xffffffffffffffffn, index: 14, format: 0x8f },
    '33130000000000000001ffffffffffffffff000e8f',
  ],
];

test('every known rule type encodes to the table layout and decodes back', () => {
  const seen = new Set<number>();
  for (const [rule, hex] of EXAMPLES) {
    seen.add(rule.type);
    assert.equal(toHex(encodeRule(rule)), hex, `encode type ${rule.type}`);
    const r = new Reader(fromHex(hex));
    const back = readRule(r);
    assert.equal(r.overrun, false);
    assert.equal(r.remaining, 0);
    assert.deepEqual(back, rule, `decode type ${rule.type}`);
  }
  for (const t of Object.values(RuleType)) assert.ok(seen.has(t), `example for type ${t}`);
});

test('a whole rule list round-trips; the capability vector rules decode', () => {
  const blob = encodeRules(EXAMPLES.map(([r]) => r));
  const d = decodeRules(blob);
  assert.ok(d.ok);
  assert.equal(d.value.length, EXAMPLES.length);
  assert.ok(equalBytes(encodeRules(d.value), blob));
  // [NOT ETHERTYPE 0x0800, DROP] from the Capability vector (Appendix B).
  const cap = decodeRules(fromHex('a50208000000'));
  assert.ok(cap.ok);
  assert.deepEqual(cap.value, [
    { type: 37, not: true, or: false, etherType: 0x0800 },
    { type: 0, not: false, or: false },
  ]);
});

test('unknown types (actions 7-15, matches 16-23 and 52-63) keep their bytes', () => {
  for (const t of [7, 15, 16, 23, 52, 63]) {
    for (const flags of [0, 0x40, 0x80, 0xc0]) {
      const bytes = new Uint8Array([t | flags, 3, 9, 8, 7]);
      const d = decodeRules(bytes);
      assert.ok(d.ok);
      const [rule] = d.value;
      assert.equal(rule.type, t);
      assert.equal(rule.not, (flags & 0x80) !== 0);
      assert.equal(rule.or, (flags & 0x40) !== 0);
      assert.deepEqual([...rule.raw!], [9, 8, 7]);
      assert.ok(equalBytes(encodeRules(d.value), bytes));
    }
  }
});

test('known types with an unexpected length still decode their fields and re-encode unchanged', () => {
  // ETHERTYPE with one extra byte; ACCEPT with a 2-byte value; ZT address with 3 bytes; TEE with high bits.
  for (const hex of ['25030800ff', '01029999', '1803aabbcc', '020effffff83edc7390e000000070080']) {
    const d = decodeRules(fromHex(hex));
    assert.ok(d.ok, hex);
    assert.ok(d.value[0].raw !== undefined, hex);
    assert.equal(toHex(encodeRules(d.value)), hex);
  }
  const d = decodeRules(fromHex('25030800ff'));
  assert.ok(d.ok && d.value[0].type === 37 && d.value[0].etherType === 0x0800);
});

test('truncated rules fail; rules beyond the maximum are ignored', () => {
  assert.deepEqual(decodeRules(fromHex('250208')), { ok: false, reason: 'truncated' });
  assert.deepEqual(decodeRules(fromHex('25')), { ok: false, reason: 'truncated' });
  const three = fromHex('000001000500');
  const d = decodeRules(three, 2);
  assert.ok(d.ok);
  assert.equal(d.value.length, 2);
  const r = new Reader(fromHex('0000a502'));
  readRules(r, 2);
  assert.equal(r.overrun, true);
});

test('fuzz: decodeRules never throws and re-encodes what it accepted byte for byte', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), (b) => {
      const d = decodeRules(b, 1024);
      if (d.ok) assert.ok(equalBytes(encodeRules(d.value), b));
    }),
    { numRuns: 3000 },
  );
  // Well-formed rule lists of random types and lengths.
  const ruleBytes = fc
    .tuple(fc.integer({ min: 0, max: 255 }), fc.uint8Array({ maxLength: 24 }))
    .map(([t, v]) => [t, v.length, ...v]);
  fc.assert(
    fc.property(fc.array(ruleBytes, { maxLength: 20 }), (rules) => {
      const b = new Uint8Array(rules.flat());
      const d = decodeRules(b);
      assert.ok(d.ok);
      assert.equal(d.value.length, rules.length);
      assert.ok(equalBytes(encodeRules(d.value), b));
    }),
    { numRuns: 2000 },
  );
});
