/**
 * CertificateOfMembership (protocol.md §8.3): the controller-signed proof that a node is a
 * member of a network, bound to its identity by the hash of its public key. Two members talk
 * only if their COMs agree ({@link CertificateOfMembership.agreesWith}).
 *
 * Wire: `u8 1 || u16 n || n × {u64 id, u64 value, u64 maxDelta} || signedBy[5] || sig[96]?`.
 * @module
 */

import { type Decoded, fail, ok, Reader, Writer } from '../../util/result.ts';
import { networkController } from '../address.ts';
import type { Identity } from '../identity.ts';
import { SIGNATURE_LEN, SIGNATURE_TYPE_C25519, signWith, verifyWith } from './common.ts';

/** The only COM version (§8.3). */
export const COM_VERSION = 1;
/** Most qualifiers a COM may carry (Appendix A). */
export const COM_MAX_QUALIFIERS = 8;

/** Qualifier ids issued by 1.14 controllers (§8.3). */
export const ComQualifierId = {
  TIMESTAMP: 0n,
  NETWORK_ID: 1n,
  ISSUED_TO: 2n,
  /** Ids 3..6 hold the 48-byte public key hash of the member, 8 bytes each. */
  PUBLIC_KEY_HASH_0: 3n,
} as const;

const ANY_DELTA = 0xffffffffffffffffn;

/** One `(id, value, maxDelta)` triple; all three are u64. */
export interface ComQualifier {
  id: bigint;
  value: bigint;
  maxDelta: bigint;
}

/** The four u64 words (big-endian) of the identity's 48-byte public key hash, for ids 3..6. */
function hashWords(id: Identity): bigint[] {
  const h = id.publicKeyHash();
  const dv = new DataView(h.buffer, h.byteOffset, h.byteLength);
  return [0, 8, 16, 24].map((o) => dv.getBigUint64(o, false));
}

/** A certificate of membership. Fields are public so tests and controllers can build one. */
export class CertificateOfMembership {
  /** Qualifiers, sorted by ascending id (the wire requires it). */
  qualifiers: ComQualifier[];
  /** Address of the signer (the controller), or 0 if unsigned. */
  signedBy: number;
  /** 96-byte C25519 signature, or empty if unsigned. */
  signature: Uint8Array;

  constructor(qualifiers: ComQualifier[] = [], signedBy = 0, signature: Uint8Array = new Uint8Array(0)) {
    this.qualifiers = qualifiers;
    this.signedBy = signedBy;
    this.signature = signature;
  }

  /**
   * The COM a 1.14 controller issues (§8.3): timestamp (maxDelta = `ctmd`), network id,
   * issued-to address and the four public-key-hash words of `issuedTo`. Unsigned: call {@link sign}.
   */
  static create(opts: {
    networkId: bigint;
    timestamp: number;
    /** Credential time max delta in ms (netconf `ctmd`). */
    maxDelta: number;
    issuedTo: Identity;
  }): CertificateOfMembership {
    const q: ComQualifier[] = [
      { id: ComQualifierId.TIMESTAMP, value: BigInt(opts.timestamp), maxDelta: BigInt(opts.maxDelta) },
      { id: ComQualifierId.NETWORK_ID, value: BigInt.asUintN(64, opts.networkId), maxDelta: 0n },
      { id: ComQualifierId.ISSUED_TO, value: BigInt(opts.issuedTo.address), maxDelta: ANY_DELTA },
    ];
    hashWords(opts.issuedTo).forEach((value, i) => {
      q.push({ id: ComQualifierId.PUBLIC_KEY_HASH_0 + BigInt(i), value, maxDelta: ANY_DELTA });
    });
    return new CertificateOfMembership(q);
  }

  /** Reads a COM at the reader's position. Reasons: truncated, bad-version, too-many-qualifiers, unsorted-qualifiers. */
  static decode(r: Reader): Decoded<CertificateOfMembership> {
    const version = r.u8();
    const count = r.u16();
    if (r.overrun) return fail('truncated');
    if (version !== COM_VERSION) return fail('bad-version');
    if (count > COM_MAX_QUALIFIERS) return fail('too-many-qualifiers');
    const qualifiers: ComQualifier[] = [];
    for (let i = 0; i < count; i++) {
      const q = { id: r.u64(), value: r.u64(), maxDelta: r.u64() };
      if (i > 0 && q.id <= qualifiers[i - 1].id) return fail('unsorted-qualifiers');
      qualifiers.push(q);
    }
    const signedBy = r.u40();
    const signature = signedBy !== 0 ? r.bytes(SIGNATURE_LEN).slice() : new Uint8Array(0);
    if (r.overrun) return fail('truncated');
    return ok(new CertificateOfMembership(qualifiers, signedBy, signature));
  }

