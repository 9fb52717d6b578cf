/**
 * Packet armor / dearmor (protocol.md §4): authenticating and encrypting a whole assembled
 * packet in place with the 48-byte per-peer key.
 *
 * - Cipher 0: Poly1305 MAC only; cipher 1: Salsa20/12 + Poly1305, encrypt-then-MAC, both with
 *   the per-packet "mangled" key (§4.1, §4.2).
 * - Cipher 3: AES-GMAC-SIV (§4.4); bytes 0..7 (packet ID) and 19..26 (MAC) carry the SIV tag.
 * - `cryptField` (§4.3): the extra Salsa20/12 layer over the HELLO moon section.
 *
 * Hot path: no buffer allocation for ciphers 0 and 1 (module-level scratch, only a couple of
 * typed-array views per packet; Node is single-threaded and none of these functions re-enter);
 * cipher 3 allocates what node:crypto does. Keystream, Poly1305 and the AES-CTR XOR run on small
 * WebAssembly cores under src/crypto when available (pure-JS fallbacks otherwise). Measured
 * in bench/armor.bench.ts.
 * @module
 */
import { AesGmacSiv } from '../crypto/aes-gmac-siv.ts';
import { kbkdf384 } from '../crypto/hash.ts';
import { poly1305Into } from '../crypto/poly1305.ts';
import { salsaBlock, salsaBlocks, salsaIncrement, salsaInitState } from '../crypto/salsa20.ts';
import { xorInto } from '../crypto/xor.ts';
import { writeU64 } from '../util/bytes.ts';
import {
  CIPHER_AES_GMAC_SIV,
  CIPHER_NONE_TRUSTED,
  CIPHER_POLY1305_NONE,
  CIPHER_SALSA2012_POLY1305,
  FLAG_FRAGMENTED,
  FLAG_LEGACY_ENCRYPTED,
  FLAGS_AUTH_MASK,
  FLAGS_CIPHER_MASK,
  PACKET_MAX_LENGTH,
  PACKET_MIN_LENGTH,
  PKT_DEST,
  PKT_FLAGS,
  PKT_MAC,
  PKT_VERB,
} from './packet.ts';

/** Length of the per-peer shared secret (`ZT_SYMMETRIC_KEY_SIZE`, §2.6). */
export const SYMMETRIC_KEY_BYTES = 48;

/** KBKDF labels for the AES-GMAC-SIV keys (§2.5): '0' → K0, '1' → K1. */
const KBKDF_LABEL_K0 = 0x30;
const KBKDF_LABEL_K1 = 0x31;

/**
 * The per-peer symmetric key (§2.6) with everything each cipher needs derived once:
 * the Salsa20 key `key[0..32)` and, lazily on first AES use, K0/K1 and their AES contexts.
 */
export class SymmetricKey {
  /** A private copy of the 48-byte shared secret. */
  readonly secret: Uint8Array;
  /** `secret[0..32)`: the Salsa20/Poly1305 key (mangled per packet for ciphers 0/1). */
  readonly salsaKey: Uint8Array;
  private sivState: AesGmacSiv | undefined;

  /** @throws RangeError unless `key48` is 48 bytes. */
  constructor(key48: Uint8Array) {
    if (key48.length !== SYMMETRIC_KEY_BYTES) throw new RangeError('SymmetricKey: key must be 48 bytes');
    this.secret = key48.slice();
    this.salsaKey = this.secret.subarray(0, 32);
  }

  /** AES-GMAC-SIV state for K0 = KBKDF(key,'0')[0..32), K1 = KBKDF(key,'1')[0..32) (§2.6). */
  get siv(): AesGmacSiv {
    if (this.sivState === undefined) {
      const k0 = kbkdf384(this.secret, KBKDF_LABEL_K0).subarray(0, 32);
      const k1 = kbkdf384(this.secret, KBKDF_LABEL_K1).subarray(0, 32);
      this.sivState = new AesGmacSiv(k0, k1);
    }
    return this.sivState;
  }
}

// ---- shared scratch (single-threaded, non-re-entrant) -----------------------------------------
const MANGLED = new Uint8Array(32);
const STATE = new Uint32Array(16);
const BLOCK = new Uint32Array(16);
const BLOCK8 = new Uint8Array(BLOCK.buffer);
const TAG = new Uint8Array(16);
const AAD = new Uint8Array(16);
const NONCE = new Uint8Array(8);

/**
 * §4.1 "mangle": the per-packet Salsa20 key from `key[0..32)`, the header bytes 0..17, the
 * flags byte without hops, and the total packet length; then sets up STATE with nonce =
 * packet ID and leaves the Poly1305 one-time key (keystream bytes 0..31, §4.2 step 3) in BLOCK8.
 */
