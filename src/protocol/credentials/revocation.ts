/**
 * Revocation (protocol.md §8.7): a controller-signed statement that credentials of a member
 * (or one credential by id) with a timestamp ≤ `threshold` are no longer valid.
 *
 * Wire: `u32 0, u32 id, u64 nwid, u32 0, u32 credentialId, i64 threshold, u64 flags, target[5],
 * signedBy[5], u8 credentialType, u8 sigType, u16 sigLen, sig, u16 extLen, ext`.
 * @module
 */

import { type Decoded, fail, ok, type Reader, type Writer } from '../../util/result.ts';
import {
  ControllerSignedCredential,
  type CredentialSignature,
  decodeWhole,
  readSignatureTrailer,
  readTimestamp,
  SIGNATURE_TYPE_C25519,
  writeTimestamp,
} from './common.ts';

/** Flag: receivers forward a newly accepted revocation to the other members they know (§8.7). */
export const REVOCATION_FLAG_FAST_PROPAGATE = 0x1n;

/**
 * A revocation. Signed bytes (§8.7): `0x7f×8 || fields up to credentialType || u16 0 || 0x7f×8`;
 * encode/sign/verify come from {@link ControllerSignedCredential}.
 */
export class Revocation extends ControllerSignedCredential {
  /** Revocation id (u32). */
  id: number;
  networkId: bigint;
  /** Id of the revoked credential (0 for a COM revocation). */
  credentialId: number;
  /** Credentials with timestamp ≤ this (ms) are revoked. */
  threshold: number;
  /** Flags (u64): {@link REVOCATION_FLAG_FAST_PROPAGATE}. */
  flags: bigint;
  /** The member whose credentials are revoked. */
  target: number;
  /** Signer (the controller), 0 if unsigned. */
  signedBy: number;
  /** Revoked credential type ({@link CredentialType}). */
  credentialType: number;
  /** The signature record; `signature` empty if unsigned. */
  sig: CredentialSignature;

  constructor(opts: {
    id: number;
    networkId: bigint;
    credentialId: number;
    threshold: number;
    target: number;
    credentialType: number;
    flags?: bigint;
    signedBy?: number;
    sig?: CredentialSignature;
  }) {
    super();
    this.id = opts.id;
    this.networkId = opts.networkId;
    this.credentialId = opts.credentialId;
    this.threshold = opts.threshold;
    this.flags = opts.flags ?? 0n;
    this.target = opts.target;
    this.signedBy = opts.signedBy ?? 0;
    this.credentialType = opts.credentialType;
    this.sig = opts.sig ?? { type: SIGNATURE_TYPE_C25519, signature: new Uint8Array(0) };
  }

  /**
   * Reads a revocation at the reader's position. The two reserved u32 fields are ignored on read
   * and written as 0. Reasons: truncated, bad-timestamp, bad-signature-length.
   */
  static decode(r: Reader): Decoded<Revocation> {
    r.u32();
    const id = r.u32();
    const networkId = r.u64();
    r.u32();
    const credentialId = r.u32();
    const threshold = readTimestamp(r);
    const flags = r.u64();
    const target = r.u40();
    const signedBy = r.u40();
    const credentialType = r.u8();
    const sig = readSignatureTrailer(r);
    if (!sig.ok) return sig;
    if (threshold === null) return fail('bad-timestamp');
    return ok(
      new Revocation({
        id,
        networkId,
        credentialId,
        threshold,
        flags,
        target,
        signedBy,
        credentialType,
        sig: sig.value,
      }),
    );
  }

  /** Decodes a buffer holding exactly one revocation. */
  static fromBytes(b: Uint8Array): Decoded<Revocation> {
    return decodeWhole(b, Revocation.decode);
  }

  /** True if the fast-propagate flag is set. */
  get fastPropagate(): boolean {
    return (this.flags & REVOCATION_FLAG_FAST_PROPAGATE) !== 0n;
  }

  protected override sizeHints(): { wire: number; signed: number } {
    return { wire: 152, signed: 64 };
  }

  protected override writeBody(w: Writer): void {
    w.u32(0).u32(this.id).u64(this.networkId).u32(0).u32(this.credentialId);
    writeTimestamp(w, this.threshold);
    w.u64(this.flags).u40(this.target).u40(this.signedBy).u8(this.credentialType);
  }
}
