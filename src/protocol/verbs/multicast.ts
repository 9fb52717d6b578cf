/**
 * Multicast verbs (protocol.md §6.10, §6.14, §6.15, §6.4): MULTICAST_LIKE (0x09),
 * MULTICAST_GATHER (0x0d) and its OK, MULTICAST_FRAME (0x0e) and its OK.
 * @module
 */

import { type Decoded, fail, ok, Reader, type Writer } from '../../util/result.ts';
import {
  decodeMulticastGroup,
  encodeMulticastGroup,
  MULTICAST_GROUP_LEN,
  type MulticastGroup,
  macFromBytes,
  macToBytes,
} from '../address.ts';
import { CertificateOfMembership } from '../credentials/com.ts';

/** Size of one MULTICAST_LIKE tuple: nwid u64 + MAC[6] + ADI u32. */
export const MULTICAST_LIKE_ENTRY_LENGTH = 8 + MULTICAST_GROUP_LEN;

/** One subscription announced by MULTICAST_LIKE. */
export interface MulticastSubscription {
  readonly nwid: bigint;
  readonly group: MulticastGroup;
}

/** MULTICAST_LIKE payload. */
export interface MulticastLike {
  readonly subscriptions: readonly MulticastSubscription[];
}

/** Writes a MULTICAST_LIKE payload (callers split at ≈ 10 KB per packet, §6.10). */
export function encodeMulticastLike(w: Writer, v: MulticastLike): void {
  for (const s of v.subscriptions) {
    w.u64(s.nwid);
    encodeMulticastGroup(w, s.group);
  }
}

/**
 * Splits subscriptions into MULTICAST_LIKE payloads of at most `maxPayload` bytes
 * (default: what fits in a 10024-byte packet after the 28-byte header), as senders
 * split at ≈ 10 KB (§6.10).
 */
export function splitMulticastLike(
  subscriptions: readonly MulticastSubscription[],
  maxPayload = 10024 - 28,
): MulticastLike[] {
  const per = Math.floor(maxPayload / MULTICAST_LIKE_ENTRY_LENGTH);
  if (per < 1) throw new RangeError('splitMulticastLike: maxPayload below one entry');
  const out: MulticastLike[] = [];
  for (let i = 0; i < subscriptions.length; i += per)
    out.push({ subscriptions: subscriptions.slice(i, i + per) });
  return out;
}

/** Decodes a MULTICAST_LIKE payload. Reasons: `like-empty`, `like-bad-length`. */
export function decodeMulticastLike(payload: Uint8Array): Decoded<MulticastLike> {
  if (payload.length === 0) return fail('like-empty');
  if (payload.length % MULTICAST_LIKE_ENTRY_LENGTH !== 0) return fail('like-bad-length');
  const r = new Reader(payload);
  const subscriptions: MulticastSubscription[] = [];
  while (r.remaining > 0) {
    const nwid = r.u64();
    const g = decodeMulticastGroup(r);
    if (!g.ok) return fail(g.reason);
    subscriptions.push({ nwid, group: g.value });
  }
  return ok({ subscriptions });
}

/** MULTICAST_GATHER flag: COM attached. */
export const GATHER_FLAG_COM = 0x01;

/** MULTICAST_GATHER payload. */
export interface MulticastGather {
  readonly nwid: bigint;
  /** Flags as sent; 0x01 is implied by `com` when encoding. */
  readonly flags: number;
  readonly group: MulticastGroup;
  /** Requested maximum number of members. */
  readonly limit: number;
  readonly com?: CertificateOfMembership;
}

/** Writes a MULTICAST_GATHER payload. */
export function encodeMulticastGather(w: Writer, v: MulticastGather): void {
  w.u64(v.nwid).u8((v.flags & ~GATHER_FLAG_COM) | (v.com ? GATHER_FLAG_COM : 0));
  encodeMulticastGroup(w, v.group);
  w.u32(v.limit);
  if (v.com) v.com.encode(w);
}

