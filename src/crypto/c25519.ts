/**
 * ZeroTier "C25519" key material on top of `node:crypto` (protocol.md §2.1, §2.4, §2.6).
 *
 * A C25519 key pair is two independent pairs glued together:
 * - public  (64) = X25519 public (32) || Ed25519 public (32)
 * - private (64) = X25519 scalar, raw and unclamped (32) || Ed25519 seed (32)
 *
 * Node's X25519/Ed25519 accept exactly these raw forms once wrapped in a fixed DER prefix
 * (§2.1), so no curve arithmetic is written here. `KeyObject`s are cached (bounded) because
 * building one costs about as much as a verify, and the same keys are used over and over
 * (our own signing key; controllers' and roots' verifying keys).
 * @module
 */

import {
  createHash,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  sign as edSign,
  verify as edVerify,
  type KeyObject,
} from 'node:crypto';
import { equalBytesCT, toHex } from '../util/bytes.ts';

/** Size of a C25519 public key (X25519 || Ed25519), §2.1. */
export const C25519_PUBLIC_KEY_LEN = 64;
/** Size of a C25519 private key (X25519 scalar || Ed25519 seed), §2.1. */
export const C25519_PRIVATE_KEY_LEN = 64;
/** Size of a ZeroTier signature: Ed25519 R||S (64) || first 32 bytes of SHA-512(msg), §2.4. */
export const C25519_SIGNATURE_LEN = 96;
/** Size of the per-peer symmetric key derived by {@link agree} (ZT_SYMMETRIC_KEY_SIZE), §2.6. */
export const SHARED_KEY_LEN = 48;

// Raw-key DER wrappers (§2.1): PKCS#8 for private halves, SPKI for public halves.
const X25519_PKCS8 = Buffer.from('302e020100300506032b656e04220420', 'hex');
const X25519_SPKI = Buffer.from('302a300506032b656e032100', 'hex');
const ED25519_PKCS8 = Buffer.from('302e020100300506032b657004220420', 'hex');
const ED25519_SPKI = Buffer.from('302a300506032b6570032100', 'hex');

/** Offset of the Ed25519 half in both the 64-byte public and private keys. */
const ED_HALF = 32;
/** Length of the hash prefix that is actually signed (§2.4). */
const SIGNED_HASH_LEN = 32;

/**
 * A tiny bounded cache from raw key bytes to `KeyObject`. Map iteration order is insertion
 * order, so evicting the first key gives FIFO-with-refresh (an LRU approximation) for free.
 */
class KeyCache {
  private readonly map = new Map<string, KeyObject>();
  constructor(private readonly max: number) {}
  get(k: string): KeyObject | undefined {
    const v = this.map.get(k);
    if (v !== undefined) {
      this.map.delete(k);
      this.map.set(k, v);
    }
    return v;
  }
  set(k: string, v: KeyObject): void {
    if (this.map.size >= this.max) {
      const first = this.map.keys().next();
      if (!first.done) this.map.delete(first.value);
    }
    this.map.set(k, v);
  }
}

// Caches are keyed by the raw key hex. They hold only derived objects of keys the process
// already holds; their size bounds memory whatever a peer sends.
const edPrivCache = new KeyCache(64);
const edPubCache = new KeyCache(1024);
const xPrivCache = new KeyCache(64);

function wrap(prefix: Buffer, raw: Uint8Array, start: number): Buffer {
  const der = Buffer.alloc(prefix.length + 32);
  prefix.copy(der, 0);
  der.set(raw.subarray(start, start + 32), prefix.length);
  return der;
}

function edPrivateKey(private64: Uint8Array): KeyObject {
  const k = toHex(private64, ED_HALF, ED_HALF + 32);
  let ko = edPrivCache.get(k);
  if (ko === undefined) {
    ko = createPrivateKey({ key: wrap(ED25519_PKCS8, private64, ED_HALF), format: 'der', type: 'pkcs8' });
    edPrivCache.set(k, ko);
  }
  return ko;
}

function edPublicKey(public64: Uint8Array): KeyObject {
  const k = toHex(public64, ED_HALF, ED_HALF + 32);
  let ko = edPubCache.get(k);
  if (ko === undefined) {
    ko = createPublicKey({ key: wrap(ED25519_SPKI, public64, ED_HALF), format: 'der', type: 'spki' });
    edPubCache.set(k, ko);
  }
  return ko;
}

function xPrivateKey(private64: Uint8Array): KeyObject {
  const k = toHex(private64, 0, 32);
  let ko = xPrivCache.get(k);
  if (ko === undefined) {
    ko = createPrivateKey({ key: wrap(X25519_PKCS8, private64, 0), format: 'der', type: 'pkcs8' });
    xPrivCache.set(k, ko);
  }
  return ko;
}

