/**
 * Binary encoding of network rules (protocol.md §8.8), as carried in the netconf `R` blob and
 * inside capabilities (§8.4). Each rule is `u8 t || u8 len || len bytes`: `t & 0x3f` is the rule
 * type, `t & 0x80` NOT (invert the match), `t & 0x40` OR (combine with the previous match by OR).
 *
 * This module only converts bytes ⇄ {@link Rule} objects; the evaluation engine lives elsewhere.
 * Anything the typed form cannot reproduce exactly (unknown types, a value of unexpected length,
 * address bits above 40, …) keeps its original value bytes in `raw`, so decode → encode is always
 * byte-identical (readers must skip `len` bytes regardless of type: forward compatibility).
 * @module
 */

import { type Decoded, fail, ok, Reader, Writer } from '../util/result.ts';

/** Rule type numbers (§8.8 table; ZeroTierOne `ZT_VirtualNetworkRuleType`). */
export const RuleType = {
  ACTION_DROP: 0,
  ACTION_ACCEPT: 1,
  ACTION_TEE: 2,
  ACTION_WATCH: 3,
  ACTION_REDIRECT: 4,
  ACTION_BREAK: 5,
  ACTION_PRIORITY: 6,
  MATCH_SOURCE_ZEROTIER_ADDRESS: 24,
  MATCH_DEST_ZEROTIER_ADDRESS: 25,
  MATCH_VLAN_ID: 26,
  MATCH_VLAN_PCP: 27,
  MATCH_VLAN_DEI: 28,
  MATCH_MAC_SOURCE: 29,
  MATCH_MAC_DEST: 30,
  MATCH_IPV4_SOURCE: 31,
  MATCH_IPV4_DEST: 32,
  MATCH_IPV6_SOURCE: 33,
  MATCH_IPV6_DEST: 34,
  MATCH_IP_TOS: 35,
  MATCH_IP_PROTOCOL: 36,
  MATCH_ETHERTYPE: 37,
  MATCH_ICMP: 38,
  MATCH_IP_SOURCE_PORT_RANGE: 39,
  MATCH_IP_DEST_PORT_RANGE: 40,
  MATCH_CHARACTERISTICS: 41,
  MATCH_FRAME_SIZE_RANGE: 42,
  MATCH_RANDOM: 43,
  MATCH_TAGS_DIFFERENCE: 44,
  MATCH_TAGS_BITWISE_AND: 45,
  MATCH_TAGS_BITWISE_OR: 46,
  MATCH_TAGS_BITWISE_XOR: 47,
  MATCH_TAGS_EQUAL: 48,
  MATCH_TAG_SENDER: 49,
  MATCH_TAG_RECEIVER: 50,
  MATCH_INTEGER_RANGE: 51,
} as const;

/** Bit of the type byte that inverts a match (§8.8). */
export const RULE_FLAG_NOT = 0x80;
/** Bit of the type byte that ORs a match with the previous one instead of ANDing (§8.8). */
export const RULE_FLAG_OR = 0x40;
/** Mask of the rule type in the type byte. */
export const RULE_TYPE_MASK = 0x3f;
/** Highest action type: types 0..15 are actions, 16..63 matches (§8.8). */
export const RULE_MAX_ACTION_TYPE = 15;
/** Maximum base rules in a netconf (`R`, Appendix A). */
export const MAX_NETWORK_RULES = 1024;
/** Maximum rules in one capability (§8.4). */
export const MAX_CAPABILITY_RULES = 64;

/** Characteristics bits for MATCH_CHARACTERISTICS (§8.8). */
export const Characteristics = {
  INBOUND: 0x8000000000000000n,
  MULTICAST: 0x4000000000000000n,
  BROADCAST: 0x2000000000000000n,
  SENDER_IP_AUTHENTICATED: 0x1000000000000000n,
  SENDER_MAC_AUTHENTICATED: 0x0800000000000000n,
  TCP_RESERVED_0: 0x800n,
  TCP_RESERVED_1: 0x400n,
  TCP_RESERVED_2: 0x200n,
  TCP_NS: 0x100n,
  TCP_CWR: 0x80n,
  TCP_ECE: 0x40n,
  TCP_URG: 0x20n,
  TCP_ACK: 0x10n,
  TCP_PSH: 0x08n,
  TCP_RST: 0x04n,
  TCP_SYN: 0x02n,
  TCP_FIN: 0x01n,
} as const;

