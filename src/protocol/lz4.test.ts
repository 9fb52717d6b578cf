import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import fc from 'fast-check';
import { cryptoVectors } from '../testing/vectors.ts';
import { fromHex, toHex } from '../util/bytes.ts';
import {
  COMPRESS_MIN_PAYLOAD,
  compressPayload,
  LZ4_MAX_PAYLOAD,
  lz4Compress,
  lz4CompressBound,
  lz4Decompress,
} from './lz4.ts';

const vectors = cryptoVectors;

function seven(n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = i % 7;
  return b;
}

test('compressed_pkt vector: the reference block decompresses to 200 bytes of i mod 7', () => {
  const pkt = fromHex(vectors.values.compressed_pkt);
  assert.equal(pkt[27], 0x88, 'verb ECHO with the compressed flag');
  const d = lz4Decompress(pkt.subarray(28));
  assert.ok(d.ok);
  assert.deepEqual(d.value, seven(200));
});

test('our compressor round-trips and is at least as good as the reference on the vector input', () => {
  const c = lz4Compress(seven(200));
  const ref = fromHex(vectors.values.compressed_pkt).subarray(28);
  assert.ok(c.length <= ref.length, `ours ${toHex(c)} vs reference ${toHex(ref)}`);
  const d = lz4Decompress(c);
  assert.ok(d.ok);
  assert.deepEqual(d.value, seven(200));
});

test('§5 sender rule: only payloads > 64 bytes that get strictly smaller', () => {
  assert.equal(compressPayload(seven(COMPRESS_MIN_PAYLOAD)), null);
  const c = compressPayload(seven(COMPRESS_MIN_PAYLOAD + 1));
  assert.ok(c && c.length < COMPRESS_MIN_PAYLOAD + 1);
  let x = 7;
  const noise = Uint8Array.from({ length: 300 }, () => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    return x >>> 24;
  });
  assert.equal(compressPayload(noise), null);
});

test('edge inputs: empty, tiny, long literal runs, long matches, max payload', () => {
  const inputs = [
    new Uint8Array(0),
    Uint8Array.of(1),
    new Uint8Array(12),
    new Uint8Array(13),
    new Uint8Array(300),
    seven(9996),
    Uint8Array.from({ length: 5000 }, (_, i) => (i * 2654435761) >>> 24),
  ];
  for (const src of inputs) {
    const c = lz4Compress(src);
    assert.ok(c.length <= lz4CompressBound(src.length));
    const d = lz4Decompress(c, Math.max(src.length, 1));
    assert.ok(d.ok, `len ${src.length}: ${d.ok ? '' : d.reason}`);
    assert.deepEqual(d.value, src);
  }
  assert.equal(toHex(lz4Compress(new Uint8Array(0))), '00');
});

test('decompress rejects malformed blocks with stable reasons', () => {
  const cases: [string, string, number?][] = [
    ['', 'lz4-empty'],
    ['f0', 'lz4-truncated'], // literal length continues past the end
    ['20aa', 'lz4-truncated'], // 2 literals promised, 1 present
    ['10aa01', 'lz4-truncated'], // half an offset
    ['10aa0000', 'lz4-bad-offset'], // offset 0
    ['10aa0200', 'lz4-bad-offset'], // reaches before the output start
    ['10aa0100', 'lz4-truncated'], // ends on a match
    ['1faa0100ff', 'lz4-truncated'], // match length continues past the end
    ['1faa0100ff00', 'lz4-too-large', 100], // 1 + 274 > 100
    ['30aabbcc', 'lz4-too-large', 2],
  ];
  for (const [hex, reason, max] of cases) {
    const d = lz4Decompress(fromHex(hex), max);
    assert.deepEqual(d, { ok: false, reason }, hex);
  }
  // Overlapping match: one literal then 19 copies of it, then a literal-only end.
  const d = lz4Decompress(fromHex('1faa010000' + '10bb'));
  assert.ok(d.ok);
  assert.equal(toHex(d.value), `${'aa'.repeat(20)}bb`);
});

