import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fromHex, toHex } from '../util/bytes.ts';
import { IDENTITY_HASH_MEMORY, identityHash } from './identity-hash.ts';
import { salsaBlock, salsaIncrement, salsaState } from './salsa20.ts';

const vectorsDir = new URL('../../test/vectors/', import.meta.url);
const cv = JSON.parse(readFileSync(new URL('crypto-vectors.json', vectorsDir), 'utf8'));
const iv = JSON.parse(readFileSync(new URL('identity-vectors.json', vectorsDir), 'utf8'));

/**
 * A deliberately literal transcription of protocol.md §2.3 (byte arrays, bigint words,
 * DataView reads) to cross-check the optimised implementation.
 */
function slowReferenceHash(pub: Uint8Array): Uint8Array {
  const d = new Uint8Array(createHash('sha512').update(pub).digest());
  // Keystream from the scalar Salsa20 core one block at a time (the hash itself uses the bulk path).
  const state = salsaState(d.slice(0, 32), d.slice(32, 40));
  const blk = new Uint32Array(16);
  const ks = new Uint8Array(blk.buffer); // the current block's bytes (little-endian host)
  const nextBlock = () => {
    salsaBlock(20, state, blk, 0);
    salsaIncrement(state);
  };
  const m = new Uint8Array(IDENTITY_HASH_MEMORY);
  nextBlock();
  m.set(ks, 0);
  for (let off = 64; off < m.length; off += 64) {
    nextBlock();
    for (let k = 0; k < 64; k++) m[off + k] = m[off - 64 + k] ^ ks[k];
  }
  const mv = new DataView(m.buffer);
  for (let i = 0; i < m.length / 8; ) {
    const idx1 = Number(mv.getBigUint64(i++ * 8, false) % 8n);
    const idx2 = Number(mv.getBigUint64(i++ * 8, false) % 262144n);
    for (let k = 0; k < 8; k++) {
      const t = m[idx2 * 8 + k];
      m[idx2 * 8 + k] = d[idx1 * 8 + k];
      d[idx1 * 8 + k] = t;
    }
    nextBlock();
    for (let k = 0; k < 64; k++) d[k] ^= ks[k];
  }
  return d;
}

function pubOf(s: string): Uint8Array {
  return fromHex(s.split(':')[2]);
}

test('identity A: D[0] = 16 and D[59..64) = its address 2d1d262d72 (Appendix B)', () => {
  const d = identityHash(pubOf(cv.identities.A));
  assert.equal(d[0], 16);
  assert.equal(toHex(d, 59, 64), '2d1d262d72');
});

test('valid identity vectors satisfy the work criterion and match their address; altered keys do not', () => {
  for (const v of iv.identities) {
    const d = identityHash(pubOf(v.public));
    const addr = v.public.slice(0, 10);
    const good = d[0] < 17 && toHex(d, 59, 64) === addr;
    assert.equal(good, v.valid, `${addr} ${v.note ?? ''}`);
  }
});

test('the fast hash agrees with a literal transcription of §2.3', () => {
  const keys = [pubOf(cv.identities.B), new Uint8Array(64), new Uint8Array(64).fill(0xa5)];
  for (const pub of keys) assert.equal(toHex(identityHash(pub)), toHex(slowReferenceHash(pub)));
});

test('the reused scratch buffer does not leak state between calls; out parameter is honoured', () => {
  const a = pubOf(cv.identities.A);
  const first = identityHash(a);
  identityHash(pubOf(cv.identities.B));
  const out = new Uint8Array(64);
  assert.equal(identityHash(a, out), out);
  assert.equal(toHex(out), toHex(first));
  assert.throws(() => identityHash(new Uint8Array(63)), RangeError);
});