/** Decodes a MULTICAST_GATHER payload. Reasons: `gather-truncated`, `gather-com-<reason>`. */
export function decodeMulticastGather(payload: Uint8Array): Decoded<MulticastGather> {
  const r = new Reader(payload);
  const nwid = r.u64();
  const flags = r.u8();
  const g = decodeMulticastGroup(r);
  const limit = r.u32();
  if (r.overrun || !g.ok) return fail('gather-truncated');
  if (!(flags & GATHER_FLAG_COM)) return ok({ nwid, flags, group: g.value, limit });
  const c = CertificateOfMembership.decode(r);
  if (!c.ok) return fail(`gather-com-${c.reason}`);
  return ok({ nwid, flags, group: g.value, limit, com: c.value });
}

/** Gather results: `totalKnown u32, count u16, count × address[5]` (shared by both OKs). */
export interface GatherResults {
  /** All members the responder knows (+1 if itself), may exceed `members.length`. */
  readonly totalKnown: number;
  readonly members: readonly number[];
}

function encodeGatherResults(w: Writer, v: GatherResults): void {
  if (v.members.length > 0xffff) throw new RangeError('gather results: too many members');
  w.u32(v.totalKnown).u16(v.members.length);
  for (const a of v.members) w.u40(a);
}

function readGatherResults(r: Reader): Decoded<GatherResults> {
  const totalKnown = r.u32();
  const n = r.u16();
  if (r.overrun || r.remaining < n * 5) return fail('gather-results-truncated');
  const members: number[] = [];
  for (let i = 0; i < n; i++) members.push(r.u40());
  return ok({ totalKnown, members });
}

/** OK(MULTICAST_GATHER) body. */
export interface OkMulticastGather extends GatherResults {
  readonly nwid: bigint;
  readonly group: MulticastGroup;
}

/** Writes an OK(MULTICAST_GATHER) body. */
export function encodeOkMulticastGather(w: Writer, v: OkMulticastGather): void {
  w.u64(v.nwid);
  encodeMulticastGroup(w, v.group);
  encodeGatherResults(w, v);
}

/** Reads an OK(MULTICAST_GATHER) body. Reasons: `okgather-truncated`, `gather-results-truncated`. */
export function readOkMulticastGather(r: Reader): Decoded<OkMulticastGather> {
  const nwid = r.u64();
  const g = decodeMulticastGroup(r);
  if (r.overrun || !g.ok) return fail('okgather-truncated');
  const res = readGatherResults(r);
  if (!res.ok) return res;
  return ok({ nwid, group: g.value, ...res.value });
}

/** MULTICAST_FRAME flags (§6.15). */
export const MulticastFrameFlag = {
  COM: 0x01,
  GATHER_LIMIT: 0x02,
  SOURCE_MAC: 0x04,
  REPLICATE: 0x08,
} as const;

/** MULTICAST_FRAME payload. Flag bits 0x01/0x02/0x04 are implied by the optional fields when encoding. */
export interface MulticastFrame {
  readonly nwid: bigint;
  readonly flags: number;
  readonly com?: CertificateOfMembership;
  /** Implicit gather limit (flag 0x02). */
  readonly gatherLimit?: number;
  /** Source MAC if not MAC(sender, nwid) (flag 0x04). */
  readonly srcMac?: number;
  readonly group: MulticastGroup;
  readonly etherType: number;
  /** View into the packet when decoded. */
  readonly data: Uint8Array;
}

function multicastFrameFlags(v: MulticastFrame): number {
  const F = MulticastFrameFlag;
  return (
    (v.flags & ~(F.COM | F.GATHER_LIMIT | F.SOURCE_MAC)) |
    (v.com ? F.COM : 0) |
    (v.gatherLimit !== undefined ? F.GATHER_LIMIT : 0) |
    (v.srcMac !== undefined ? F.SOURCE_MAC : 0)
  );
}

