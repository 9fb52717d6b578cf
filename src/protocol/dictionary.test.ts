import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { cryptoVectors } from '../testing/vectors.ts';
import { equalBytes, fromHex, toHex } from '../util/bytes.ts';
import { Dictionary, META_DICT_CAPACITY, parseHexU64 } from './dictionary.ts';

const vectors = cryptoVectors.values as Record<string, string>;
const ascii = (s: string) => new TextEncoder().encode(s);

function mustDecode(b: Uint8Array, cap?: number): Dictionary {
  const d = Dictionary.decode(b, cap);
  assert.ok(d.ok, d.ok ? '' : d.reason);
  return d.value;
}

test('netconf_dict vector: decodes and re-encodes byte for byte', () => {
  const bytes = fromHex(vectors.netconf_dict);
  assert.equal(bytes.length, 1281);
  const d = mustDecode(bytes);
  assert.deepEqual(d.keys(), [
    'v',
    'nwid',
    'ts',
    'ctmd',
    'r',
    'id',
    'tt',
    'tl',
    'f',
    'ml',
    't',
    'n',
    'mtu',
    'C',
    'TAG',
    'COO',
    'RT',
    'I',
    'R',
    'DNS',
    'ssov',
    'ssoe',
  ]);
  assert.equal(d.getU64('v'), 7n);
  assert.equal(d.getU64('nwid'), 0x2d1d262d72000001n);
  assert.equal(d.getI64('ts'), 1700000000000n);
  assert.equal(d.getNumber('ctmd'), 1800000);
  assert.equal(d.getAddress('id'), 0x83edc7390e);
  assert.equal(d.getAddress('tt'), 0);
  assert.equal(d.getNumber('f'), 2);
  assert.equal(d.getNumber('ml'), 32);
  assert.equal(d.getString('n'), 'test=net');
  assert.equal(d.getNumber('mtu'), 2800);
  assert.equal(d.getBool('ssoe', true), false);
  assert.equal(toHex(d.getBytes('C')!), vectors.com);
  assert.equal(toHex(d.getBytes('TAG')!), vectors.tag);
  assert.equal(toHex(d.getBytes('COO')!), vectors.coo);
  assert.equal(toHex(d.getBytes('RT')!), '040a93110000180000000000');
  assert.equal(toHex(d.getBytes('I')!), '040a9311050018');
  assert.equal(toHex(d.getBytes('R')!), '0100');
  assert.deepEqual(d.getBytes('DNS'), new Uint8Array(132));
  assert.equal(d.encodedLength, 1281);
  assert.equal(toHex(d.encode()), vectors.netconf_dict);
});

test('netconf_dict vector: rebuilt with setters gives the same bytes', () => {
  const src = mustDecode(fromHex(vectors.netconf_dict));
  const d = new Dictionary();
  d.setU64('v', 7);
  d.setU64('nwid', 0x2d1d262d72000001n);
  d.setI64('ts', 1700000000000);
  d.setI64('ctmd', 1800000);
  d.setU64('r', 3);
  d.setAddress('id', 0x83edc7390e);
  d.setAddress('tt', 0);
  d.setU64('tl', 0);
  d.setU64('f', 2);
  d.setU64('ml', 32);
  d.setU64('t', 0);
  d.setString('n', 'test=net');
  d.setU64('mtu', 2800);
  for (const k of ['C', 'TAG', 'COO', 'RT', 'I', 'R', 'DNS']) assert.ok(d.setBytes(k, src.getBytes(k)!));
  d.setU64('ssov', 0);
  d.setBool('ssoe', false);
  assert.equal(toHex(d.encode()), vectors.netconf_dict);
});

test('meta_text vector: escapes of =, backslash, LF, CR', () => {
  const text = vectors.meta_text.slice(1, -1); // the vector is bracketed
  const d = mustDecode(ascii(text), META_DICT_CAPACITY);
  assert.equal(d.getU64('v'), 7n);
  assert.equal(d.getString('o'), 'linux/x86_64');
  assert.equal(d.getString('bin'), 'a=b\\c\n\r');
  assert.equal(new TextDecoder().decode(d.encode()), text);
  const e = new Dictionary(META_DICT_CAPACITY);
  e.setU64('v', 7n);
  e.setString('o', 'linux/x86_64');
  e.setString('bin', 'a=b\\c\n\r');
  assert.equal(new TextDecoder().decode(e.encode()), text);
});

test('every byte value survives escape/unescape; NUL is written as \\0', () => {
  const all = new Uint8Array(256).map((_, i) => i);
  const d = new Dictionary();
  d.setBytes('b', all);
  const enc = d.encode();
  assert.equal(enc.indexOf(0), -1);
  assert.equal(enc.indexOf(0x0a), -1);
  assert.equal(enc.indexOf(0x0d), -1);
  assert.equal(d.encodedLength, enc.length);
  assert.ok(equalBytes(mustDecode(enc).getBytes('b')!, all));
});

test('CR is a separator too, first key wins, lines without = are skipped, NUL ends the text', () => {
  const d = mustDecode(ascii('a=1\rb=2\r\nnoequals\n=empty\na=3\nc=x\0d=4'));
  assert.deepEqual(d.keys(), ['a', 'b', 'c']);
  assert.equal(d.getString('a'), '1');
  assert.equal(d.getString('b'), '2');
  assert.equal(d.getString('c'), 'x');
  assert.equal(d.has('d'), false);
  // A separator ends a value even right after a backslash; unknown escapes give the char itself.
  const e = mustDecode(ascii('k=ab\\\nq=\\x\\e\\0'));
  assert.equal(e.getString('k'), 'ab');
  assert.deepEqual([...e.getBytes('q')!], [0x78, 0x3d, 0]);
});

