/**
 * Pieces shared by the credential codecs (protocol.md §8.3–§8.7): credential type numbers,
 * the signature record `u8 sigType || u16 sigLen || sig`, the `0x7f×8` markers that frame the
 * signed bytes, timestamps and who may sign for a network.
 * @module
 */

import { type Decoded, fail, ok, Reader, Writer } from '../../util/result.ts';
import { networkController } from '../address.ts';
import type { Identity } from '../identity.ts';

/** Credential type numbers (§8.7; used by Revocation and NETWORK_CREDENTIALS). */
export const CredentialType = {
  NULL: 0,
  COM: 1,
  CAPABILITY: 2,
  TAG: 3,
  COO: 4,
  REVOCATION: 6,
} as const;

/** Signature type of a C25519 signature in a credential (§8.4–§8.7). */
export const SIGNATURE_TYPE_C25519 = 1;
/** Length of a C25519 signature (§2.4). */
export const SIGNATURE_LEN = 96;
/** The marker that opens and closes the signed bytes of tags, capabilities, COOs and revocations. */
export const SIGNED_MARKER = 0x7f7f7f7f7f7f7f7fn;

/** A credential signature as carried on the wire. `signature` is empty when unsigned. */
export interface CredentialSignature {
  /** 1 = C25519 (§2.4); other values are skipped by the reference and never verify. */
  type: number;
  /** 96 bytes for type 1. */
  signature: Uint8Array;
}

/**
 * Reads `u8 sigType || u16 sigLen || sig[sigLen]`. A C25519 signature must be 96 bytes
 * (`'bad-signature-length'`); other types are kept as opaque bytes (the reference skips them).
 */
export function readSignature(r: Reader): Decoded<CredentialSignature> {
  const type = r.u8();
  const len = r.u16();
  const signature = r.bytes(len).slice();
  if (r.overrun) return fail('truncated');
  if (type === SIGNATURE_TYPE_C25519 && len !== SIGNATURE_LEN) return fail('bad-signature-length');
  return ok({ type, signature });
}

/** Writes a signature record. Throws RangeError if the signature is longer than 65535 bytes. */
export function writeSignature(w: Writer, s: CredentialSignature): void {
  if (s.signature.length > 0xffff) throw new RangeError('writeSignature: signature too long');
  w.u8(s.type).u16(s.signature.length).bytes(s.signature);
}

/** Reads `u16 extLen || ext` (1.14 writes 0 and ignores the contents). */
export function skipExtension(r: Reader): void {
  const len = r.u16();
  r.skip(len);
}

/**
 * Reads an i64 millisecond timestamp as a number. Values outside ±2^53 cannot be represented
 * exactly (they would not re-serialize to the signed bytes), so they are refused.
 */
export function readTimestamp(r: Reader): number | null {
  const v = r.i64();
  if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) return null;
  return Number(v);
}

/** Writes a millisecond timestamp as i64. Throws RangeError on a non-integer (API misuse). */
export function writeTimestamp(w: Writer, ts: number): void {
  if (!Number.isSafeInteger(ts)) throw new RangeError('credential timestamp must be a safe integer');
  w.i64(BigInt(ts));
}

/** Signs `msg` with `issuer`; throws TypeError (API misuse) if it has no private key. */
export function signWith(issuer: Identity, msg: Uint8Array): CredentialSignature {
  if (!issuer.hasPrivate) throw new TypeError('credential sign: issuer identity has no private key');
  return { type: SIGNATURE_TYPE_C25519, signature: issuer.sign(msg) };
}

/** True if `s` is a C25519 signature of `msg` by `signer`. Never throws. */
export function verifyWith(signer: Identity, msg: Uint8Array, s: CredentialSignature): boolean {
  return (
    s.type === SIGNATURE_TYPE_C25519 &&
    s.signature.length === SIGNATURE_LEN &&
    signer.verify(msg, s.signature)
  );
}

/**
 * Reads the trailer every controller-signed credential ends with (§8.4–§8.7): the signature
 * record, then `u16 extLen || ext` (skipped). Reasons: truncated, bad-signature-length.
 */
export function readSignatureTrailer(r: Reader): Decoded<CredentialSignature> {
  const sig = readSignature(r);
  if (!sig.ok) return sig;
  skipExtension(r);
  if (r.overrun) return fail('truncated');
  return sig;
}

/** Decodes a buffer that must hold exactly one credential (`'trailing-bytes'` otherwise). */
export function decodeWhole<T>(b: Uint8Array, decode: (r: Reader) => Decoded<T>): Decoded<T> {
  const r = new Reader(b);
  const d = decode(r);
  if (d.ok && r.pos !== b.length) return fail('trailing-bytes');
  return d;
}

/**
 * The signed bytes of a tag, capability, COO or revocation (§8.4–§8.7):
 * `0x7f×8 || body || u16 0 || 0x7f×8`, where the `u16 0` stands for the empty extension.
 */
export function markedSignedBytes(sizeHint: number, writeBody: (w: Writer) => void): Uint8Array {
  const w = new Writer(sizeHint);
  w.u64(SIGNED_MARKER);
  writeBody(w);
  w.u16(0).u64(SIGNED_MARKER);
  return w.finish();
}

/**
 * What a tag, COO and revocation have in common (§8.5–§8.7): a body ending in `signedBy`, then
 * one signature record by the network's controller and an empty extension. Subclasses write the
 * body; this class frames it for the wire and for signing, signs and verifies.
 */
export abstract class ControllerSignedCredential {
  /** The network the credential belongs to; its controller is `networkId >> 24`. */
  abstract networkId: bigint;
  /** Signer (the controller), 0 if unsigned. */
  abstract signedBy: number;
  /** The signature record; `signature` empty if unsigned. */
  abstract sig: CredentialSignature;
  /** Writes every field before the signature record (the signed fields). */
  protected abstract writeBody(w: Writer): void;
  /** Initial `Writer` sizes for the wire form and the signed bytes (only a hint: writers grow). */
  protected abstract sizeHints(): { wire: number; signed: number };

  /** Appends the wire form (extension length 0, as 1.14 writes). */
  encode(w: Writer): void {
    this.writeBody(w);
    writeSignature(w, this.sig);
    w.u16(0);
  }

  /** The wire form as a new array. */
  toBytes(): Uint8Array {
    const w = new Writer(this.sizeHints().wire);
    this.encode(w);
    return w.finish();
  }

  /** Signed bytes: `0x7f×8 || body || u16 0 || 0x7f×8` (see {@link markedSignedBytes}). */
  signedBytes(): Uint8Array {
    return markedSignedBytes(this.sizeHints().signed, (w) => this.writeBody(w));
  }

  /** Signs as `issuer` (sets `signedBy` first: it is part of the signed bytes). */
  sign(issuer: Identity): this {
    this.signedBy = issuer.address;
    this.sig = signWith(issuer, this.signedBytes());
    return this;
  }

  /** True if signed by `signer`, who is the network's controller, and the signature verifies. */
  verify(signer: Identity): boolean {
    if (this.signedBy !== signer.address || this.signedBy !== networkController(this.networkId)) return false;
    return verifyWith(signer, this.signedBytes(), this.sig);
  }
}
