/**
 * Pieces shared by the credential codecs (protocol.md §8.3–§8.7): credential type numbers,
 * the signature record `u8 sigType || u16 sigLen || sig`, the `0x7f×8` markers that frame the
 * signed bytes, timestamps and who may sign for a network.
 * @module
 */

import { type Decoded, fail, ok, type Reader, type Writer } from '../../util/result.ts';
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
