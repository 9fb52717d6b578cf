/**
 * Capability (protocol.md §8.4): a controller-signed list of extra rules a member may use when
 * the base rules do not match, with a custody chain recording who handed it to whom.
 *
 * Wire: `u64 nwid, i64 ts, u32 id, u16 ruleCount, rules (§8.8), u8 maxCustodyChainLength,
 * custody entries {to[5], from[5], u8 sigType, u16 sigLen, sig} terminated by a zero 'to',
 * u16 extLen, ext`.
 * @module
 */

import { type Decoded, fail, ok, type Reader, Writer } from '../../util/result.ts';
import { networkController } from '../address.ts';
import type { Identity } from '../identity.ts';
import { MAX_CAPABILITY_RULES, type Rule, readRules, writeRule } from '../rules.ts';
import {
  type CredentialSignature,
  decodeWhole,
  markedSignedBytes,
  readSignature,
  readTimestamp,
  signWith,
  skipExtension,
  verifyWith,
  writeSignature,
  writeTimestamp,
} from './common.ts';

/** Longest custody chain a capability can carry (`ZT_MAX_CAPABILITY_CUSTODY_CHAIN_LENGTH`, §8.4). */
export const MAX_CUSTODY_CHAIN_LENGTH = 7;

/** One hand-over of a capability: `from` gave it to `to` and signed that. */
export interface CustodyEntry {
  to: number;
  from: number;
  sig: CredentialSignature;
}

/** Something that can find the identity behind an address (e.g. the topology), or one identity. */
export type IdentityLookup = Identity | ((address: number) => Identity | undefined);

function resolve(lookup: IdentityLookup, address: number): Identity | undefined {
  if (typeof lookup === 'function') return lookup(address);
  return lookup.address === address ? lookup : undefined;
}

/** A capability credential. */
export class Capability {
  networkId: bigint;
  /** Issue time (ms). */
  timestamp: number;
  /** Capability id (u32); capabilities are evaluated in id order. */
  id: number;
  /** The rules this capability grants (at most 64). */
  rules: Rule[];
  /** Maximum custody chain length, 1..7 (controllers issue 1). */
  maxCustodyChainLength: number;
  /** Custody chain, first entry signed by the controller. */
  custody: CustodyEntry[];

  constructor(opts: {
    networkId: bigint;
    timestamp: number;
    id: number;
    rules: Rule[];
    maxCustodyChainLength?: number;
    custody?: CustodyEntry[];
  }) {
    this.networkId = opts.networkId;
    this.timestamp = opts.timestamp;
    this.id = opts.id;
    this.rules = opts.rules;
    this.maxCustodyChainLength = opts.maxCustodyChainLength ?? 1;
    this.custody = opts.custody ?? [];
  }

  /**
   * Reads a capability at the reader's position. Reasons: truncated, bad-timestamp,
   * too-many-rules, custody-chain-too-long, bad-signature-length.
   */
  static decode(r: Reader): Decoded<Capability> {
    const networkId = r.u64();
    const timestamp = readTimestamp(r);
    const id = r.u32();
    const ruleCount = r.u16();
    if (r.overrun) return fail('truncated');
    if (timestamp === null) return fail('bad-timestamp');
    if (ruleCount > MAX_CAPABILITY_RULES) return fail('too-many-rules');
    const rules = readRules(r, ruleCount);
    const maxCustodyChainLength = r.u8();
    if (r.overrun) return fail('truncated');
    const custody: CustodyEntry[] = [];
    for (;;) {
      const to = r.u40();
      if (r.overrun) return fail('truncated');
      if (to === 0) break;
      if (custody.length >= MAX_CUSTODY_CHAIN_LENGTH) return fail('custody-chain-too-long');
      const from = r.u40();
      const sig = readSignature(r);
      if (!sig.ok) return sig;
      custody.push({ to, from, sig: sig.value });
    }
    skipExtension(r);
    if (r.overrun) return fail('truncated');
    return ok(new Capability({ networkId, timestamp, id, rules, maxCustodyChainLength, custody }));
  }

  /** Decodes a buffer holding exactly one capability. */
  static fromBytes(b: Uint8Array): Decoded<Capability> {
    return decodeWhole(b, Capability.decode);
  }

  private writeBody(w: Writer): void {
    if (this.rules.length > MAX_CAPABILITY_RULES) throw new RangeError('Capability: more than 64 rules');
    w.u64(this.networkId);
    writeTimestamp(w, this.timestamp);
    w.u32(this.id).u16(this.rules.length);
    for (const rule of this.rules) writeRule(w, rule);
    w.u8(this.maxCustodyChainLength);
  }

  /** Appends the wire form: body, custody chain, zero terminator, extension length 0. */
  encode(w: Writer): void {
    this.writeBody(w);
    for (const c of this.custody) {
      w.u40(c.to).u40(c.from);
      writeSignature(w, c.sig);
    }
    w.u40(0).u16(0);
  }

  /** The wire form as a new array. */
  toBytes(): Uint8Array {
    const w = new Writer(256);
    this.encode(w);
    return w.finish();
  }

  /**
   * Signed bytes (§8.4): `0x7f×8 || nwid || ts || id || ruleCount || rules || maxCCL || u16 0 ||
   * 0x7f×8`. The custody chain is not included; every custody entry signs these same bytes.
   */
  signedBytes(): Uint8Array {
    return markedSignedBytes(256, (w) => this.writeBody(w));
  }

  /**
   * Appends a custody entry `issuer → to` signed by `issuer` (the controller for the first
   * entry). Throws RangeError if the chain is already at its maximum length.
   */
  sign(issuer: Identity, to: number): this {
    if (this.custody.length >= Math.min(this.maxCustodyChainLength, MAX_CUSTODY_CHAIN_LENGTH))
      throw new RangeError('Capability.sign: custody chain is full');
    this.custody.push({ to, from: issuer.address, sig: signWith(issuer, this.signedBytes()) });
    return this;
  }

  /** The holder: the `to` of the last custody entry (0 if unsigned). */
  get issuedTo(): number {
    return this.custody.length === 0 ? 0 : this.custody[this.custody.length - 1].to;
  }

  /**
   * True if the custody chain is valid (§8.4): entry 0 exists and comes from the controller
   * (`nwid >> 24`), each later entry comes from the previous entry's `to`, the chain is not longer
   * than `maxCustodyChainLength`, and every signature verifies with the identity `signers` yields.
   */
  verify(signers: IdentityLookup): boolean {
    if (this.custody.length === 0 || this.custody.length > this.maxCustodyChainLength) return false;
    const msg = this.signedBytes();
    for (let i = 0; i < this.custody.length; i++) {
      const c = this.custody[i];
      const expectedFrom = i === 0 ? networkController(this.networkId) : this.custody[i - 1].to;
      if (c.from !== expectedFrom) return false;
      const signer = resolve(signers, c.from);
      if (signer === undefined || !verifyWith(signer, msg, c.sig)) return false;
    }
    return true;
  }
}