function initPacketStream(key: SymmetricKey, pkt: Uint8Array): void {
  const k = key.salsaKey;
  const mk = MANGLED;
  const len = pkt.length;
  for (let i = 0; i < 18; i++) mk[i] = k[i] ^ pkt[i];
  mk[18] = k[18] ^ (pkt[PKT_FLAGS] & FLAGS_AUTH_MASK);
  mk[19] = k[19] ^ (len & 0xff);
  mk[20] = k[20] ^ ((len >>> 8) & 0xff);
  for (let i = 21; i < 32; i++) mk[i] = k[i];
  salsaInitState(STATE, mk, pkt); // nonce = pkt[0..8), the raw packet ID
  salsaBlock(12, STATE, BLOCK, 0);
}

/**
 * XORs `buf[start..end)` with the Salsa20/12 keystream of STATE starting at the block after
 * the one currently in BLOCK (i.e. advances the counter first; §4.2 step 4: keystream byte 64).
 * Leaves BLOCK untouched.
 */
function xorFromNextBlock(buf: Uint8Array, start: number, end: number): void {
  salsaIncrement(STATE);
  xorKeystream(buf, start, end - start);
}

/** Keystream scratch: enough blocks for the largest packet. */
const KS_BLOCKS = Math.ceil(PACKET_MAX_LENGTH / 64);
const KS = new Uint32Array(KS_BLOCKS * 16);
const KS8 = new Uint8Array(KS.buffer);

/**
 * XORs `buf[start..start+n)` with `n` bytes of Salsa20/12 keystream from STATE's current counter
 * (advancing it). The keystream is generated in one pass (`salsaBlocks`: WebAssembly SIMD, four
 * blocks at a time), then XORed 32 bits at a time (`xorInto`), ~3x cheaper than byte by byte.
 */
function xorKeystream(buf: Uint8Array, start: number, n: number): void {
  if (n <= 0) return;
  if (n > KS_BLOCKS * 64) throw new RangeError('armor: packet longer than the maximum packet length');
  salsaBlocks(12, STATE, KS, 0, (n + 63) >>> 6); // SIMD, four blocks at a time
  xorInto(buf, start, KS8, 0, n);
}

/** Poly1305 of the envelope under BLOCK8[0..32) into TAG. */
function macEnvelope(pkt: Uint8Array): void {
  poly1305Into(BLOCK8, 0, pkt, PKT_VERB, pkt.length, TAG, 0);
}

/** AAD of §4.4 step 2: dest, source, flags (masked as given), zero-padded to 16. */
function buildAad(pkt: Uint8Array, flags: number): Uint8Array {
  const a = AAD;
  for (let i = 0; i < 10; i++) a[i] = pkt[PKT_DEST + i];
  a[10] = flags;
  a[11] = 0;
  a[12] = 0;
  a[13] = 0;
  a[14] = 0;
  a[15] = 0;
  return a;
}

/**
 * Armors `packet` (the whole assembled packet, flags already final apart from the cipher
 * bits) in place with cipher 0, 1 or 3 (§4.2, §4.4): sets the cipher bits and the legacy 0x80
 * flag (iff cipher 1), encrypts the envelope (ciphers 1, 3), and writes the MAC / SIV tag.
 * For cipher 3 the hop count is forced to 0 and bytes 0..7 are replaced by the SIV tag half.
 * @throws RangeError on a packet length outside 28..10024 or an unsupported cipher (API misuse).
 */
export function armor(packet: Uint8Array, key: SymmetricKey, cipher: 0 | 1 | 3): void {
  if (packet.length < PACKET_MIN_LENGTH || packet.length > PACKET_MAX_LENGTH)
    throw new RangeError('armor: packet length outside 28..10024');
  const f = packet[PKT_FLAGS];
  if (cipher === CIPHER_AES_GMAC_SIV) {
    // §4.4 step 1: cipher 3, 0x80 clear, hops 0 (the AAD takes the flags byte unmasked).
    const flags = (f & FLAG_FRAGMENTED) | (CIPHER_AES_GMAC_SIV << 3);
    packet[PKT_FLAGS] = flags;
    const tag = TAG;
    key.siv.encrypt(packet, 0, buildAad(packet, flags), packet.subarray(PKT_VERB), tag, 0);
    for (let i = 0; i < 8; i++) {
      packet[i] = tag[i];
      packet[PKT_MAC + i] = tag[8 + i];
    }
    return;
  }
  if (cipher !== CIPHER_POLY1305_NONE && cipher !== CIPHER_SALSA2012_POLY1305)
    throw new RangeError(`armor: unsupported cipher ${cipher as number}`);
  // §4.2 step 1 (and §3.2: 0x80 set iff cipher 1). Hops are left as they are: they are not
  // authenticated, and senders write 0.
  let flags = (f & ~(FLAGS_CIPHER_MASK | FLAG_LEGACY_ENCRYPTED)) | (cipher << 3);
  if (cipher === CIPHER_SALSA2012_POLY1305) flags |= FLAG_LEGACY_ENCRYPTED;
  packet[PKT_FLAGS] = flags;
  initPacketStream(key, packet);
  // Encrypt-then-MAC (§4.2 step 5). The encryption keystream goes to KS, so BLOCK8 still
  // holds block 0 (the Poly1305 one-time key) afterwards.
  if (cipher === CIPHER_SALSA2012_POLY1305) xorFromNextBlock(packet, PKT_VERB, packet.length);
  macEnvelope(packet);
  for (let i = 0; i < 8; i++) packet[PKT_MAC + i] = TAG[i];
}

