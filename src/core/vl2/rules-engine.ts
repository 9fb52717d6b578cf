/**
 * The VL2 rules engine: evaluation of ONE rule list (protocol.md §8.8, "Evaluation"), the network's
 * base rules or one capability's rules. How the lists are combined (base rules, then capabilities
 * in id order, copies and redirects as EXT_FRAME) is in `rules-filter.ts`.
 *
 * Pure: everything comes in through a {@link RulesContext} (frame bytes, MACs, ZeroTier addresses,
 * our config's tags/COOs, the other member's presented credentials, an injected PRNG); the only
 * outputs are the verdict and the context's `ztDest` / `cc*` fields. Never throws on any frame.
 *
 * Read first — the two-valued trick of the reference (§8.8): a match's result `m` is combined as
 * `m ^ NOT`, so a match that wants to force "true" or "false" *regardless of the NOT bit* returns
 * the pre-inverted `hardYes = NOT ^ 1` / `hardNo = NOT`. A "plain" result (0/1) is inverted by NOT.
 * Which results are hard and which plain is wire-visible behaviour (a NOT-ed port rule matches
 * a frame without ports, a NOT-ed IPv4 rule does not match ARP) and is kept exactly.
 * @module
 */

import type { Rule } from '../../protocol/rules.ts';
import { RULE_MAX_ACTION_TYPE, RuleType } from '../../protocol/rules.ts';
import {
  ETHERTYPE_IPV4,
  ETHERTYPE_IPV6,
  IPV4_MIN_HEADER,
  IPV6_HEADER,
  ipv4HeaderLength,
  ipv6Payload,
  ipv6PayloadPos,
  ipv6PayloadProto,
  V4,
  V6,
} from './frame-classify.ts';
import { characteristicsOf } from './rules-ownership.ts';
import type { PeerCredentials, RulesConfig } from './rules-types.ts';

export type { PeerCredentials, RulesConfig } from './rules-types.ts';

/** Result of evaluating one rule list (`DOZTFILTER_*` in the reference, §8.8). */
export type RulesVerdict = 'NO_MATCH' | 'DROP' | 'REDIRECT' | 'ACCEPT' | 'SUPER_ACCEPT';

/** Netconf flag 0x8: the result of an unsupported match (§8.2). */
const FLAG_RESULT_OF_UNSUPPORTED_MATCH = 0x8;

/**
 * Inputs and outputs of one evaluation. Build it with {@link createRulesContext}; the filter
 * functions reuse one context for the base rules and every capability (resetting `ztDest` and
 * the copy fields in between, as the reference does).
 */
export interface RulesContext {
  /** Network config the frame is filtered under (our config). */
  readonly config: RulesConfig;
  /** The other member's presented, currently valid credentials (sender inbound, receiver outbound); null if none. */
  readonly peer: PeerCredentials | null;
  /** True when filtering a received frame. */
  readonly inbound: boolean;
  /** ZeroTier address of the frame's sender. */
  readonly ztSource: number;
  /** ZeroTier address of the frame's receiver (0 = none: the multicast pass). REDIRECT rewrites it. */
  ztDest: number;
  /** Source MAC (48-bit number). */
  readonly macSource: number;
  /** Destination MAC (48-bit number). */
  readonly macDest: number;
  /** The ethertype. */
  readonly etherType: number;
  /** VLAN id (always 0 in 1.14: frames carry no 802.1Q tag inside ZeroTier). */
  readonly vlanId: number;
  /** The Ethernet payload (no header). */
  readonly frame: Uint8Array;
  /** PRNG for MATCH_RANDOM: an unsigned 32-bit integer per call (injected: sans-I/O). */
  readonly random: () => number;
  /** Output: target of the last TEE/WATCH whose set matched, 0 if none. */
  ccTarget: number;
  /** Output: bytes of the frame payload to copy to `ccTarget`. */
  ccLength: number;
  /** Output: the copy is a WATCH (sent with ACK request). */
  ccWatch: boolean;
  /** Evaluation state (§8.8): the next DROP is skipped (set by tag matches that failed open). */
  skipDrop: boolean;
  /** Evaluation state (§8.8): we are a TEE/WATCH/REDIRECT target of a non-matching set (inbound). */
  superAccept: boolean;
  /** Cache of the ownership bits of MATCH_CHARACTERISTICS (-1 = not computed yet). */
  ownership: number;
}