/** Writes a MULTICAST_FRAME payload. */
export function encodeMulticastFrame(w: Writer, v: MulticastFrame): void {
  w.u64(v.nwid).u8(multicastFrameFlags(v));
  if (v.com) v.com.encode(w);
  if (v.gatherLimit !== undefined) w.u32(v.gatherLimit);
  if (v.srcMac !== undefined) w.bytes(macToBytes(v.srcMac));
  encodeMulticastGroup(w, v.group);
  w.u16(v.etherType).bytes(v.data);
}

/** Decodes a MULTICAST_FRAME payload. Reasons: `mcframe-truncated`, `mcframe-com-<reason>`. */
export function decodeMulticastFrame(payload: Uint8Array): Decoded<MulticastFrame> {
  const F = MulticastFrameFlag;
  const r = new Reader(payload);
  const nwid = r.u64();
  const flags = r.u8();
  if (r.overrun) return fail('mcframe-truncated');
  let com: CertificateOfMembership | undefined;
  if (flags & F.COM) {
    const c = CertificateOfMembership.decode(r);
    if (!c.ok) return fail(`mcframe-com-${c.reason}`);
    com = c.value;
  }
  const gatherLimit = flags & F.GATHER_LIMIT ? r.u32() : undefined;
  const srcMac = flags & F.SOURCE_MAC ? macFromBytes(r.bytes(6)) : undefined;
  const g = decodeMulticastGroup(r);
  const etherType = r.u16();
  if (r.overrun || !g.ok) return fail('mcframe-truncated');
  return ok({
    nwid,
    flags,
    ...(com && { com }),
    ...(gatherLimit !== undefined && { gatherLimit }),
    ...(srcMac !== undefined && { srcMac }),
    group: g.value,
    etherType,
    data: payload.subarray(r.pos),
  });
}

/** OK(MULTICAST_FRAME) flags: 0x01 COM attached, 0x02 gather results follow. */
export const OK_MCFRAME_FLAG_COM = 0x01;
/** See {@link OK_MCFRAME_FLAG_COM}. */
export const OK_MCFRAME_FLAG_GATHER = 0x02;

/** OK(MULTICAST_FRAME) body. */
export interface OkMulticastFrame {
  readonly nwid: bigint;
  readonly group: MulticastGroup;
  /** Flags as sent; 0x01/0x02 are implied by `com`/`gather` when encoding. */
  readonly flags: number;
  readonly com?: CertificateOfMembership;
  readonly gather?: GatherResults;
}

/** Writes an OK(MULTICAST_FRAME) body. */
export function encodeOkMulticastFrame(w: Writer, v: OkMulticastFrame): void {
  w.u64(v.nwid);
  encodeMulticastGroup(w, v.group);
  const flags =
    (v.flags & ~(OK_MCFRAME_FLAG_COM | OK_MCFRAME_FLAG_GATHER)) |
    (v.com ? OK_MCFRAME_FLAG_COM : 0) |
    (v.gather ? OK_MCFRAME_FLAG_GATHER : 0);
  w.u8(flags);
  if (v.com) v.com.encode(w);
  if (v.gather) encodeGatherResults(w, v.gather);
}

/** Reads an OK(MULTICAST_FRAME) body. Reasons: `okmcframe-truncated`, `okmcframe-com-<reason>`, `gather-results-truncated`. */
export function readOkMulticastFrame(r: Reader): Decoded<OkMulticastFrame> {
  const nwid = r.u64();
  const g = decodeMulticastGroup(r);
  const flags = r.u8();
  if (r.overrun || !g.ok) return fail('okmcframe-truncated');
  let com: CertificateOfMembership | undefined;
  if (flags & OK_MCFRAME_FLAG_COM) {
    const c = CertificateOfMembership.decode(r);
    if (!c.ok) return fail(`okmcframe-com-${c.reason}`);
    com = c.value;
  }
  let gather: GatherResults | undefined;
  if (flags & OK_MCFRAME_FLAG_GATHER) {
    const res = readGatherResults(r);
    if (!res.ok) return res;
    gather = res.value;
  }
  return ok({ nwid, group: g.value, flags, ...(com && { com }), ...(gather && { gather }) });
}