/**
 * Checks the format's end-of-block rules on one of our blocks (real decoders may rely on
 * them): the last 5 bytes are literals and the last match starts ≥ 12 bytes before the end.
 */
function endOfBlockOk(block: Uint8Array, n: number): boolean {
  let i = 0;
  let o = 0;
  let lastMatchStart = -1;
  let lastMatchEnd = 0;
  for (;;) {
    const t = block[i++];
    let lit = t >> 4;
    if (lit === 15) for (let b = 255; b === 255; lit += b) b = block[i++];
    i += lit;
    o += lit;
    if (i >= block.length) break;
    i += 2;
    let ml = (t & 15) + 4;
    if ((t & 15) === 15) for (let b = 255; b === 255; ml += b) b = block[i++];
    lastMatchStart = o;
    o += ml;
    lastMatchEnd = o;
  }
  return lastMatchStart < 0 || (lastMatchStart <= n - 12 && n - lastMatchEnd >= 5);
}

test('property: compress/decompress round-trip on random and repetitive data', () => {
  const data = fc.oneof(
    fc.uint8Array({ maxLength: 3000 }),
    fc
      .tuple(fc.uint8Array({ minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 300 }))
      .map(([unit, reps]) => {
        const out = new Uint8Array(unit.length * reps);
        for (let i = 0; i < reps; i++) out.set(unit, i * unit.length);
        return out;
      }),
    fc.array(fc.constantFrom(0, 1, 2), { maxLength: 4000 }).map((a) => Uint8Array.from(a)),
  );
  fc.assert(
    fc.property(data, (src) => {
      const c = lz4Compress(src);
      assert.ok(endOfBlockOk(c, src.length), 'end-of-block rules');
      const d = lz4Decompress(c, Math.max(1, src.length));
      assert.ok(d.ok);
      assert.deepEqual(d.value, src);
    }),
    { numRuns: 300 },
  );
});

test('fuzz: random and mutated blocks never throw and never exceed the limit', () => {
  const base = lz4Compress(seven(2000));
  const mutated = fc
    .array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 8 })
    .chain((muts) =>
      fc.integer({ min: 0, max: base.length }).map((cut) => {
        const b = base.slice(0, cut);
        for (const [at, v] of muts) if (b.length) b[at % b.length] = v;
        return b;
      }),
    );
  fc.assert(
    fc.property(
      fc.oneof(fc.uint8Array({ maxLength: 600 }), mutated),
      fc.integer({ min: 1, max: 3000 }),
      (b, max) => {
        const d = lz4Decompress(b, max);
        if (d.ok) assert.ok(d.value.length <= max);
        else assert.match(d.reason, /^lz4-/);
      },
    ),
    { numRuns: 3000 },
  );
});

// Cross-check with the real LZ4 implementation when the `lz4` command is installed: wrap our raw
// block in an LZ4 frame (which needs an xxHash32 header checksum) and let `lz4 -d` decode it.
function xxh32(b: Uint8Array): number {
  const P1 = 2654435761;
  const P2 = 2246822519;
  const P3 = 3266489917;
  const P4 = 668265263;
  const P5 = 374761393;
  const rotl = (x: number, r: number) => ((x << r) | (x >>> (32 - r))) >>> 0;
  if (b.length >= 16) throw new Error('xxh32 test helper handles < 16 bytes only');
  let h = (P5 + b.length) >>> 0;
  let i = 0;
  for (; i + 4 <= b.length; i += 4) {
    const v = (b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24)) >>> 0;
    h = Math.imul(rotl((h + Math.imul(v, P3)) >>> 0, 17), P4) >>> 0;
  }
  for (; i < b.length; i++) h = Math.imul(rotl((h + Math.imul(b[i], P5)) >>> 0, 11), P1) >>> 0;
  h = Math.imul(h ^ (h >>> 15), P2) >>> 0;
  h = Math.imul(h ^ (h >>> 13), P3) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

