/**
 * Tag (protocol.md §8.5): a controller-signed `(id, value)` pair attached to a member, matched by
 * the rules engine (MATCH_TAGS_*, MATCH_TAG_SENDER/RECEIVER, §8.8).
 *
 * Wire: `u64 nwid, i64 ts, u32 id, u32 value, issuedTo[5], signedBy[5], u8 sigType, u16 sigLen,
 * sig, u16 extLen, ext`.
 * @module
 */

import { type Decoded, fail, ok, Reader, Writer } from '../../util/result.ts';
import { networkController } from '../address.ts';
import type { Identity } from '../identity.ts';
import {
  type CredentialSignature,
  readSignature,
  readTimestamp,
  SIGNATURE_TYPE_C25519,
  SIGNED_MARKER,
  signWith,
  skipExtension,
  verifyWith,
  writeSignature,
  writeTimestamp,
} from './common.ts';

/** A tag credential. */
export class Tag {
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
    const sig = readSignature(r);
    if (!sig.ok) return sig;
    skipExtension(r);
    if (r.overrun) return fail('truncated');
    if (timestamp === null) return fail('bad-timestamp');
    return ok(new Tag({ networkId, timestamp, id, value, issuedTo, signedBy, sig: sig.value }));
  }

  /** Decodes a buffer holding exactly one tag. */
  static fromBytes(b: Uint8Array): Decoded<Tag> {
    const r = new Reader(b);
    const d = Tag.decode(r);
    if (d.ok && r.pos !== b.length) return fail('trailing-bytes');
    return d;
  }

  private writeBody(w: Writer): void {
    w.u64(this.networkId);
    writeTimestamp(w, this.timestamp);
    w.u32(this.id).u32(this.value).u40(this.issuedTo).u40(this.signedBy);
  }

  /** Appends the wire form (extension length 0, as 1.14 writes). */
  encode(w: Writer): void {
    this.writeBody(w);
    writeSignature(w, this.sig);
    w.u16(0);
  }

  /** The wire form as a new array. */
  toBytes(): Uint8Array {
    const w = new Writer(140);
    this.encode(w);
    return w.finish();
  }

  /** Signed bytes (§8.5): `0x7f×8 || nwid || ts || id || value || issuedTo || signedBy || u16 0 || 0x7f×8`. */
  signedBytes(): Uint8Array {
    const w = new Writer(54);
    w.u64(SIGNED_MARKER);
    this.writeBody(w);
    w.u16(0).u64(SIGNED_MARKER);
    return w.finish();
  }

  /** Signs as `issuer` (sets `signedBy` first: it is part of the signed bytes). */
  sign(issuer: Identity): this {
    this.signedBy = issuer.address;
    this.sig = signWith(issuer, this.signedBytes());
    return this;
  }

  /** True if signed by `signer`, who is the network's controller, and the signature verifies (§8.5). */
  verify(signer: Identity): boolean {
    if (this.signedBy !== signer.address || this.signedBy !== networkController(this.networkId)) return false;
    return verifyWith(signer, this.signedBytes(), this.sig);
  }
}