/** Outcome of {@link dearmorReason}: `'ok'` or a short, stable drop reason to count. */
export type DearmorResult = 'ok' | 'bad-length' | 'unkeyed-cipher' | 'bad-mac';

/**
 * Verifies and decrypts `packet` in place (§4.2 receiver, §4.4 decrypt). Never throws. Fails
 * with `'bad-length'` outside 28..10024 bytes, `'unkeyed-cipher'` for ciphers other than 0, 1,
 * 3 (cipher 2, trusted path, carries no MAC and must be handled by the caller before dearmor;
 * 4–7 are unused), `'bad-mac'` on authentication failure. On failure the packet is unchanged.
 * On success the header (packet ID, flags, MAC) stays as received; only the envelope is
 * decrypted (for cipher 3 bytes 0..7 remain the SIV tag half, not the original packet ID).
 */
export function dearmorReason(packet: Uint8Array, key: SymmetricKey): DearmorResult {
  if (packet.length < PACKET_MIN_LENGTH || packet.length > PACKET_MAX_LENGTH) return 'bad-length';
  const f = packet[PKT_FLAGS];
  const cipher = (f >>> 3) & 7;
  if (cipher === CIPHER_POLY1305_NONE || cipher === CIPHER_SALSA2012_POLY1305) {
    initPacketStream(key, packet);
    macEnvelope(packet);
    // Constant-time compare of the truncated 64-bit tag (§4.2 receiver).
    let diff = 0;
    for (let i = 0; i < 8; i++) diff |= TAG[i] ^ packet[PKT_MAC + i];
    if (diff !== 0) return 'bad-mac';
    if (cipher === CIPHER_SALSA2012_POLY1305) xorFromNextBlock(packet, PKT_VERB, packet.length);
    return 'ok';
  }
  if (cipher === CIPHER_AES_GMAC_SIV) {
    const tag = TAG;
    for (let i = 0; i < 8; i++) {
      tag[i] = packet[i];
      tag[8 + i] = packet[PKT_MAC + i];
    }
    // The receiver masks hops off the flags byte in the AAD (§4.4 step 2).
    const aad = buildAad(packet, f & FLAGS_AUTH_MASK);
    return key.siv.decrypt(tag, 0, aad, packet.subarray(PKT_VERB)) ? 'ok' : 'bad-mac';
  }
  return 'unkeyed-cipher';
}

/** {@link dearmorReason} as a boolean: true iff the packet authenticated (and was decrypted). */
export function dearmor(packet: Uint8Array, key: SymmetricKey): boolean {
  return dearmorReason(packet, key) === 'ok';
}

/**
 * Marks `packet` for a configured trusted physical path (§3.2 cipher 2): no encryption, no MAC;
 * the MAC field carries the 64-bit trusted-path ID. Receivers accept it only from that path.
 */
export function armorTrustedPath(packet: Uint8Array, trustedPathId: bigint): void {
  if (packet.length < PACKET_MIN_LENGTH || packet.length > PACKET_MAX_LENGTH)
    throw new RangeError('armorTrustedPath: packet length outside 28..10024');
  packet[PKT_FLAGS] =
    (packet[PKT_FLAGS] & ~(FLAGS_CIPHER_MASK | FLAG_LEGACY_ENCRYPTED)) | (CIPHER_NONE_TRUSTED << 3);
  writeU64(packet, PKT_MAC, trustedPathId);
}

/**
 * HELLO partial encryption (§4.3): XORs `packet[start..start+len)` with Salsa20/12 keystream
 * (from byte 0) under the unmangled `key[0..32)` and nonce = packet ID with `nonce[7] &= 0xf8`.
 * Its own inverse. Applied before armoring on send, after dearmoring on receive.
 * @throws RangeError if the range is outside the packet (API misuse; callers bound it first).
 */
export function cryptField(key: SymmetricKey, packet: Uint8Array, start: number, len: number): void {
  if (packet.length < 8 || start < 0 || len < 0 || start + len > packet.length)
    throw new RangeError('cryptField: range outside the packet');
  for (let i = 0; i < 8; i++) NONCE[i] = packet[i];
  NONCE[7] &= 0xf8;
  salsaInitState(STATE, key.salsaKey, NONCE);
  xorKeystream(packet, start, len);
}
