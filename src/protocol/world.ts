/**
 * Worlds (protocol.md §7): the signed lists of root servers. A *planet* (type 1) is the
 * global root set every node uses; *moons* (type 127) are extra, user-run root sets a node
 * "orbits". Each world names the key that must sign its next update, so a planet can be
 * replaced only by a newer world signed by that key ({@link World.shouldBeReplacedBy}, §7.2).
 *
 * Wire (§7.1): `u8 type, u64 id, u64 timestamp, updatesMustBeSignedBy[64], signature[96],
 * u8 rootCount, rootCount × {identity (71), u8 endpointCount, InetAddress × endpointCount},
 * (moons only) u16 dictLen + dict`.
 * @module
 */

import {
  C25519_PUBLIC_KEY_LEN,
  C25519_SIGNATURE_LEN,
  sign as c25519Sign,
  verify as c25519Verify,
} from '../crypto/c25519.ts';
import { type Decoded, fail, ok, Reader, Writer } from '../util/result.ts';
import { Identity } from './identity.ts';
import { decodeInetAddress, encodeInetAddress, type InetAddress } from './inet-address.ts';

/** World type byte (§7.1). */
export const WorldType = {
  NULL: 0,
  PLANET: 1,
  MOON: 127,
} as const;
/** A world type value. */
export type WorldType = (typeof WorldType)[keyof typeof WorldType];

/** Most roots a world may list (`ZT_WORLD_MAX_ROOTS`, Appendix A). */
export const WORLD_MAX_ROOTS = 4;
/** Most stable endpoints per root (`ZT_WORLD_MAX_STABLE_ENDPOINTS_PER_ROOT`, Appendix A). */
export const WORLD_MAX_STABLE_ENDPOINTS = 32;
/** World ID of the default planet "Earth" (§7.3). */
export const EARTH_WORLD_ID = 149604618n;
/** World ID of the test planet "Mars" (Appendix A). */
export const MARS_WORLD_ID = 227883110n;

// Markers around the signed bytes (§7.1 forSign).
const SIGN_PREFIX = 0x7f7f7f7f7f7f7f7fn;
const SIGN_SUFFIX = 0xf7f7f7f7f7f7f7f7n;

/** Reasons from nested codecs: their truncations are ours (`identity-truncated` → `truncated`). */
function nested(reason: string): string {
  return reason.endsWith('-truncated') ? 'truncated' : reason;
}

/** A root server of a world: its identity and the physical addresses it can always be reached at. */
export interface WorldRoot {
  identity: Identity;
  stableEndpoints: InetAddress[];
}

/** A C25519 key pair as used to sign worlds (mkworld's `*.c25519` files are `public[64] || private[64]`). */
export interface C25519KeyPair {
  publicKey: Uint8Array;
  privateKey: Uint8Array;
}

/** Splits mkworld's 128-byte `public || private` key file (§7.4). Throws RangeError on another length. */
export function keyPairFromBytes(b: Uint8Array): C25519KeyPair {
  if (b.length !== 128)
    throw new RangeError('keyPairFromBytes: expected 128 bytes (public[64] || private[64])');
  return { publicKey: b.slice(0, 64), privateKey: b.slice(64, 128) };
}

/** A planet or moon. */
export class World {
  type: WorldType;
  /** World ID (u64). Planets: Earth 149604618; moons: the seed root's address. */
  id: bigint;
  /** Revision timestamp (ms); a newer one replaces an older one (§7.2). */
  timestamp: number;
  /** The 64-byte C25519 public key that must sign the *next* update. */
  updatesMustBeSignedBy: Uint8Array;
  /** 96-byte signature over {@link signedBytes}. */
  signature: Uint8Array;
  roots: WorldRoot[];

  constructor(opts: {
    type: WorldType;
    id: bigint;
    timestamp: number;
    updatesMustBeSignedBy: Uint8Array;
    roots: WorldRoot[];
    signature?: Uint8Array;
  }) {
    this.type = opts.type;
    this.id = opts.id;
    this.timestamp = opts.timestamp;
    this.updatesMustBeSignedBy = opts.updatesMustBeSignedBy;
    this.roots = opts.roots;
    this.signature = opts.signature ?? new Uint8Array(C25519_SIGNATURE_LEN);
  }

  /**
   * Builds and signs a new world (what `mkworld` does, §7.4): signed with `signingKey` (the
   * *previous* key for an update), naming `updatesMustBeSignedBy` (default: the signing key's
   * public half) as the key for the next update. Throws on API misuse (bad key sizes, too many roots).
   */
  static create(opts: {
    type: typeof WorldType.PLANET | typeof WorldType.MOON;
    id: bigint;
    timestamp: number;
    roots: WorldRoot[];
    signingKey: C25519KeyPair;
    updatesMustBeSignedBy?: Uint8Array;
  }): World {
    // (A bare private key is not accepted here: its public half is the default updatesMustBeSignedBy.)
    const w = new World({
      type: opts.type,
      id: opts.id,
      timestamp: opts.timestamp,
      updatesMustBeSignedBy: (opts.updatesMustBeSignedBy ?? opts.signingKey.publicKey).slice(),
      roots: opts.roots,
    });
    return w.sign(opts.signingKey);
  }