function rawPublic(ko: KeyObject): Uint8Array {
  // SPKI DER of a 25519 key is the 12-byte prefix followed by the 32 raw bytes.
  const der = ko.export({ format: 'der', type: 'spki' });
  return new Uint8Array(der.subarray(der.length - 32));
}

function checkLen(name: string, b: Uint8Array, n: number): void {
  if (!(b instanceof Uint8Array)) throw new TypeError(`${name} must be a Uint8Array`);
  if (b.length !== n) throw new RangeError(`${name} must be ${n} bytes, got ${b.length}`);
}

/** X25519 public key (32) for a raw, unclamped 32-byte scalar (clamping happens inside, §2.1). */
export function x25519Public(priv32: Uint8Array): Uint8Array {
  checkLen('priv32', priv32, 32);
  const ko = createPrivateKey({ key: wrap(X25519_PKCS8, priv32, 0), format: 'der', type: 'pkcs8' });
  return rawPublic(createPublicKey(ko));
}

/** Ed25519 public key (32) of a 32-byte RFC 8032 seed (§2.1). */
export function ed25519Public(seed32: Uint8Array): Uint8Array {
  checkLen('seed32', seed32, 32);
  const ko = createPrivateKey({ key: wrap(ED25519_PKCS8, seed32, 0), format: 'der', type: 'pkcs8' });
  return rawPublic(createPublicKey(ko));
}

/** The 64-byte C25519 public key of a 64-byte C25519 private key. */
export function c25519Public(private64: Uint8Array): Uint8Array {
  checkLen('private64', private64, C25519_PRIVATE_KEY_LEN);
  const out = new Uint8Array(C25519_PUBLIC_KEY_LEN);
  out.set(x25519Public(private64.subarray(0, 32)), 0);
  out.set(ed25519Public(private64.subarray(ED_HALF)), ED_HALF);
  return out;
}

/**
 * Static key agreement (§2.6): `SHA-512(X25519(myPriv[0..32), theirPub[0..32)))[0..48)`.
 * Returns `null` when the peer key is unusable (OpenSSL refuses an all-zero shared point, i.e.
 * a low-order peer key; §2.6 says to treat that as an invalid peer) or arguments are malformed.
 */
export function agree(myPrivate64: Uint8Array, theirPublic64: Uint8Array): Uint8Array | null {
  if (myPrivate64?.length !== C25519_PRIVATE_KEY_LEN || theirPublic64?.length !== C25519_PUBLIC_KEY_LEN)
    return null;
  let raw: Buffer;
  try {
    const pub = createPublicKey({ key: wrap(X25519_SPKI, theirPublic64, 0), format: 'der', type: 'spki' });
    raw = diffieHellman({ privateKey: xPrivateKey(myPrivate64), publicKey: pub });
  } catch {
    return null;
  }
  let acc = 0;
  for (let i = 0; i < raw.length; i++) acc |= raw[i];
  if (acc === 0) return null;
  const h = createHash('sha512').update(raw).digest();
  return new Uint8Array(h.subarray(0, SHARED_KEY_LEN));
}

/**
 * ZeroTier signature (§2.4): Ed25519 over the first 32 bytes of SHA-512(msg), followed by
 * those 32 bytes. `public64` is accepted for symmetry with the reference API but not needed:
 * Ed25519 derives the public key from the seed. Throws on a malformed private key (API misuse).
 */
export function sign(private64: Uint8Array, public64: Uint8Array | undefined, msg: Uint8Array): Uint8Array {
  checkLen('private64', private64, C25519_PRIVATE_KEY_LEN);
  if (public64 !== undefined) checkLen('public64', public64, C25519_PUBLIC_KEY_LEN);
  const h = createHash('sha512').update(msg).digest().subarray(0, SIGNED_HASH_LEN);
  const sig = edSign(null, h, edPrivateKey(private64));
  const out = new Uint8Array(C25519_SIGNATURE_LEN);
  out.set(sig, 0);
  out.set(h, 64);
  return out;
}

/**
 * Verifies a 96-byte ZeroTier signature (§2.4). Never throws: any malformed input (wrong
 * lengths, an Ed25519 key OpenSSL will not load) is simply "not valid".
 */
export function verify(public64: Uint8Array, msg: Uint8Array, sig96: Uint8Array): boolean {
  if (
    !(public64 instanceof Uint8Array) ||
    !(msg instanceof Uint8Array) ||
    !(sig96 instanceof Uint8Array) ||
    public64.length !== C25519_PUBLIC_KEY_LEN ||
    sig96.length !== C25519_SIGNATURE_LEN
  )
    return false;
  const h = createHash('sha512').update(msg).digest().subarray(0, SIGNED_HASH_LEN);
  // The appended hash is checked first (constant-time) exactly as the reference does.
  if (!equalBytesCT(h, sig96.subarray(64, 96))) return false;
  try {
    return edVerify(null, h, edPublicKey(public64), sig96.subarray(0, 64));
  } catch {
    return false;
  }
}