/** Type numbers with no defined value (§8.8: 7–15 unknown actions, 16–23 and 52–63 unknown matches). */
export type UnknownRuleType =
  | 7
  | 8
  | 9
  | 10
  | 11
  | 12
  | 13
  | 14
  | 15
  | 16
  | 17
  | 18
  | 19
  | 20
  | 21
  | 22
  | 23
  | 52
  | 53
  | 54
  | 55
  | 56
  | 57
  | 58
  | 59
  | 60
  | 61
  | 62
  | 63;

/** Fields every rule carries. */
export interface RuleBase {
  /** Invert the match (type byte bit 0x80). Meaningless on actions but preserved. */
  not: boolean;
  /** Combine with the previous match by OR (type byte bit 0x40). */
  or: boolean;
  /**
   * The original value bytes when the typed fields cannot reproduce them exactly (unknown type,
   * unexpected length, …). When present, {@link encodeRule} writes these bytes verbatim.
   */
  raw?: Uint8Array;
}

/** A decoded rule: a discriminated union on `type` (§8.8 value encodings). */
export type Rule = RuleBase &
  (
    | { type: 0 | 1 | 5 | 6 }
    | {
        /** TEE, WATCH, REDIRECT. */
        type: 2 | 3 | 4;
        /** Target ZeroTier address (the wire field is a u64; 40 bits are meaningful). */
        address: number;
        flags: number;
        /** Bytes of the frame to copy (0 = all). */
        length: number;
      }
    | { type: 24 | 25; address: number }
    | { type: 26; vlanId: number }
    | { type: 27; vlanPcp: number }
    | { type: 28; vlanDei: number }
    | {
        type: 29 | 30;
        /** 48-bit MAC as a number. */
        mac: number;
      }
    | { type: 31 | 32; ip: Uint8Array; prefixBits: number }
    | { type: 33 | 34; ip: Uint8Array; prefixBits: number }
    | { type: 35; mask: number; start: number; end: number }
    | { type: 36; ipProtocol: number }
    | { type: 37; etherType: number }
    | { type: 38; icmpType: number; icmpCode: number; icmpFlags: number }
    | { type: 39 | 40 | 42; start: number; end: number }
    | { type: 41; mask: bigint }
    | { type: 43; probability: number }
    | { type: 44 | 45 | 46 | 47 | 48 | 49 | 50; tagId: number; tagValue: number }
    | {
        type: 51;
        start: bigint;
        end: bigint;
        /** Byte index into the frame. */
        index: number;
        /** `(format & 63) + 1` bits; `format & 0x80` = little-endian. */
        format: number;
      }
    | { type: UnknownRuleType }
  );

/** Canonical value length for each known type (§8.8 `len` column); undefined for unknown types. */
const VALUE_LEN: (number | undefined)[] = (() => {
  const t: (number | undefined)[] = new Array(64).fill(undefined);
  for (const x of [0, 1, 5, 6]) t[x] = 0;
  for (const x of [2, 3, 4]) t[x] = 14;
  t[24] = t[25] = 5;
  t[26] = 2;
  t[27] = t[28] = 1;
  t[29] = t[30] = 6;
  t[31] = t[32] = 5;
  t[33] = t[34] = 17;
  t[35] = 3;
  t[36] = 1;
  t[37] = 2;
  t[38] = 3;
  t[39] = t[40] = t[42] = 4;
  t[41] = 8;
  t[43] = 4;
  for (let x = 44; x <= 50; x++) t[x] = 8;
  t[51] = 19;
  return t;
})();

