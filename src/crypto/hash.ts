/**
 * SHA-2 hashes, HMAC-SHA384 and ZeroTier's KBKDF (protocol.md §2.5) on `node:crypto`.
 * @module
 */
import { createHash, createHmac } from 'node:crypto';

/** SHA-512 digest length. */
export const SHA512_BYTES = 64;
/** SHA-384 digest length (also the KBKDF output length). */
export const SHA384_BYTES = 48;

function asU8(b: Buffer): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/** SHA-512 of the concatenation of `parts` (64 bytes). */
export function sha512(...parts: Uint8Array[]): Uint8Array {
  const h = createHash('sha512');
  for (const p of parts) h.update(p);
  return asU8(h.digest());
}

/** SHA-384 of the concatenation of `parts` (48 bytes). */
export function sha384(...parts: Uint8Array[]): Uint8Array {
  const h = createHash('sha384');
  for (const p of parts) h.update(p);
  return asU8(h.digest());
}

/** Standard HMAC-SHA384 (RFC 2104 / FIPS 198-1) of `msg` under `key` (48 bytes output). */
export function hmacSha384(key: Uint8Array, msg: Uint8Array): Uint8Array {
  return asU8(createHmac('sha384', key).update(msg).digest());
}

/**
 * ZeroTier's NIST SP 800-108 style KBKDF (protocol.md §2.5) with context 0 and iteration 0:
 * `HMAC-SHA384(key48, u32be(0) || 'Z' 'T' || label || 0x00 || 0x00 || 00 00 01 80)`.
 * `label` is one byte: `0x30` ('0') gives the AES-GMAC-SIV K0 source, `0x31` ('1') K1 (§2.6).
 */
export function kbkdf384(key48: Uint8Array, label: number): Uint8Array {
  if (key48.length !== 48) throw new RangeError('kbkdf384: key must be 48 bytes');
  if (!Number.isInteger(label) || label < 0 || label > 255)
    throw new RangeError('kbkdf384: label must be a byte');
  const msg = new Uint8Array([0, 0, 0, 0, 0x5a, 0x54, label, 0x00, 0x00, 0x00, 0x00, 0x01, 0x80]);
  return hmacSha384(key48, msg);
}
