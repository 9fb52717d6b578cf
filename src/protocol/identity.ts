/**
 * ZeroTier 1.x node identities (type 0, "C25519"): protocol.md §2.1–§2.4.
 *
 * An identity is a 40-bit address plus a 64-byte public key (X25519 || Ed25519) and,
 * for our own node, the 64-byte private key. The address is not chosen: it is the tail of
 * the memory-hard hash of the public key (§2.3), and {@link Identity.locallyValidate}
 * checks that (and the proof of work). Parsing never validates — it is cheap and never
 * throws; validation costs ~30 ms and is the caller's decision (rate-limit it, §9.2).
 *
 * Forms:
 * - text `aaaaaaaaaa:0:<128 hex public>[:<128 hex private>]` (§2.2)
 * - binary `address[5] type[1]=0 public[64] privLen[1]=0|64 private[privLen]` (§2.3; 71 bytes public)
 * @module
 */

import { createHash } from 'node:crypto';
import {
  agree as c25519Agree,
  sign as c25519Sign,
  verify as c25519Verify,
  ed25519Public,
  x25519Public,
} from '../crypto/c25519.ts';
import { IDENTITY_HASH_FIRST_BYTE_LIMIT, identityHash } from '../crypto/identity-hash.ts';
import { equalBytes, readU40, toHex } from '../util/bytes.ts';
import { type Decoded, fail, ok, Reader, Writer } from '../util/result.ts';
import { ADDRESS_MAX, formatAddress, isReservedAddress } from './address.ts';

/** Identity type byte of C25519 identities, the only type 1.14.1 accepts (§2.3, §2.7). */
export const IDENTITY_TYPE_C25519 = 0;
/** Binary length of a public identity: address 5 + type 1 + key 64 + private length 1 (§2.3). */
export const IDENTITY_PUBLIC_LEN = 71;
/** Binary length of an identity with its private key. */
export const IDENTITY_SECRET_LEN = IDENTITY_PUBLIC_LEN + 64;

const PUBLIC_KEY_LEN = 64;
const PRIVATE_KEY_LEN = 64;
const HEX_KEY = /^[0-9a-fA-F]{128}$/;
const HEX_ADDRESS = /^[0-9a-fA-F]{10}$/;
/** Where the address sits in the memory-hard digest: its last 5 bytes (§2.3). */
const DIGEST_ADDRESS_OFFSET = 59;

function hexToBytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(s.substr(i * 2, 2), 16);
  return out;
}

/** A ZeroTier node identity. Immutable; public key bytes are private copies. */
export class Identity {
  /** 40-bit node address. */
  readonly address: number;
  /** 64-byte public key: X25519 (32) || Ed25519 (32). */
  readonly publicKey: Uint8Array;
  /** 64-byte private key (X25519 scalar || Ed25519 seed), or null for a peer's identity. */
  readonly privateKey: Uint8Array | null;
  private validated: boolean | undefined;
  private pkHash: Uint8Array | undefined;

  private constructor(address: number, publicKey: Uint8Array, privateKey: Uint8Array | null) {
    this.address = address;
    this.publicKey = publicKey;
    this.privateKey = privateKey;
  }

  /**
   * Builds an identity from its parts (copies the keys). Does not validate the address/key
   * relation: call {@link locallyValidate}. Throws on wrong sizes (API misuse).
   */
  static fromParts(address: number, publicKey: Uint8Array, privateKey: Uint8Array | null = null): Identity {
    if (!Number.isInteger(address) || address < 0 || address > ADDRESS_MAX)
      throw new RangeError('Identity.fromParts: address must be a 40-bit integer');
    if (publicKey.length !== PUBLIC_KEY_LEN)
      throw new RangeError('Identity.fromParts: public key must be 64 bytes');
    if (privateKey !== null && privateKey.length !== PRIVATE_KEY_LEN)
      throw new RangeError('Identity.fromParts: private key must be 64 bytes');
    return new Identity(address, publicKey.slice(), privateKey?.slice() ?? null);
  }

  /** The 10-hex-digit address. */
  get addressString(): string {
    return formatAddress(this.address);
  }

  /** True if this identity carries its private key (i.e. it can sign and agree). */
  get hasPrivate(): boolean {
    return this.privateKey !== null;
  }