/** Writes the typed value of `rule` (ignoring `raw`). */
function writeValue(w: Writer, rule: Rule): void {
  switch (rule.type) {
    case 2:
    case 3:
    case 4:
      w.u64(BigInt(rule.address)).u32(rule.flags).u16(rule.length);
      break;
    case 24:
    case 25:
      w.u40(rule.address);
      break;
    case 26:
      w.u16(rule.vlanId);
      break;
    case 27:
      w.u8(rule.vlanPcp);
      break;
    case 28:
      w.u8(rule.vlanDei);
      break;
    case 29:
    case 30:
      w.u16(Math.floor(rule.mac / 0x100000000) & 0xffff).u32(rule.mac >>> 0);
      break;
    case 31:
    case 32:
    case 33:
    case 34:
      w.bytes(fixed(rule.ip, ipLen(rule.type))).u8(rule.prefixBits);
      break;
    case 35:
      w.u8(rule.mask).u8(rule.start).u8(rule.end);
      break;
    case 36:
      w.u8(rule.ipProtocol);
      break;
    case 37:
      w.u16(rule.etherType);
      break;
    case 38:
      w.u8(rule.icmpType).u8(rule.icmpCode).u8(rule.icmpFlags);
      break;
    case 39:
    case 40:
    case 42:
      w.u16(rule.start).u16(rule.end);
      break;
    case 41:
      w.u64(rule.mask);
      break;
    case 43:
      w.u32(rule.probability);
      break;
    case 44:
    case 45:
    case 46:
    case 47:
    case 48:
    case 49:
    case 50:
      w.u32(rule.tagId).u32(rule.tagValue);
      break;
    case 51:
      w.u64(rule.start).u64(rule.end).u16(rule.index).u8(rule.format);
      break;
    default:
      break; // actions without value, and unknown types (which always carry `raw`)
  }
}

/** Address bytes of MATCH_IPV4_SOURCE/DEST (31, 32: 4) and MATCH_IPV6_SOURCE/DEST (33, 34: 16). */
function ipLen(type: number): 4 | 16 {
  return type <= 32 ? 4 : 16;
}

/** An address field of exactly `n` bytes (shorter input is zero padded, longer truncated). */
function fixed(b: Uint8Array, n: number): Uint8Array {
  if (b.length === n) return b;
  const out = new Uint8Array(n);
  out.set(b.subarray(0, n));
  return out;
}

/**
 * Reads the typed fields of rule type `type` from `r`, which holds the value (reads past its end
 * give zeros). Object literals name `not`/`or` first so every rule of a type shares one shape.
 */
function readValue(type: number, not: boolean, or: boolean, r: Reader, v: Uint8Array): Rule {
  switch (type) {
    case 0:
    case 1:
    case 5:
    case 6:
      return { not, or, type };
    case 2:
    case 3:
    case 4:
      return { not, or, type, address: Number(r.u64() & 0xffffffffffn), flags: r.u32(), length: r.u16() };
    case 24:
    case 25:
      return { not, or, type, address: r.u40() };
    case 26:
      return { not, or, type, vlanId: r.u16() };
    case 27:
      return { not, or, type, vlanPcp: r.u8() };
    case 28:
      return { not, or, type, vlanDei: r.u8() };
    case 29:
    case 30: {
      const hi = r.u16();
      return { not, or, type, mac: hi * 0x100000000 + r.u32() };
    }
    case 31:
    case 32:
    case 33:
    case 34: {
      const n = ipLen(type);
      return { not, or, type, ip: fixed(r.bytes(Math.min(n, r.remaining)).slice(), n), prefixBits: r.u8() };
    }
    case 35:
      return { not, or, type, mask: r.u8(), start: r.u8(), end: r.u8() };
    case 36:
      return { not, or, type, ipProtocol: r.u8() };
    case 37:
      return { not, or, type, etherType: r.u16() };
    case 38:
      return { not, or, type, icmpType: r.u8(), icmpCode: r.u8(), icmpFlags: r.u8() };
    case 39:
    case 40:
    case 42:
      return { not, or, type, start: r.u16(), end: r.u16() };
    case 41:
      return { not, or, type, mask: r.u64() };
    case 43:
      return { not, or, type, probability: r.u32() };
    case 44:
    case 45:
    case 46:
    case 47:
    case 48:
    case 49:
    case 50:
      return { not, or, type, tagId: r.u32(), tagValue: r.u32() };
    case 51:
      return { not, or, type, start: r.u64(), end: r.u64(), index: r.u16(), format: r.u8() };
    default:
      return { not, or, type: type as UnknownRuleType, raw: v.slice() };
  }
}

