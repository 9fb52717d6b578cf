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
 * ~1.5 µs, so the K1 contexts are long-lived AES-256-ECB (stateless between update() calls with
 * padding off): one encrypts the SIV block and also turns counter blocks into the CTR
 * keystream, the other decrypts the SIV block. Counter blocks, the keystream XOR and a
 * contiguous `aad16 || env` for GMAC live in a small WebAssembly scratch
 * (`ctr-scratch-wasm.ts`). Only GMAC (K0, fresh IV each packet) needs a new context per
 * packet: Node cannot re-IV a cipher. Without WebAssembly a per-packet AES-256-CTR context is
 * used instead (same output).
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
import {
  aadAndEnvelope,
  CTR_SCRATCH_AVAILABLE,
  CTR_SCRATCH_MAX,
  counterBlocks,
  loadScratch,
  scratchEnvelope,
  xorKeystream,
} from './ctr-scratch-wasm.ts';

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
  private readonly ctrIv = Buffer.alloc(16);

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

  /**
   * Folded GMAC (§4.4 steps 3-4) over `aad || data` (or over `aad` alone when `data` is null,
   * i.e. `aad` is already the whole `aad16 || env`): writes `T[0..8) ^ T[8..16)` to `dst[8..16)`.
   */
  private gmac8(
    iv8: Uint8Array,
    iv8Off: number,
    aad: Uint8Array,
    data: Uint8Array | null,
    dst: Buffer,
  ): void {
    const iv12 = this.iv12;
    for (let i = 0; i < 8; i++) iv12[i] = iv8[iv8Off + i];
    const g = createCipheriv('aes-256-gcm', this.k0, iv12) as CipherGCM;
    // aad16 is exactly one block, so setAAD(aad16) then setAAD(env) equals one AAD stream.
    g.setAAD(aad);
    if (data !== null) g.setAAD(data);
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
    const n = data.length;
    if (CTR_SCRATCH_AVAILABLE && n <= CTR_SCRATCH_MAX) {
      loadScratch(aad, data);
      this.gmac8(iv8, iv8Off, aadAndEnvelope(n), null, blk);
      const b = this.ecbEnc.update(blk);
      for (let i = 0; i < 16; i++) tagOut[tagOff + i] = b[i];
      xorKeystream(this.ecbEnc.update(counterBlocks(b, n)), n);
      data.set(scratchEnvelope(n));
      return;
    }
    this.gmac8(iv8, iv8Off, aad, data, blk);
    const b = this.ecbEnc.update(blk);
    for (let i = 0; i < 16; i++) tagOut[tagOff + i] = b[i];
    this.ctr(b, data);
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
    const n = data.length;
    if (CTR_SCRATCH_AVAILABLE && n <= CTR_SCRATCH_MAX) {
      // Decrypt in the scratch (the packet is only written once authenticated).
      loadScratch(aad, data);
      xorKeystream(this.ecbEnc.update(counterBlocks(blk, n)), n);
      const p = this.ecbDec.update(blk); // P = iv || t8 (§4.4 decrypt step 2)
      this.gmac8(p, 0, aadAndEnvelope(n), null, blk);
      let diff = 0;
      for (let i = 8; i < 16; i++) diff |= blk[i] ^ p[i];
      if (diff !== 0) return false;
      data.set(scratchEnvelope(n));
      return true;
    }
    const plain = this.ctrOut(blk, data);
    // P = ECB-decrypt(K1, B) = iv || t8 (§4.4 decrypt step 2).
    const p = this.ecbDec.update(blk);
    const check = this.block; // reuse: bytes 8..15 receive the recomputed folded tag
    this.gmac8(p, 0, aad, plain, check);
    let diff = 0;
    for (let i = 8; i < 16; i++) diff |= check[i] ^ p[i];
    if (diff !== 0) return false;
    data.set(plain);
    return true;
  }

  /** AES-256-CTR(K1) keystream XOR with IV `B'` = B with byte 12 &= 0x7f (§4.4 step 6), in place. */
  private ctr(b: Uint8Array, data: Uint8Array): void {
    data.set(this.ctrOut(b, data));
  }

  private ctrOut(b: Uint8Array, data: Uint8Array): Buffer {
    const iv = this.ctrIv;
    for (let i = 0; i < 16; i++) iv[i] = b[i];
    iv[12] &= 0x7f;
    // The 32-bit counter cannot wrap for < 2^31 blocks, so OpenSSL's 128-bit increment is identical.
    const c = createCipheriv('aes-256-ctr', this.k1, iv);
    return c.update(data);
  }
}
