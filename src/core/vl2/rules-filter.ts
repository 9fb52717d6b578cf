/**
 * Applying the rules to a frame (protocol.md §8.8, "Applying rules"; the reference's
 * `Network::filterOutgoingPacket` / `filterIncomingPacket`): base rules first, then — only when
 * they did not match — capabilities in id order (ours when sending, the sender's when receiving),
 * the first one that accepts wins. TEE/WATCH copies and REDIRECTs come back as EXT_FRAME orders
 * (§6.8) that the caller sends; nothing here does I/O or touches node state.
 * @module
 */

import {
  createRulesContext,
  evaluateRules,
  type RulesContext,
  type RulesFrameInput,
} from './rules-engine.ts';
import type { CapabilityLike, PeerCredentials, RulesConfig } from './rules-types.ts';

/**
 * EXT_FRAME flags of rule-generated frames (§6.8; the values 1.14 writes — the header comment's
 * bit naming is reversed relative to them, receivers ignore the subtype).
 */
export const ExtFrameFlag = {
  TEE_OUT: 0x02,
  REDIRECT_OUT: 0x04,
  WATCH_OUT: 0x16,
  TEE_IN: 0x08,
  REDIRECT_IN: 0x0a,
  WATCH_IN: 0x1c,
} as const;

/** One EXT_FRAME the caller must send because of a rule (copy or redirect). */
export interface ExtFrameOrder {
  /** Why: a TEE or WATCH copy, or the redirected frame itself. */
  kind: 'tee' | 'watch' | 'redirect';
  /** ZeroTier address to send it to. */
  to: number;
  /** EXT_FRAME flags byte ({@link ExtFrameFlag}; WATCH values include 0x10 "ACK requested"). */
  flags: number;
  /** Bytes of the Ethernet payload to carry (a prefix of the frame for a TEE/WATCH with a length). */
  length: number;
}

/** Outcome of filtering one frame. */
export interface FilterDecision {
  /**
   * 0 = drop, 1 = accept, 2 = super-accept (inbound only: bypass the MAC/bridging checks of
   * §6.8). A redirected frame is 0 (it goes to the new target instead, in `extFrames`).
   */
  accept: 0 | 1 | 2;
  /** EXT_FRAMEs to send, in the reference's order: a capability's copy, the base copy, the redirect. */
  extFrames: ExtFrameOrder[];
  /** Id of the capability that accepted, or null (base rules decided or nothing accepted). */
  capabilityId: number | null;
  /** Verdict of the base rules (for traces and counters). */
  baseVerdict: ReturnType<typeof evaluateRules>;
}

/** Options common to both directions. */
export interface FilterOptions {
  /** PRNG for MATCH_RANDOM: an unsigned 32-bit integer per call. Default: never matches below 0xffffffff. */
  random?: () => number;
  /** Suppress TEE/WATCH copies (the reference's `noTee`, used for the per-recipient multicast pass). */
  noTee?: boolean;
}

function copyOrder(ctx: RulesContext, inbound: boolean): ExtFrameOrder | null {
  if (ctx.ccTarget === 0) return null;
  const watch = ctx.ccWatch;
  return {
    kind: watch ? 'watch' : 'tee',
    to: ctx.ccTarget,
    flags: inbound
      ? watch
        ? ExtFrameFlag.WATCH_IN
        : ExtFrameFlag.TEE_IN
      : watch
        ? ExtFrameFlag.WATCH_OUT
        : ExtFrameFlag.TEE_OUT,
    length: ctx.ccLength,
  };
}

function resetCopy(ctx: RulesContext, ztDest: number): void {
  ctx.ztDest = ztDest;
  ctx.ccTarget = 0;
  ctx.ccLength = 0;
  ctx.ccWatch = false;
}

/**
 * Runs `caps` in order after the base rules found no match. Returns the accepting capability
 * (its copy order already pushed to `out`) and the accept value, or null.
 */
