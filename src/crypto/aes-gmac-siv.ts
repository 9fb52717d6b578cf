/**
 * AES-GMAC-SIV, ZeroTier's cipher suite 3 (protocol.md §4.4), on `node:crypto` AES.
 *
 * A synthetic-IV construction: the 64-bit tag is a folded AES-256-GMAC (key K0) over
 * `aad || plaintext` with the caller's 64-bit IV, then `AES-256-ECB(K1, iv || tag)` becomes both
 * the transmitted tag (16 bytes) and the AES-256-CTR IV (key K1) that encrypts the plaintext.
 * The receiver decrypts first, recovers `iv || tag` by ECB-decrypting the tag, and re-checks
 * the GMAC.
 *
 * Speed notes (per packet, measured in bench/armor.bench.ts): creating a Node cipher object costs
 * ~1.4 µs, so the K1 contexts are long-lived AES-256-ECB (stateless between update() calls with
 * padding off): one encrypts the single SIV block and also produces the CTR keystream from
 * counter blocks built in JS; the other decrypts the SIV block. Only GMAC (K0, fresh IV each
 * packet) needs a new context per packet: Node cannot re-IV a cipher.
 * @module
 */
import {
  type Cipher,
  type CipherGCM,
  createCipheriv,
  createDecipheriv,
  createSecretKey,
  type Decipher,
  type KeyObject,
} from 'node:crypto';
import { xorInto } from './xor.ts';

/** Length of the SIV tag written to the wire (`B`, §4.4 step 5). */
export const SIV_TAG_BYTES = 16;
/** Length of the caller-supplied IV (the random packet ID). */
export const SIV_IV_BYTES = 8;

/**
 * Per-key AES-GMAC-SIV state: K0/K1 key objects plus reusable AES-256-ECB encrypt/decrypt
 * contexts for K1. Not re-entrant (scratch buffers are per instance), which is fine on
 * Node's single thread.
 */
export class AesGmacSiv {
  private readonly k0: KeyObject;
  private readonly k1: KeyObject;
  private readonly ecbEnc: Cipher;
  private readonly ecbDec: Decipher;
  /** GCM IV: iv8 || 00 00 00 00 (§4.4 step 3). */
  private readonly iv12 = Buffer.alloc(12);
  /** Scratch: `iv || t8` before ECB, and the CTR IV `B'`. */
  private readonly block = Buffer.alloc(16);
  /** Counter blocks for CTR, grown on demand (640 blocks covers a maximum-size packet). */
  private ctrBlocks = 0;
  private ctrWords = new Uint32Array(0);
  private ctrBytes = new Uint8Array(0);

  /** `k0`, `k1`: the two 32-byte AES-256 keys (first 32 bytes of KBKDF '0' / '1', §2.6). */
  constructor(k0: Uint8Array, k1: Uint8Array) {
    if (k0.length !== 32 || k1.length !== 32) throw new RangeError('AesGmacSiv: K0 and K1 must be 32 bytes');
    this.k0 = createSecretKey(k0);
    this.k1 = createSecretKey(k1);
    this.ecbEnc = createCipheriv('aes-256-ecb', this.k1, null);
    this.ecbEnc.setAutoPadding(false);
    this.ecbDec = createDecipheriv('aes-256-ecb', this.k1, null);
    this.ecbDec.setAutoPadding(false);
  }

  /** Folded GMAC (§4.4 steps 3-4): writes `T[0..8) ^ T[8..16)` into `dst[8..16)`. */
  private gmac8(iv8: Uint8Array, iv8Off: number, aad: Uint8Array, data: Uint8Array, dst: Buffer): void {
    const iv12 = this.iv12;
    for (let i = 0; i < 8; i++) iv12[i] = iv8[iv8Off + i];
    const g = createCipheriv('aes-256-gcm', this.k0, iv12) as CipherGCM;
    // aad is exactly one 16-byte block, so two setAAD calls equal one AAD stream aad || data.
    g.setAAD(aad);
    g.setAAD(data);
    g.final();
    const t = g.getAuthTag();
    for (let i = 0; i < 8; i++) dst[8 + i] = t[i] ^ t[8 + i];
  }