/** The per-frame fields of a {@link RulesContext}. */
export interface RulesFrameInput {
  ztSource: number;
  ztDest: number;
  macSource: number;
  macDest: number;
  etherType: number;
  frame: Uint8Array;
  vlanId?: number;
}

/** Builds a context for one frame. `random` defaults to a PRNG that always returns 0xffffffff (never matches p < max). */
export function createRulesContext(
  config: RulesConfig,
  peer: PeerCredentials | null,
  inbound: boolean,
  f: RulesFrameInput,
  random: () => number = alwaysMax,
): RulesContext {
  return {
    config,
    peer,
    inbound,
    ztSource: f.ztSource,
    ztDest: f.ztDest,
    macSource: f.macSource,
    macDest: f.macDest,
    etherType: f.etherType,
    vlanId: f.vlanId ?? 0,
    frame: f.frame,
    random,
    ccTarget: 0,
    ccLength: 0,
    ccWatch: false,
    skipDrop: false,
    superAccept: false,
    ownership: -1,
  };
}

function alwaysMax(): number {
  return 0xffffffff;
}

/**
 * Evaluates one rule list (§8.8 pseudo-code). Mutates `ctx.ztDest` on REDIRECT and the `cc*`
 * fields on TEE/WATCH; `skipDrop`/`superAccept` are reset at the start.
 */
export function evaluateRules(rules: readonly Rule[], ctx: RulesContext): RulesVerdict {
  const me = ctx.config.issuedTo;
  let setMatches = 1;
  ctx.skipDrop = false;
  ctx.superAccept = false;
  for (let i = 0; i < rules.length; i++) {
    const rule = rules[i];
    const rt = rule.type;
    if (rt <= RULE_MAX_ACTION_TYPE) {
      if (setMatches) {
        switch (rt) {
          case RuleType.ACTION_PRIORITY:
            // The QoS bucket is not serialized (§8.8), so PRIORITY is an ACCEPT into bucket 0.
            return 'ACCEPT';
          case RuleType.ACTION_DROP:
            if (ctx.skipDrop) {
              ctx.skipDrop = false;
              continue;
            }
            return 'DROP';
          case RuleType.ACTION_ACCEPT:
            return ctx.superAccept ? 'SUPER_ACCEPT' : 'ACCEPT';
          case RuleType.ACTION_TEE:
          case RuleType.ACTION_WATCH:
          case RuleType.ACTION_REDIRECT: {
            const target = (rule as { address: number }).address;
            if (target === ctx.ztSource) {
              // no-op: the source already has the frame
            } else if (target === me) {
              if (ctx.inbound) return 'SUPER_ACCEPT';
            } else if (target === ctx.ztDest) {
              // no-op: the destination gets it anyway
            } else if (rt === RuleType.ACTION_REDIRECT) {
              ctx.ztDest = target;
              return 'REDIRECT';
            } else {
              const len = (rule as { length: number }).length;
              const frameLen = ctx.frame.length;
              ctx.ccTarget = target;
              ctx.ccLength = len !== 0 ? Math.min(len, frameLen) : frameLen;
              ctx.ccWatch = rt === RuleType.ACTION_WATCH;
            }
            continue;
          }
          case RuleType.ACTION_BREAK:
            return 'NO_MATCH';
          default:
            continue; // unknown actions 7..15: no-op
        }
      }
      // A set that did not match: if we are its TEE/WATCH/REDIRECT target on a received frame,
      // whatever accepts later super-accepts (the frame was forwarded to us on purpose).
      if (
        ctx.inbound &&
        (rt === RuleType.ACTION_TEE || rt === RuleType.ACTION_WATCH || rt === RuleType.ACTION_REDIRECT) &&
        (rule as { address: number }).address === me
      )
        ctx.superAccept = true;
      setMatches = 1;
      continue;
    }
    // A match: AND short-circuits once the set failed; OR still evaluates.
    if (!setMatches && !rule.or) continue;
    const not = rule.not ? 1 : 0;
    const m = matchRule(rule, ctx, not);
    if (rule.or) setMatches |= m ^ not;
    else setMatches &= m ^ not;
  }
  return 'NO_MATCH';
}