function runCapabilities(
  caps: readonly CapabilityLike[],
  ctx: RulesContext,
  ztDest: number,
  inbound: boolean,
  noTee: boolean,
  out: ExtFrameOrder[],
): { id: number; accept: 1 | 2; ztDest: number } | null {
  // Save the base list's copy: capabilities must not overwrite it.
  const baseCc = ctx.ccTarget;
  const baseLen = ctx.ccLength;
  const baseWatch = ctx.ccWatch;
  let found: { id: number; accept: 1 | 2; ztDest: number } | null = null;
  for (const cap of caps) {
    resetCopy(ctx, ztDest);
    const v = evaluateRules(cap.rules, ctx);
    // A DROP inside a capability only ends that capability (§8.8). Outbound, SUPER_ACCEPT is
    // no different from ACCEPT; REDIRECT accepts with the new destination.
    if (v === 'NO_MATCH' || v === 'DROP') continue;
    found = { id: cap.id, accept: inbound && v === 'SUPER_ACCEPT' ? 2 : 1, ztDest: ctx.ztDest };
    if (!noTee) {
      const c = copyOrder(ctx, inbound);
      if (c) out.push(c);
    }
    break;
  }
  ctx.ccTarget = baseCc;
  ctx.ccLength = baseLen;
  ctx.ccWatch = baseWatch;
  return found;
}

function finish(
  ctx: RulesContext,
  accept: 0 | 1 | 2,
  finalDest: number,
  ztDest: number,
  inbound: boolean,
  noTee: boolean,
  out: ExtFrameOrder[],
  capabilityId: number | null,
  baseVerdict: FilterDecision['baseVerdict'],
): FilterDecision {
  if (accept !== 0) {
    if (!noTee) {
      const c = copyOrder(ctx, inbound);
      if (c) out.push(c);
    }
    if (finalDest !== ztDest && finalDest !== 0) {
      out.push({
        kind: 'redirect',
        to: finalDest,
        flags: inbound ? ExtFrameFlag.REDIRECT_IN : ExtFrameFlag.REDIRECT_OUT,
        length: ctx.frame.length,
      });
      accept = 0; // sent to the redirect target instead
    }
  }
  return { accept, extFrames: out, capabilityId, baseVerdict };
}

/**
 * Filters a frame WE send (`filterOutgoingPacket`, §8.8). `f.ztSource` is our address,
 * `f.ztDest` the receiver (0 for the first, recipient-less pass over a multicast), `peer` the
 * receiver's presented credentials (null if unknown / multicast pass). Our capabilities come from
 * `config.capabilities`. `accept` is 0 or 1.
 */
export function filterOutgoing(
  config: RulesConfig,
  peer: PeerCredentials | null,
  f: RulesFrameInput,
  opts: FilterOptions = {},
): FilterDecision {
  const ctx = createRulesContext(config, peer, false, f, opts.random);
  const noTee = opts.noTee === true;
  const out: ExtFrameOrder[] = [];
  const base = evaluateRules(config.rules, ctx);
  switch (base) {
    case 'DROP':
      return { accept: 0, extFrames: out, capabilityId: null, baseVerdict: base };
    case 'NO_MATCH': {
      const c = runCapabilities(config.capabilities, ctx, f.ztDest, false, noTee, out);
      if (c === null) return { accept: 0, extFrames: out, capabilityId: null, baseVerdict: base };
      return finish(ctx, 1, c.ztDest, f.ztDest, false, noTee, out, c.id, base);
    }
    default:
      return finish(ctx, 1, ctx.ztDest, f.ztDest, false, noTee, out, null, base);
  }
}

/**
 * Filters a frame we RECEIVED (`filterIncomingPacket`, §8.8). `f.ztSource` is the sender,
 * `f.ztDest` normally our address, `peer` the sender's presented credentials (its capabilities
 * are tried in id order when the base rules do not match). `accept`: 0 drop, 1 accept,
 * 2 super-accept.
 */
export function filterIncoming(
  config: RulesConfig,
  peer: PeerCredentials | null,
  f: RulesFrameInput,
  opts: FilterOptions = {},
): FilterDecision {
  const ctx = createRulesContext(config, peer, true, f, opts.random);
  const noTee = opts.noTee === true;
  const out: ExtFrameOrder[] = [];
  const base = evaluateRules(config.rules, ctx);
  switch (base) {
    case 'DROP':
      return { accept: 0, extFrames: out, capabilityId: null, baseVerdict: base };
    case 'NO_MATCH': {
      const c = runCapabilities(peer?.capabilities ?? [], ctx, f.ztDest, true, noTee, out);
      if (c === null) return { accept: 0, extFrames: out, capabilityId: null, baseVerdict: base };
      return finish(ctx, c.accept, c.ztDest, f.ztDest, true, noTee, out, c.id, base);
    }
    case 'SUPER_ACCEPT':
      return finish(ctx, 2, ctx.ztDest, f.ztDest, true, noTee, out, null, base);
    default:
      return finish(ctx, 1, ctx.ztDest, f.ztDest, true, noTee, out, null, base);
  }
}