  /**
   * Parses the text form (§2.2). Empty fields (`::`) are skipped like the reference
   * tokenizer does. Fails on a reserved address, a type other than `0`, bad hex or lengths.
   */
  static fromString(s: string): Decoded<Identity> {
    if (typeof s !== 'string') return fail('identity-not-string');
    const f = s
      .trim()
      .split(':')
      .filter((x) => x.length > 0);
    if (f.length < 3 || f.length > 4) return fail('identity-field-count');
    if (!HEX_ADDRESS.test(f[0])) return fail('identity-bad-address');
    const address = Number.parseInt(f[0], 16);
    if (isReservedAddress(address)) return fail('identity-reserved-address');
    if (f[1] !== '0') return fail('identity-bad-type');
    if (!HEX_KEY.test(f[2])) return fail('identity-bad-public-key');
    let priv: Uint8Array | null = null;
    if (f.length === 4) {
      if (!HEX_KEY.test(f[3])) return fail('identity-bad-private-key');
      priv = hexToBytes(f[3]);
    }
    return ok(new Identity(address, hexToBytes(f[2]), priv));
  }

  /** The text form (§2.2), lowercase; with `:<private hex>` only if asked and present. */
  toString(includePrivate = false): string {
    const base = `${this.addressString}:${IDENTITY_TYPE_C25519}:${toHex(this.publicKey)}`;
    return includePrivate && this.privateKey !== null ? `${base}:${toHex(this.privateKey)}` : base;
  }

  /**
   * Reads the binary form (§2.3) at the reader's position. Keys are copied, so the identity
   * outlives the packet buffer. Reasons: `identity-truncated`, `identity-bad-type`,
   * `identity-bad-private-length`.
   */
  static decode(r: Reader): Decoded<Identity> {
    const address = r.u40();
    const type = r.u8();
    if (r.overrun) return fail('identity-truncated');
    if (type !== IDENTITY_TYPE_C25519) return fail('identity-bad-type');
    const pub = r.bytes(PUBLIC_KEY_LEN).slice();
    const privLen = r.u8();
    if (r.overrun) return fail('identity-truncated');
    if (privLen !== 0 && privLen !== PRIVATE_KEY_LEN) return fail('identity-bad-private-length');
    const priv = privLen === 0 ? null : r.bytes(PRIVATE_KEY_LEN).slice();
    if (r.overrun) return fail('identity-truncated');
    return ok(new Identity(address, pub, priv));
  }

  /** Decodes a buffer holding exactly one binary identity (fails with `identity-trailing` on extra bytes). */
  static fromBytes(b: Uint8Array): Decoded<Identity> {
    const r = new Reader(b);
    const d = Identity.decode(r);
    if (d.ok && r.pos !== b.length) return fail('identity-trailing');
    return d;
  }

  /** Bytes {@link encode} writes. */
  encodedLength(includePrivate = false): number {
    return includePrivate && this.privateKey !== null ? IDENTITY_SECRET_LEN : IDENTITY_PUBLIC_LEN;
  }

  /** Writes the binary form (§2.3); the private key only if asked and present. */
  encode(w: Writer, includePrivate = false): void {
    w.u40(this.address).u8(IDENTITY_TYPE_C25519).bytes(this.publicKey);
    if (includePrivate && this.privateKey !== null) w.u8(PRIVATE_KEY_LEN).bytes(this.privateKey);
    else w.u8(0);
  }

  /** The binary form as a new array. */
  toBytes(includePrivate = false): Uint8Array {
    const w = new Writer(this.encodedLength(includePrivate));
    this.encode(w, includePrivate);
    return w.finish();
  }

  /**
   * The full check a node runs on a peer's identity (§2.3): address not reserved, proof of
   * work `H(pub)[0] < 17`, and address = `H(pub)[59..64)`. Costs one memory-hard hash
   * (~30 ms); the result is cached on this object.
   */
  locallyValidate(): boolean {
    if (this.validated === undefined) {
      if (isReservedAddress(this.address)) this.validated = false;
      else {
        const d = identityHash(this.publicKey);
        this.validated =
          d[0] < IDENTITY_HASH_FIRST_BYTE_LIMIT && readU40(d, DIGEST_ADDRESS_OFFSET) === this.address;
      }
    }
    return this.validated;
  }

  /**
   * Generates a new identity (§2.3): random private key, then mutate the X25519 half until the
   * hash meets the work criterion; start over if the address is reserved. About 15 hashes on
   * average (~0.5 s, blocking). `random(n)` must return `n` cryptographically random bytes.
   */
  static generate(random: (n: number) => Uint8Array): Identity {
    const it = Identity.generateSteps(random);
    for (;;) {
      const r = it.next();
      if (r.done) return r.value;
    }
  }