/** Evaluates one match rule; returns 0/1 where hard results are pre-inverted by `not` (module comment). */
export function matchRule(rule: Rule, ctx: RulesContext, not: number): number {
  const hardYes = not ^ 1;
  const hardNo = not;
  const f = ctx.frame;
  const len = f.length;
  const et = ctx.etherType;
  switch (rule.type) {
    case 24:
      return b(ctx.ztSource === rule.address);
    case 25:
      return b(ctx.ztDest === rule.address);
    case 26:
      return b(ctx.vlanId === rule.vlanId);
    case 27:
      return b(rule.vlanPcp === 0); // unsupported: frames have no PCP, i.e. 0 (§8.8)
    case 28:
      return b(rule.vlanDei === 0); // unsupported: DEI always 0
    case 29:
      return b(ctx.macSource === rule.mac);
    case 30:
      return b(ctx.macDest === rule.mac);
    case 31:
    case 32:
      if (et === ETHERTYPE_IPV4 && len >= IPV4_MIN_HEADER)
        return b(prefixContains(rule.ip, rule.prefixBits, 4, f, rule.type === 31 ? V4.SRC : V4.DST));
      return hardNo;
    case 33:
    case 34:
      if (et === ETHERTYPE_IPV6 && len >= IPV6_HEADER)
        return b(prefixContains(rule.ip, rule.prefixBits, 16, f, rule.type === 33 ? V6.SRC : V6.DST));
      return hardNo;
    case 35: {
      let tos: number;
      if (et === ETHERTYPE_IPV4 && len >= IPV4_MIN_HEADER) tos = f[V4.TOS];
      else if (et === ETHERTYPE_IPV6 && len >= IPV6_HEADER) tos = ((f[0] << 4) & 0xf0) | ((f[1] >> 4) & 0x0f);
      else return hardNo;
      const t = tos & rule.mask;
      return b(t >= rule.start && t <= rule.end);
    }
    case 36:
      if (et === ETHERTYPE_IPV4 && len >= IPV4_MIN_HEADER) return b(f[V4.PROTOCOL] === rule.ipProtocol);
      if (et === ETHERTYPE_IPV6 && len >= IPV6_HEADER) {
        const p = ipv6Payload(f);
        return p < 0 ? hardNo : b(ipv6PayloadProto(p) === rule.ipProtocol);
      }
      return hardNo;
    case 37:
      return b(et === rule.etherType);
    case 38:
      return matchIcmp(rule, f, et, hardYes, hardNo);
    case 39:
    case 40:
      return matchPort(rule.type === 40, rule.start, rule.end, f, et, hardNo);
    case 41:
      return b((characteristicsOf(ctx) & rule.mask) !== 0n);
    case 42:
      return b(len >= rule.start && len <= rule.end);
    case 43:
      return b(ctx.random() >>> 0 <= rule.probability >>> 0);
    case 44:
    case 45:
    case 46:
    case 47:
    case 48:
      return matchTags(rule.type, rule.tagId, rule.tagValue >>> 0, ctx, hardYes, hardNo);
    case 49:
    case 50:
      return matchTagSenderReceiver(rule.type === 49, rule.tagId, rule.tagValue >>> 0, ctx, hardYes, hardNo);
    case 51:
      return matchIntegerRange(rule.start, rule.end, rule.index, rule.format, f);
    default:
      // Unknown match types (16–23, 52–63): netconf flag 0x8 decides, as a plain result (§8.8).
      return b((ctx.config.flags & FLAG_RESULT_OF_UNSUPPORTED_MATCH) !== 0);
  }
}