  /**
   * Encrypts `data` in place under `iv8[iv8Off..+8)` with additional data `aad` (exactly 16
   * bytes, §4.4 step 2) and writes the 16-byte SIV tag `B` into `tagOut[tagOff..+16)`.
   */
  encrypt(
    iv8: Uint8Array,
    iv8Off: number,
    aad: Uint8Array,
    data: Uint8Array,
    tagOut: Uint8Array,
    tagOff: number,
  ): void {
    if (aad.length !== 16) throw new RangeError('AesGmacSiv: aad must be 16 bytes');
    const blk = this.block;
    for (let i = 0; i < 8; i++) blk[i] = iv8[iv8Off + i];
    this.gmac8(iv8, iv8Off, aad, data, blk);
    const b = this.ecbEnc.update(blk);
    for (let i = 0; i < 16; i++) tagOut[tagOff + i] = b[i];
    const ks = this.ctrKeystream(b, data.length);
    xorInto(data, 0, ks, 0, data.length);
  }

  /**
   * Decrypts `data` in place given the 16-byte SIV tag at `tag[tagOff..+16)` and the same
   * 16-byte `aad`. Returns false (leaving `data` unchanged) if authentication fails. Never throws
   * for bad input of the right shape.
   */
  decrypt(tag: Uint8Array, tagOff: number, aad: Uint8Array, data: Uint8Array): boolean {
    if (aad.length !== 16) throw new RangeError('AesGmacSiv: aad must be 16 bytes');
    const blk = this.block;
    for (let i = 0; i < 16; i++) blk[i] = tag[tagOff + i];
    // Decrypt in place first (SIV: the tag is over the plaintext); undone below on failure.
    const ks = this.ctrKeystream(blk, data.length);
    xorInto(data, 0, ks, 0, data.length);
    // P = ECB-decrypt(K1, B) = iv || t8 (§4.4 decrypt step 2).
    const p = this.ecbDec.update(blk);
    const check = this.block; // reuse: bytes 8..15 receive the recomputed folded tag
    this.gmac8(p, 0, aad, data, check);
    let diff = 0;
    for (let i = 8; i < 16; i++) diff |= check[i] ^ p[i];
    if (diff === 0) return true;
    xorInto(data, 0, ks, 0, data.length);
    return false;
  }

  /**
   * `n` bytes of AES-256-CTR(K1) keystream for IV `B'` = B with byte 12 &= 0x7f (§4.4 step 6).
   * The counter is the big-endian u32 in bytes 12..15 (its top bit cleared, so it cannot wrap
   * within a packet); the counter blocks are built here and encrypted with the long-lived ECB
   * context in one update() call, which is cheaper than a fresh CTR context per packet.
   */
  private ctrKeystream(b: Uint8Array, n: number): Buffer {
    const blocks = (n + 15) >>> 4;
    if (blocks > this.ctrBlocks) this.growCtr(blocks);
    const w = this.ctrWords;
    const w0 = le32(b, 0);
    const w1 = le32(b, 4);
    const w2 = le32(b, 8);
    const c0 = ((b[12] & 0x7f) << 24) | (b[13] << 16) | (b[14] << 8) | b[15];
    for (let i = 0, o = 0; i < blocks; i++, o += 4) {
      const c = (c0 + i) | 0;
      w[o] = w0;
      w[o + 1] = w1;
      w[o + 2] = w2;
      // Store the big-endian counter through a little-endian word: byte-swap it.
      w[o + 3] = ((c & 0xff) << 24) | ((c & 0xff00) << 8) | ((c >>> 8) & 0xff00) | (c >>> 24);
    }
    return this.ecbEnc.update(this.ctrBytes.subarray(0, blocks * 16));
  }

  private growCtr(blocks: number): void {
    this.ctrBlocks = blocks;
    this.ctrWords = new Uint32Array(blocks * 4);
    this.ctrBytes = new Uint8Array(this.ctrWords.buffer);
  }
}

/** Little-endian u32 (matches how a Uint32Array stores bytes on little-endian hosts). */
function le32(b: Uint8Array, o: number): number {
  return (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
}
