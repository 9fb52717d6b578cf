/**
 * Tag (protocol.md §8.5): a controller-signed `(id, value)` pair attached to a member, matched by
 * the rules engine (MATCH_TAGS_*, MATCH_TAG_SENDER/RECEIVER, §8.8).
 *
 * Wire: `u64 nwid, i64 ts, u32 id, u32 value, issuedTo[5], signedBy[5], u8 sigType, u16 sigLen,
 * sig, u16 extLen, ext`.
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

/**
 * A tag credential. Signed bytes (§8.5): `0x7f×8 || nwid || ts || id || value || issuedTo ||
 * signedBy || u16 0 || 0x7f×8`; encode/sign/verify come from {@link ControllerSignedCredential}.
 */
export class Tag extends ControllerSignedCredential {
  networkId: bigint;
  /** Issue time (ms). */
  timestamp: number;
  /** Tag id (u32). */
  id: number;
  /** Tag value (u32). */
  value: number;
  /** Member the tag belongs to. */
  issuedTo: number;
  /** Signer (the controller), 0 if unsigned. */
  signedBy: number;
  /** The signature record; `signature` empty if unsigned. */
  sig: CredentialSignature;

  constructor(opts: {
    networkId: bigint;
    timestamp: number;
    id: number;
    value: number;
    issuedTo: number;
    signedBy?: number;
    sig?: CredentialSignature;
  }) {
    super();
    this.networkId = opts.networkId;
    this.timestamp = opts.timestamp;
    this.id = opts.id;
    this.value = opts.value;
    this.issuedTo = opts.issuedTo;
    this.signedBy = opts.signedBy ?? 0;
    this.sig = opts.sig ?? { type: SIGNATURE_TYPE_C25519, signature: new Uint8Array(0) };
  }

  /** Reads a tag at the reader's position. Reasons: truncated, bad-timestamp, bad-signature-length. */
  static decode(r: Reader): Decoded<Tag> {
    const networkId = r.u64();
    const timestamp = readTimestamp(r);
    const id = r.u32();
    const value = r.u32();
    const issuedTo = r.u40();
    const signedBy = r.u40();
    const sig = readSignatureTrailer(r);
    if (!sig.ok) return sig;
    if (timestamp === null) return fail('bad-timestamp');
    return ok(new Tag({ networkId, timestamp, id, value, issuedTo, signedBy, sig: sig.value }));
  }

  /** Decodes a buffer holding exactly one tag. */
  static fromBytes(b: Uint8Array): Decoded<Tag> {
    return decodeWhole(b, Tag.decode);
  }

  protected override sizeHints(): { wire: number; signed: number } {
    return { wire: 140, signed: 54 };
  }

  protected override writeBody(w: Writer): void {
    w.u64(this.networkId);
    writeTimestamp(w, this.timestamp);
    w.u32(this.id).u32(this.value).u40(this.issuedTo).u40(this.signedBy);
  }
}