  /**
   * Reads a world at the reader's position. Reasons: truncated, bad-type, bad-timestamp,
   * too-many-roots, too-many-endpoints, and identity/InetAddress reasons. Null and skipped
   * InetAddress types (§6.20) are not kept as endpoints.
   */
  static decode(r: Reader): Decoded<World> {
    const type = r.u8();
    const id = r.u64();
    const ts = r.i64();
    const updatesMustBeSignedBy = r.bytes(C25519_PUBLIC_KEY_LEN).slice();
    const signature = r.bytes(C25519_SIGNATURE_LEN).slice();
    const rootCount = r.u8();
    if (r.overrun) return fail('truncated');
    if (type !== WorldType.PLANET && type !== WorldType.MOON) return fail('bad-type');
    if (ts > BigInt(Number.MAX_SAFE_INTEGER) || ts < BigInt(Number.MIN_SAFE_INTEGER))
      return fail('bad-timestamp');
    if (rootCount > WORLD_MAX_ROOTS) return fail('too-many-roots');
    const roots: WorldRoot[] = [];
    for (let i = 0; i < rootCount; i++) {
      const identity = Identity.decode(r);
      if (!identity.ok) return fail(nested(identity.reason));
      const n = r.u8();
      if (r.overrun) return fail('truncated');
      if (n > WORLD_MAX_STABLE_ENDPOINTS) return fail('too-many-endpoints');
      const stableEndpoints: InetAddress[] = [];
      for (let j = 0; j < n; j++) {
        const a = decodeInetAddress(r);
        if (!a.ok) return fail(nested(a.reason));
        if (a.value !== null) stableEndpoints.push(a.value);
      }
      roots.push({ identity: identity.value, stableEndpoints });
    }
    if (type === WorldType.MOON) r.skip(r.u16());
    if (r.overrun) return fail('truncated');
    return ok(new World({ type, id, timestamp: Number(ts), updatesMustBeSignedBy, signature, roots }));
  }

  /** Decodes a buffer holding exactly one world (a `planet` file or `<id>.moon`). */
  static fromBytes(b: Uint8Array): Decoded<World> {
    const r = new Reader(b);
    const d = World.decode(r);
    if (d.ok && r.pos !== b.length) return fail('trailing-bytes');
    return d;
  }

  private write(w: Writer, forSign: boolean): void {
    if (this.roots.length > WORLD_MAX_ROOTS) throw new RangeError('World: at most 4 roots');
    if (this.updatesMustBeSignedBy.length !== C25519_PUBLIC_KEY_LEN)
      throw new RangeError('World: updatesMustBeSignedBy must be 64 bytes');
    if (!Number.isSafeInteger(this.timestamp))
      throw new RangeError('World: timestamp must be a safe integer');
    if (forSign) w.u64(SIGN_PREFIX);
    w.u8(this.type).u64(this.id).i64(BigInt(this.timestamp)).bytes(this.updatesMustBeSignedBy);
    if (!forSign) {
      if (this.signature.length !== C25519_SIGNATURE_LEN)
        throw new RangeError('World: signature must be 96 bytes');
      w.bytes(this.signature);
    }
    w.u8(this.roots.length);
    for (const root of this.roots) {
      if (root.stableEndpoints.length > WORLD_MAX_STABLE_ENDPOINTS)
        throw new RangeError('World: at most 32 stable endpoints per root');
      root.identity.encode(w, false);
      w.u8(root.stableEndpoints.length);
      for (const a of root.stableEndpoints) encodeInetAddress(w, a);
    }
    if (this.type === WorldType.MOON) w.u16(0);
    if (forSign) w.u64(SIGN_SUFFIX);
  }

  /** Appends the wire form (§7.1). */
  encode(w: Writer): void {
    this.write(w, false);
  }

  /** The wire form as a new array. */
  toBytes(): Uint8Array {
    const w = new Writer(600);
    this.write(w, false);
    return w.finish();
  }

  /** The signed bytes (§7.1 forSign): `0x7f×8 || world without signature || 0xf7×8`. */
  signedBytes(): Uint8Array {
    const w = new Writer(600);
    this.write(w, true);
    return w.finish();
  }

  /**
   * Signs with `key` — a key pair, or just the 64-byte C25519 private key (the public half is
   * derived) — and sets {@link signature}. Throws on a malformed key (API misuse).
   */
  sign(key: C25519KeyPair | Uint8Array): this {
    const msg = this.signedBytes();
    this.signature =
      key instanceof Uint8Array
        ? c25519Sign(key, undefined, msg)
        : c25519Sign(key.privateKey, key.publicKey, msg);
    return this;
  }

  /**
   * True if the signature verifies with `key`, by default this world's own
   * `updatesMustBeSignedBy` (true of self-signed worlds such as the default planet).
   * An update must instead verify with the *held* world's key: see {@link shouldBeReplacedBy}.
   */
  verify(key: Uint8Array = this.updatesMustBeSignedBy): boolean {
    return c25519Verify(key, this.signedBytes(), this.signature);
  }

  /** The root with this address, if the world lists it (moons are accepted from a seed only if it is a root, §7.2). */
  root(address: number): WorldRoot | undefined {
    return this.roots.find((r) => r.identity.address === address);
  }

  /**
   * §7.2: true if `update` should replace this (held) world: a null held world is replaced by
   * anything; otherwise same type, same ID, strictly newer timestamp, and a signature that verifies
   * with *this* world's `updatesMustBeSignedBy`.
   */
  shouldBeReplacedBy(update: World): boolean {
    if (this.type === WorldType.NULL || this.id === 0n) return true;
    if (update.type !== this.type || update.id !== this.id) return false;
    if (update.timestamp <= this.timestamp) return false;
    return update.verify(this.updatesMustBeSignedBy);
  }
}