function b(x: boolean): number {
  return x ? 1 : 0;
}

/**
 * True if `frame[off..off+n)` is inside `ip/bits`. `bits` 0 contains everything; bits beyond the
 * address width are clamped (the reference's shift would be undefined there).
 */
export function prefixContains(
  ip: Uint8Array,
  bits: number,
  n: number,
  frame: Uint8Array,
  off: number,
): boolean {
  let rem = Math.min(bits, n * 8);
  let i = 0;
  while (rem >= 8) {
    if (ip[i] !== frame[off + i]) return false;
    i++;
    rem -= 8;
  }
  if (rem === 0) return true;
  const mask = (0xff << (8 - rem)) & 0xff;
  return (ip[i] & mask) === (frame[off + i] & mask);
}

/** MATCH_ICMP (§8.8): wrong family/protocol or type → hardNo; type match → code compare (flag 1) or hardYes. */
function matchIcmp(
  rule: { icmpType: number; icmpCode: number; icmpFlags: number },
  f: Uint8Array,
  et: number,
  hardYes: number,
  hardNo: number,
): number {
  let pos: number;
  if (et === ETHERTYPE_IPV4 && f.length >= IPV4_MIN_HEADER) {
    if (f[V4.PROTOCOL] !== 1) return hardNo;
    pos = ipv4HeaderLength(f);
  } else if (et === ETHERTYPE_IPV6 && f.length >= IPV6_HEADER) {
    const p = ipv6Payload(f);
    if (p < 0 || ipv6PayloadProto(p) !== 58) return hardNo;
    pos = ipv6PayloadPos(p);
  } else return hardNo;
  if (f.length < pos + 2) return hardNo;
  if (f[pos] !== rule.icmpType) return hardNo;
  if ((rule.icmpFlags & 0x01) !== 0) return b(f[pos + 1] === rule.icmpCode);
  return hardYes;
}

/** True for the protocols the reference reads ports of: TCP, UDP, SCTP, UDP-Lite (§8.8). */
function hasPorts(proto: number): boolean {
  return proto === 6 || proto === 17 || proto === 132 || proto === 136;
}

/**
 * MATCH_IP_SOURCE/DEST_PORT_RANGE (§8.8). Non-IP → hardNo; an IP frame without a port (other
 * protocol, too short) → plain 0, so a NOT-ed port rule matches it. IPv4 accepts port 0
 * (`p ≥ 0`), IPv6 does not (`p > 0`) — a reference quirk kept for compatibility.
 */
function matchPort(
  dest: boolean,
  start: number,
  end: number,
  f: Uint8Array,
  et: number,
  hardNo: number,
): number {
  const len = f.length;
  if (et === ETHERTYPE_IPV4 && len >= IPV4_MIN_HEADER) {
    const off = ipv4HeaderLength(f) + (dest ? 2 : 0);
    if (!hasPorts(f[V4.PROTOCOL]) || off + 2 > len) return 0;
    const p = (f[off] << 8) | f[off + 1];
    return b(p >= start && p <= end);
  }
  if (et === ETHERTYPE_IPV6) {
    const pp = ipv6Payload(f);
    if (pp < 0) return hardNo;
    const off = ipv6PayloadPos(pp) + (dest ? 2 : 0);
    if (!hasPorts(ipv6PayloadProto(pp)) || off + 2 > len) return 0;
    const p = (f[off] << 8) | f[off + 1];
    return p > 0 ? b(p >= start && p <= end) : 0;
  }
  return hardNo;
}