test('numbers parse like strtoull(…,16); signed values; booleans; addresses', () => {
  assert.equal(parseHexU64(ascii('1f')), 31n);
  assert.equal(parseHexU64(ascii('  0x1F zz')), 31n);
  assert.equal(parseHexU64(ascii('0x')), 0n);
  assert.equal(parseHexU64(ascii('')), 0n);
  assert.equal(parseHexU64(ascii('-1')), (1n << 64n) - 1n);
  assert.equal(parseHexU64(ascii('1ffffffffffffffff')), (1n << 64n) - 1n);
  const d = new Dictionary();
  d.setI64('neg', -5n);
  d.setI64('pos', 5);
  d.setBool('yes', true);
  d.setAddress('a', 0xabcdef0123);
  d.setU64('big', (1n << 64n) - 1n);
  const text = new TextDecoder().decode(d.encode());
  assert.equal(
    text,
    'neg=-0000000000000005\npos=0000000000000005\nyes=1\na=abcdef0123\nbig=ffffffffffffffff',
  );
  const r = mustDecode(d.encode());
  assert.equal(r.getI64('neg'), -5n);
  assert.equal(r.getI64('pos'), 5n);
  assert.equal(r.getBool('yes'), true);
  assert.equal(r.getAddress('a'), 0xabcdef0123);
  assert.equal(r.getU64('big'), (1n << 64n) - 1n);
  assert.equal(r.getU64('missing', 9n), 9n);
  for (const [s, b] of [
    ['t', true],
    ['True', true],
    ['1x', true],
    ['0', false],
    ['f', false],
    ['', false],
  ] as const)
    assert.equal(mustDecode(ascii(`k=${s}`)).getBool('k', !b), b, s);
});

test('setting an existing key replaces in place; delete keeps the length right', () => {
  const d = new Dictionary();
  d.setString('a', '1');
  d.setString('b', '2');
  d.setString('a', 'xyz');
  assert.equal(new TextDecoder().decode(d.encode()), 'a=xyz\nb=2');
  assert.equal(d.encodedLength, 9);
  assert.ok(d.delete('a'));
  assert.equal(d.encodedLength, d.encode().length);
  assert.ok(d.delete('b'));
  assert.equal(d.encodedLength, 0);
  assert.equal(d.delete('b'), false);
});

test('capacity: setters refuse to overflow, decode refuses oversized text', () => {
  const d = new Dictionary(10); // 9 bytes of text + NUL
  assert.ok(d.setString('a', '1234567')); // 9 bytes
  assert.equal(d.setString('b', ''), false);
  assert.equal(d.setString('a', '12345678'), false);
  assert.equal(d.getString('a'), '1234567');
  assert.equal(Dictionary.decode(ascii('a=12345678'), 10).ok, false);
  assert.ok(Dictionary.decode(ascii('a=1234567'), 10).ok);
});

test('bad keys are API misuse (TypeError)', () => {
  const d = new Dictionary();
  for (const k of ['', 'a=b', 'a\nb', 'a\rb', 'a\0b', 'é\u0100'])
    assert.throws(() => d.setString(k, 'x'), TypeError);
  assert.throws(() => d.setAddress('a', 2 ** 40), RangeError);
});

test('fuzz: decode never throws; decode(encode(x)) is x', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 600 }), (b) => {
      const d = Dictionary.decode(b, 512);
      if (d.ok) {
        const enc = d.value.encode();
        assert.equal(enc.length, d.value.encodedLength);
        const again = Dictionary.decode(enc, 512);
        assert.ok(again.ok);
        assert.ok(equalBytes(again.value.encode(), enc));
      }
    }),
    { numRuns: 2000 },
  );
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.stringMatching(/^[a-zA-Z0-9_]{1,8}$/), fc.uint8Array({ maxLength: 40 })), {
        maxLength: 12,
      }),
      (entries) => {
        const d = new Dictionary();
        const want = new Map<string, Uint8Array>();
        for (const [k, v] of entries) {
          d.setBytes(k, v);
          want.set(k, v);
        }
        const r = Dictionary.decode(d.encode());
        assert.ok(r.ok);
        assert.deepEqual(r.value.keys(), [...want.keys()]);
        for (const [k, v] of want) assert.ok(equalBytes(r.value.getBytes(k)!, v));
      },
    ),
    { numRuns: 500 },
  );
});

test('a hostile 400 kB key does not throw', () => {
  const b = new Uint8Array(400_000).fill(0x41);
  b[b.length - 2] = 0x3d;
  const d = Dictionary.decode(b);
  assert.ok(d.ok);
  assert.equal(d.value.size, 1);
});

test('entries() lists pairs in order', () => {
  const d = new Dictionary();
  d.setString('b', '1');
  d.setBytes('a', new Uint8Array([0, 61]));
  assert.deepEqual(d.entries(), [
    ['b', new Uint8Array([0x31])],
    ['a', new Uint8Array([0, 61])],
  ]);
});