let haveLz4 = false;
try {
  execFileSync('lz4', ['--version'], { stdio: 'ignore' });
  haveLz4 = true;
} catch {}

test('interop: the lz4 tool decodes our blocks and we decode its blocks', {
  skip: !haveLz4 && 'no lz4 tool',
}, () => {
  const inputs = [
    seven(200),
    seven(9996),
    new TextEncoder().encode('hello hello hello hello world '.repeat(40)),
  ];
  for (const src of inputs) {
    const block = lz4Compress(src);
    const flg = 0x60; // version 01, independent blocks, no checksums
    const bd = 0x40; // 64 KB max block size
    const hc = (xxh32(Uint8Array.of(flg, bd)) >>> 8) & 0xff;
    const frame = new Uint8Array(7 + 4 + block.length + 4);
    frame.set([0x04, 0x22, 0x4d, 0x18, flg, bd, hc]);
    new DataView(frame.buffer).setUint32(7, block.length, true);
    frame.set(block, 11);
    const plain = execFileSync('lz4', ['-d', '-c'], { input: frame, stdio: ['pipe', 'pipe', 'ignore'] });
    assert.deepEqual(new Uint8Array(plain), src);

    // Reverse: compress with the tool (independent blocks, no checksums) and decode its one block.
    const theirs = new Uint8Array(
      execFileSync('lz4', ['-c', '-BD', '--no-frame-crc', '-B4'], {
        input: src,
        stdio: ['pipe', 'pipe', 'ignore'],
      }),
    );
    const f = theirs[4];
    let at = 7 + (f & 0x08 ? 8 : 0) + (f & 0x01 ? 4 : 0);
    const size = new DataView(theirs.buffer, theirs.byteOffset).getUint32(at, true);
    at += 4;
    assert.equal(size & 0x80000000, 0, 'tool stored the block compressed');
    const d = lz4Decompress(theirs.subarray(at, at + size), LZ4_MAX_PAYLOAD);
    assert.ok(d.ok);
    assert.deepEqual(d.value, src);
  }
});

test('interop: the lz4 tool decodes 300 random blocks of ours (one multi-block frame)', {
  skip: !haveLz4 && 'no lz4 tool',
}, () => {
  const inputs = fc.sample(
    fc.oneof(
      fc.uint8Array({ maxLength: 2000 }),
      fc.array(fc.constantFrom(0, 1, 2, 255), { maxLength: 5000 }).map((a) => Uint8Array.from(a)),
      fc
        .tuple(fc.uint8Array({ minLength: 1, maxLength: 30 }), fc.integer({ min: 1, max: 200 }))
        .map(([u, n]) => Uint8Array.from({ length: u.length * n }, (_, i) => u[i % u.length])),
    ),
    { numRuns: 300, seed: 42 },
  );
  const parts: Uint8Array[] = [
    Uint8Array.of(0x04, 0x22, 0x4d, 0x18, 0x60, 0x40, (xxh32(Uint8Array.of(0x60, 0x40)) >>> 8) & 0xff),
  ];
  for (const src of inputs) {
    if (src.length === 0) continue; // a zero-size block would read as the end mark
    const block = lz4Compress(src);
    const size = new Uint8Array(4);
    new DataView(size.buffer).setUint32(0, block.length, true);
    parts.push(size, block);
  }
  parts.push(new Uint8Array(4)); // end mark
  const frame = Buffer.concat(parts);
  const plain = execFileSync('lz4', ['-d', '-c'], {
    input: frame,
    stdio: ['pipe', 'pipe', 'ignore'],
    maxBuffer: 1 << 26,
  });
  assert.deepEqual(new Uint8Array(plain), new Uint8Array(Buffer.concat(inputs)));
});