/** A tag's value by id in a list (our config's tags are sorted, presented ones need not be). */
function tagValue(tags: ReadonlyArray<{ id: number; value: number }> | undefined, id: number): number {
  if (tags === undefined) return -1;
  for (let i = 0; i < tags.length; i++) if (tags[i].id === id) return tags[i].value >>> 0;
  return -1;
}

/**
 * MATCH_TAGS_* (§8.8): our tag missing → hardNo. The other member's tag missing → hardNo when
 * receiving (unless super-accepting), else fail open: hardYes and skip the next DROP.
 */
function matchTags(
  type: number,
  id: number,
  v: number,
  ctx: RulesContext,
  hardYes: number,
  hardNo: number,
): number {
  const l = tagValue(ctx.config.tags, id);
  if (l < 0) return hardNo;
  const r = tagValue(ctx.peer?.tags, id);
  if (r < 0) {
    if (ctx.inbound && !ctx.superAccept) return hardNo;
    ctx.skipDrop = true;
    return hardYes;
  }
  switch (type) {
    case 44:
      return b((l > r ? l - r : r - l) <= v);
    case 45:
      return b((l & r) >>> 0 === v);
    case 46:
      return b((l | r) >>> 0 === v);
    case 47:
      return b((l ^ r) >>> 0 === v);
    default:
      return b(l === v && r === v);
  }
}

/**
 * MATCH_TAG_SENDER / MATCH_TAG_RECEIVER (§8.8): the tag of the frame's sender or receiver, which
 * is the other member's presented tag (sender inbound, receiver outbound) or ours otherwise.
 */
function matchTagSenderReceiver(
  sender: boolean,
  id: number,
  v: number,
  ctx: RulesContext,
  hardYes: number,
  hardNo: number,
): number {
  if (ctx.superAccept) {
    ctx.skipDrop = true;
    return hardYes;
  }
  if (sender === ctx.inbound) {
    const r = tagValue(ctx.peer?.tags, id);
    if (r >= 0) return b(r === v);
    if (!sender) {
      // receiver, outbound, receiver's tag unknown: fail open
      ctx.skipDrop = true;
      return hardYes;
    }
    return hardNo;
  }
  const l = tagValue(ctx.config.tags, id);
  return l < 0 ? hardNo : b(l === v);
}

const U64 = 0xffffffffffffffffn;

/**
 * MATCH_INTEGER_RANGE (§8.8). `bits = (format & 63) + 1`, `bytes = ceil(bits / 8)`.
 * Big-endian reads `bytes` bytes at `index + (8 − bytes)` (the reference's offset quirk) and keeps
 * the low `bits`. Little-endian reads `bytes` bytes at `index` into the TOP of a u64 and shifts
 * right by `64 − bits` (for widths that are not whole bytes this keeps the *high* bits of the
 * little-endian value — reference behaviour). A read past the frame gives 0.
 *
 * The range: the wire carries absolute `start`/`end`, but 1.14 keeps `end − start` in a u32 and
 * compares `start ≤ x ≤ start + width` (u64 wrap-around), so widths ≥ 2^32 wrap.
 */
export function matchIntegerRange(
  start: bigint,
  end: bigint,
  index: number,
  format: number,
  f: Uint8Array,
): number {
  const bits = (format & 63) + 1;
  const bytes = (bits + 7) >> 3;
  let x = 0n;
  if ((format & 0x80) === 0) {
    let idx = index + (8 - bytes);
    const eof = idx + bytes;
    if (eof <= f.length) while (idx < eof) x = (x << 8n) | BigInt(f[idx++]);
    x &= U64 >> BigInt(64 - bits);
  } else {
    let idx = index;
    const eof = idx + bytes;
    if (eof <= f.length) while (idx < eof) x = (x >> 8n) | (BigInt(f[idx++]) << 56n);
    x >>= BigInt(64 - bits);
  }
  const width = (end - start) & U64 & 0xffffffffn;
  const hi = (start + width) & U64;
  return b(x >= start && x <= hi);
}
