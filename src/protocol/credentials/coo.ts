/**
 * CertificateOfOwnership (protocol.md §8.6): a controller-signed list of the MAC and IP
 * addresses a member owns; used for the "sender IP authenticated" rule characteristic (§8.8).
 *
 * Wire: `u64 nwid, i64 ts, u64 flags, u32 id, u16 thingCount, thingCount × {u8 type, value[16]},
 * issuedTo[5], signedBy[5], u8 sigType, u16 sigLen, sig, u16 extLen, ext`.
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

/** Most things one COO keeps (Appendix A: 16 things × 16 bytes). */
export const COO_MAX_THINGS = 16;
/** Bytes of a thing's value field (zero padded). */
export const COO_THING_VALUE_LEN = 16;

/** Thing types (§8.6) and how many value bytes each uses. */
export const ThingType = {
  NULL: 0,
  MAC_ADDRESS: 1,
  IPV4_ADDRESS: 2,
  IPV6_ADDRESS: 3,
} as const;

const THING_USED_LEN = [0, 6, 4, 16];

/** One owned thing: a type and a 16-byte, zero-padded value. */
export interface OwnedThing {
  type: number;
  value: Uint8Array;
}

/**
 * A certificate of ownership. Signed bytes (§8.6): `0x7f×8 || nwid || ts || flags || id || count ||
 * things || issuedTo || signedBy || u16 0 || 0x7f×8`; encode/sign/verify come from
 * {@link ControllerSignedCredential}.
 */
export class CertificateOfOwnership extends ControllerSignedCredential {
  networkId: bigint;
  /** Issue time (ms). */
  timestamp: number;
  /** Flags (u64, 0 in 1.14). */
  flags: bigint;
  /** COO id (controllers issue id 1). */
  id: number;
  /** Owned things (at most 16). */
  things: OwnedThing[];
  /** Member the COO belongs to. */
  issuedTo: number;
  /** Signer (the controller), 0 if unsigned. */
  signedBy: number;
  /** The signature record; `signature` empty if unsigned. */
  sig: CredentialSignature;

  constructor(opts: {
    networkId: bigint;
    timestamp: number;
    id: number;
    issuedTo: number;
    things?: OwnedThing[];
    flags?: bigint;
    signedBy?: number;
    sig?: CredentialSignature;
  }) {
    super();
    this.networkId = opts.networkId;
    this.timestamp = opts.timestamp;
    this.flags = opts.flags ?? 0n;
    this.id = opts.id;
    this.things = opts.things ?? [];
    this.issuedTo = opts.issuedTo;
    this.signedBy = opts.signedBy ?? 0;
    this.sig = opts.sig ?? { type: SIGNATURE_TYPE_C25519, signature: new Uint8Array(0) };
  }

  /**
   * Reads a COO at the reader's position. As in the reference, things beyond the 16th are read
   * and dropped (such a COO then no longer verifies). Reasons: truncated, bad-timestamp,
   * bad-signature-length.
   */
  static decode(r: Reader): Decoded<CertificateOfOwnership> {
    const networkId = r.u64();
    const timestamp = readTimestamp(r);
    const flags = r.u64();
    const id = r.u32();
    const count = r.u16();
    const things: OwnedThing[] = [];
    for (let i = 0; i < count && !r.overrun; i++) {
      const type = r.u8();
      const value = r.bytes(COO_THING_VALUE_LEN).slice();
      if (i < COO_MAX_THINGS) things.push({ type, value });
    }
    const issuedTo = r.u40();
    const signedBy = r.u40();
    const sig = readSignatureTrailer(r);
    if (!sig.ok) return sig;
    if (timestamp === null) return fail('bad-timestamp');
    return ok(
      new CertificateOfOwnership({
        networkId,
        timestamp,
        flags,
        id,
        things,
        issuedTo,
        signedBy,
        sig: sig.value,
      }),
    );
  }

  /** Decodes a buffer holding exactly one COO. */
  static fromBytes(b: Uint8Array): Decoded<CertificateOfOwnership> {
    return decodeWhole(b, CertificateOfOwnership.decode);
  }

  /** Adds an owned IPv4 (4 bytes) or IPv6 (16 bytes) address. Throws RangeError when full or on a bad length. */
  addIp(ip: Uint8Array): this {
    if (ip.length !== 4 && ip.length !== 16) throw new RangeError('COO.addIp: ip must be 4 or 16 bytes');
    return this.addThing(ip.length === 4 ? ThingType.IPV4_ADDRESS : ThingType.IPV6_ADDRESS, ip);
  }

  /** Adds an owned MAC address (48-bit number). */
  addMac(mac: number): this {
    const b = new Uint8Array(6);
    for (let i = 5, m = mac; i >= 0; i--, m = Math.floor(m / 256)) b[i] = m % 256;
    return this.addThing(ThingType.MAC_ADDRESS, b);
  }

  private addThing(type: number, bytes: Uint8Array): this {
    if (this.things.length >= COO_MAX_THINGS) throw new RangeError('COO: at most 16 things');
    const value = new Uint8Array(COO_THING_VALUE_LEN);
    value.set(bytes);
    this.things.push({ type, value });
    return this;
  }

  /**
   * True if a thing of `type` matches `bytes` on the bytes that type uses (MAC 6, IPv4 4,
   * IPv6 16; §8.6). `bytes` must be at least that long.
   */
  owns(type: number, bytes: Uint8Array): boolean {
    const n = THING_USED_LEN[type] ?? 0;
    if (n === 0 || bytes.length < n) return false;
    outer: for (const t of this.things) {
      if (t.type !== type) continue;
      for (let i = 0; i < n; i++) if (t.value[i] !== bytes[i]) continue outer;
      return true;
    }
    return false;
  }

  protected override sizeHints(): { wire: number; signed: number } {
    return { wire: 160 + 17 * this.things.length, signed: 80 + 17 * this.things.length };
  }

  protected override writeBody(w: Writer): void {
    if (this.things.length > 0xffff) throw new RangeError('COO: too many things');
    w.u64(this.networkId);
    writeTimestamp(w, this.timestamp);
    w.u64(this.flags).u32(this.id).u16(this.things.length);
    for (const t of this.things) {
      if (t.value.length !== COO_THING_VALUE_LEN) throw new RangeError('COO: thing value must be 16 bytes');
      w.u8(t.type).bytes(t.value);
    }
    w.u40(this.issuedTo).u40(this.signedBy);
  }
}
