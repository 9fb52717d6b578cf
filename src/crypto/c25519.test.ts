import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import fc from 'fast-check';
import { fromHex, toHex } from '../util/bytes.ts';
import { agree, c25519Public, ed25519Public, sign, verify, x25519Public } from './c25519.ts';

const vectorsDir = new URL('../../test/vectors/', import.meta.url);
const cv = JSON.parse(readFileSync(new URL('crypto-vectors.json', vectorsDir), 'utf8'));
const iv = JSON.parse(readFileSync(new URL('identity-vectors.json', vectorsDir), 'utf8'));

function keys(s: string): { pub: Uint8Array; priv: Uint8Array | null } {
  const f = s.split(':');
  return { pub: fromHex(f[2]), priv: f[3] ? fromHex(f[3]) : null };
}
const A = keys(cv.identities.A);
const B = keys(cv.identities.B);

test('public halves derive from private halves (identities A, B and the identity vectors)', () => {
  for (const k of [A, B]) assert.equal(toHex(c25519Public(k.priv!)), toHex(k.pub));
  for (const v of iv.identities) {
    if (!v.secret) continue;
    const k = keys(v.secret);
    assert.equal(toHex(x25519Public(k.priv!.subarray(0, 32))), toHex(k.pub.subarray(0, 32)));
    assert.equal(toHex(ed25519Public(k.priv!.subarray(32))), toHex(k.pub.subarray(32)));
  }
});

test('agreement matches agree_a_b from both sides (§2.6)', () => {
  assert.equal(toHex(agree(A.priv!, B.pub)!), cv.values.agree_a_b);
  assert.equal(toHex(agree(B.priv!, A.pub)!), cv.values.agree_b_a);
});

test('agreement with a low-order or malformed peer key is null', () => {
  const bad = new Uint8Array(64);
  bad.set(B.pub.subarray(32), 32);
  assert.equal(agree(A.priv!, bad), null); // u = 0
  bad[0] = 1;
  assert.equal(agree(A.priv!, bad), null); // u = 1
  assert.equal(agree(A.priv!, B.pub.subarray(0, 63)), null);
  assert.equal(agree(A.priv!.subarray(0, 32), B.pub), null);
});

test('sign("hello world") with A reproduces sig_hello; it verifies (§2.4)', () => {
  const msg = new TextEncoder().encode('hello world');
  const sig = sign(A.priv!, A.pub, msg);
  assert.equal(toHex(sig), cv.values.sig_hello);
  assert.equal(toHex(sign(A.priv!, undefined, msg)), cv.values.sig_hello);
  assert.ok(verify(A.pub, msg, sig));
  assert.ok(!verify(B.pub, msg, sig));
});

test('reference signatures of the identity vectors verify, and any single-bit change fails', () => {
  for (const s of iv.signatures) {
    const pub = keys(s.public).pub;
    const msg = fromHex(s.messageHex);
    const sig = fromHex(s.signatureHex);
    assert.ok(verify(pub, msg, sig), s.public.slice(0, 10));
    for (const bit of [0, 7 * 8 + 3, 40 * 8 + 1, 70 * 8 + 5, 95 * 8 + 7]) {
      const bad = sig.slice();
      bad[bit >> 3] ^= 1 << (bit & 7);
      assert.ok(!verify(pub, msg, bad), `sig bit ${bit}`);
    }
    const badMsg = msg.slice();
    badMsg[0] ^= 1;
    assert.ok(!verify(pub, badMsg, sig));
    // The signer reproduces it when we hold the secret (Ed25519 is deterministic).
    const v = iv.identities.find((x: { public: string }) => x.public === s.public);
    if (v?.secret) assert.equal(toHex(sign(keys(v.secret).priv!, pub, msg)), s.signatureHex);
  }
});

test('verify never throws on garbage', () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ maxLength: 80 }),
      fc.uint8Array({ maxLength: 40 }),
      fc.uint8Array({ maxLength: 100 }),
      (pub, msg, sig) => {
        assert.equal(typeof verify(pub, msg, sig), 'boolean');
      },
    ),
  );
  // Right lengths, random content, including a matching hash suffix so Ed25519 itself runs.
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 64, maxLength: 64 }),
      fc.uint8Array({ minLength: 64, maxLength: 64 }),
      (pub, r) => {
        const msg = new Uint8Array([1, 2, 3]);
        const good = sign(A.priv!, undefined, msg);
        const sig = new Uint8Array(96);
        sig.set(r, 0);
        sig.set(good.subarray(64), 64);
        assert.equal(verify(pub, msg, sig), false);
      },
    ),
    { numRuns: 50 },
  );
});

test('misuse throws clear errors', () => {
  assert.throws(() => sign(new Uint8Array(63), undefined, new Uint8Array(1)), RangeError);
  assert.throws(() => x25519Public(new Uint8Array(31)), RangeError);
});