  /** Decodes a buffer holding exactly one COM. */
  static fromBytes(b: Uint8Array): Decoded<CertificateOfMembership> {
    const r = new Reader(b);
    const d = CertificateOfMembership.decode(r);
    if (d.ok && r.pos !== b.length) return fail('trailing-bytes');
    return d;
  }

  /** Appends the wire form. The signature is written only if `signedBy` is non-zero. */
  encode(w: Writer): void {
    w.u8(COM_VERSION).u16(this.qualifiers.length);
    for (const q of this.qualifiers) w.u64(q.id).u64(q.value).u64(q.maxDelta);
    w.u40(this.signedBy);
    if (this.signedBy !== 0) {
      if (this.signature.length !== SIGNATURE_LEN)
        throw new RangeError('COM.encode: signed COM needs a 96-byte signature');
      w.bytes(this.signature);
    }
  }

  /** The wire form as a new array. */
  toBytes(): Uint8Array {
    const w = new Writer(3 + 24 * this.qualifiers.length + 5 + SIGNATURE_LEN);
    this.encode(w);
    return w.finish();
  }

  /** The bytes the signature covers: every qualifier's `id || value || maxDelta` (§8.3). */
  signedBytes(): Uint8Array {
    const w = new Writer(24 * this.qualifiers.length);
    for (const q of this.qualifiers) w.u64(q.id).u64(q.value).u64(q.maxDelta);
    return w.finish();
  }

  private get(id: bigint): ComQualifier | undefined {
    for (const q of this.qualifiers) if (q.id === id) return q;
    return undefined;
  }

  /** Qualifier 0: issue time in ms (0 if absent). */
  get timestamp(): number {
    return Number(BigInt.asIntN(64, this.get(ComQualifierId.TIMESTAMP)?.value ?? 0n));
  }

  /** Qualifier 1: the network id (0n if absent). */
  get networkId(): bigint {
    return this.get(ComQualifierId.NETWORK_ID)?.value ?? 0n;
  }

  /** Qualifier 2: the member's address (0 if absent). */
  get issuedTo(): number {
    return Number((this.get(ComQualifierId.ISSUED_TO)?.value ?? 0n) & 0xffffffffffn);
  }

  /** Signs as `issuer` (the network's controller): sets `signedBy` and `signature`. */
  sign(issuer: Identity): this {
    const s = signWith(issuer, this.signedBytes());
    this.signedBy = issuer.address;
    this.signature = s.signature;
    return this;
  }

  /**
   * True if this COM is signed by `signer`, `signer` is the network's controller
   * (`signedBy == nwid >> 24`, §8.3) and the signature verifies.
   */
  verify(signer: Identity): boolean {
    if (this.signedBy === 0 || this.signedBy !== signer.address) return false;
    if (this.signedBy !== networkController(this.networkId)) return false;
    return verifyWith(signer, this.signedBytes(), { type: SIGNATURE_TYPE_C25519, signature: this.signature });
  }

  /**
   * `mine.agreesWith(theirs, theirIdentity)` (§8.3): both non-empty; every qualifier of mine is in
   * theirs with `|a − b| ≤ mine.maxDelta`; and if mine binds an identity (ids 3..6), theirs must
   * carry all of 3..6 equal to the hash of `theirIdentity` (so a stolen COM is useless).
   */
  agreesWith(theirs: CertificateOfMembership, theirIdentity: Identity): boolean {
    if (this.qualifiers.length === 0 || theirs.qualifiers.length === 0) return false;
    let bindsIdentity = false;
    for (const q of this.qualifiers) {
      const t = theirs.get(q.id);
      if (t === undefined) return false;
      const diff = q.value >= t.value ? q.value - t.value : t.value - q.value;
      if (diff > q.maxDelta) return false;
      if (q.id >= 3n && q.id <= 6n) bindsIdentity = true;
    }
    if (bindsIdentity) {
      const words = hashWords(theirIdentity);
      for (let i = 0; i < 4; i++) {
        if (theirs.get(ComQualifierId.PUBLIC_KEY_HASH_0 + BigInt(i))?.value !== words[i]) return false;
      }
    }
    return true;
  }
}