  /**
   * The same as {@link generate}, one memory-hard hash (~30 ms) per `next()`: a caller that must
   * not block for the whole search (an event loop) can yield between steps. The iterator
   * returns the identity when done.
   */
  static *generateSteps(random: (n: number) => Uint8Array): Generator<void, Identity, void> {
    for (;;) {
      const rnd = random(PRIVATE_KEY_LEN);
      if (!(rnd instanceof Uint8Array) || rnd.length !== PRIVATE_KEY_LEN)
        throw new TypeError('Identity.generate: random(64) must return 64 bytes');
      const priv = rnd.slice();
      const pub = new Uint8Array(PUBLIC_KEY_LEN);
      pub.set(ed25519Public(priv.subarray(32)), 32);
      const dv = new DataView(priv.buffer);
      const digest = new Uint8Array(64);
      for (;;) {
        // Any mutation of the X25519 half will do; this one follows the reference
        // (increment the LE u64 at 8..15, decrement the LE u64 at 16..23).
        dv.setBigUint64(8, BigInt.asUintN(64, dv.getBigUint64(8, true) + 1n), true);
        dv.setBigUint64(16, BigInt.asUintN(64, dv.getBigUint64(16, true) - 1n), true);
        pub.set(x25519Public(priv.subarray(0, 32)), 0);
        identityHash(pub, digest);
        if (digest[0] < IDENTITY_HASH_FIRST_BYTE_LIMIT) break;
        yield;
      }
      const address = readU40(digest, DIGEST_ADDRESS_OFFSET);
      if (isReservedAddress(address)) {
        yield;
        continue;
      }
      const id = new Identity(address, pub, priv);
      id.validated = true;
      return id;
    }
  }

  /**
   * True if the private key is present and derives exactly this public key (both halves).
   * Cheap (~0.1 ms); worth running when loading our own `identity.secret`, since neither the
   * text nor the binary form checks it (§2.2).
   */
  privateKeyMatches(): boolean {
    if (this.privateKey === null) return false;
    return (
      equalBytes(x25519Public(this.privateKey.subarray(0, 32)), this.publicKey.subarray(0, 32)) &&
      equalBytes(ed25519Public(this.privateKey.subarray(32)), this.publicKey.subarray(32))
    );
  }

  /** The same identity without its private key. */
  publicOnly(): Identity {
    if (this.privateKey === null) return this;
    const id = new Identity(this.address, this.publicKey, null);
    id.validated = this.validated;
    return id;
  }

  /**
   * The 48-byte static key shared with `other` (§2.6); `null` if `other`'s key is unusable
   * (low-order). Throws `TypeError` if this identity has no private key.
   */
  agree(other: Identity): Uint8Array | null {
    if (this.privateKey === null) throw new TypeError('Identity.agree: identity has no private key');
    return c25519Agree(this.privateKey, other.publicKey);
  }

  /** 96-byte ZeroTier signature of `msg` (§2.4). Throws `TypeError` if this identity has no private key. */
  sign(msg: Uint8Array): Uint8Array {
    if (this.privateKey === null) throw new TypeError('Identity.sign: identity has no private key');
    return c25519Sign(this.privateKey, this.publicKey, msg);
  }

  /** Checks a 96-byte signature by this identity (§2.4). Never throws. */
  verify(msg: Uint8Array, sig: Uint8Array): boolean {
    return c25519Verify(this.publicKey, msg, sig);
  }

  /** SHA-384(address[5] || public key[64]), 48 bytes: what COMs carry to bind a member (§2.3, §8.3). */
  publicKeyHash(): Uint8Array {
    if (this.pkHash === undefined) {
      const w = new Writer(5 + PUBLIC_KEY_LEN);
      w.u40(this.address).bytes(this.publicKey);
      this.pkHash = new Uint8Array(createHash('sha384').update(w.finish()).digest());
    }
    return this.pkHash.slice();
  }

  /** JSON form: the public text form only, so logging an object never leaks the private key. */
  toJSON(): string {
    return this.toString(false);
  }

  /** `console.log`/`util.inspect` form: address only, never the private key. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `Identity<${this.addressString}${this.privateKey !== null ? ' +private' : ''}>`;
  }

  /** Same address and public key (private keys are not compared). */
  equals(other: Identity): boolean {
    return this.address === other.address && equalBytes(this.publicKey, other.publicKey);
  }
}