/**
 * Reads one rule at the reader's position. On a truncated rule the reader's `overrun` is set and
 * the returned rule is meaningless (callers check `r.overrun`).
 */
export function readRule(r: Reader): Rule {
  const t = r.u8();
  const len = r.u8();
  const type = t & RULE_TYPE_MASK;
  const not = (t & RULE_FLAG_NOT) !== 0;
  const or = (t & RULE_FLAG_OR) !== 0;
  const start = r.pos;
  if (len === VALUE_LEN[type] && r.remaining >= len) {
    // Fast path: canonical length, fields read straight from the packet. Typed fields reproduce
    // every value bit except the top 24 bits of a TEE/WATCH/REDIRECT u64 address.
    const b = r.buf;
    const rule = readValue(type, not, or, r, b);
    r.pos = start + len;
    if (type >= 2 && type <= 4 && (b[start] | b[start + 1] | b[start + 2]) !== 0)
      rule.raw = b.slice(start, start + len);
    return rule;
  }
  const v = r.bytes(len);
  const rule = readValue(type, not, or, new Reader(v), v);
  if (rule.raw === undefined) rule.raw = v.slice();
  return rule;
}

/** Appends one rule (`t || len || value`). Throws RangeError on a raw value longer than 255 bytes (API misuse). */
export function writeRule(w: Writer, rule: Rule): void {
  const t = (rule.type & RULE_TYPE_MASK) | (rule.not ? RULE_FLAG_NOT : 0) | (rule.or ? RULE_FLAG_OR : 0);
  if (rule.raw !== undefined) {
    if (rule.raw.length > 255) throw new RangeError('writeRule: raw value longer than 255 bytes');
    w.u8(t).u8(rule.raw.length).bytes(rule.raw);
    return;
  }
  const at = w.length;
  w.u8(t).u8(0);
  writeValue(w, rule);
  // Typed values are at most 19 bytes; patch the length byte (as the low half of a u16 with t).
  w.patchU16(at, (t << 8) | (w.length - at - 2));
}

/** The encoded bytes of one rule. */
export function encodeRule(rule: Rule): Uint8Array {
  const w = new Writer(24);
  writeRule(w, rule);
  return w.finish();
}

/**
 * Reads `count` rules (the capability form, §8.4). If the input ends first the reader's
 * `overrun` is set (callers check it) and fewer rules may be returned.
 */
export function readRules(r: Reader, count: number): Rule[] {
  const out: Rule[] = [];
  for (let i = 0; i < count && !r.overrun; i++) out.push(readRule(r));
  return out;
}

/**
 * Decodes a rules blob (the netconf `R` value, §8.2): rules back to back until the end. As in
 * the reference, rules beyond `max` are ignored. Fails with `'truncated'` on a cut rule.
 */
export function decodeRules(blob: Uint8Array, max: number = MAX_NETWORK_RULES): Decoded<Rule[]> {
  const r = new Reader(blob);
  const out: Rule[] = [];
  while (r.remaining > 0 && out.length < max) {
    const rule = readRule(r);
    if (r.overrun) return fail('truncated');
    out.push(rule);
  }
  return ok(out);
}

/** Encodes rules back to back (the netconf `R` blob). */
export function encodeRules(rules: readonly Rule[]): Uint8Array {
  const w = new Writer(rules.length * 8 + 8);
  for (const rule of rules) writeRule(w, rule);
  return w.finish();
}
