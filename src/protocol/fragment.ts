/**
 * ZeroTier packet fragmentation (protocol.md §3.3): splitting an armored packet
 * into a head datagram plus fragment datagrams, the fragment header view, and a
 * sans-I/O reassembler.
 *
 * Fragment datagram layout:
 * ```
 *  0  8  packet ID (copied from the armored head)
 *  8  5  destination address
 * 13  1  0xff fragment indicator
 * 14  1  totalFragments << 4 | fragmentNo   (fragmentNo ≥ 1)
 * 15  1  hops (low 3 bits)
 * 16  …  fragment data
 * ```
 * @module
 */

import { readU40, readU64 } from '../util/bytes.ts';
import { type Decoded, fail, ok } from '../util/result.ts';
import { FLAG_FRAGMENTED, PACKET_MAX_LENGTH, PACKET_MIN_LENGTH, PKT_FLAGS } from './packet.ts';

/** Offset of the packet ID (both heads and fragments). */
export const FRAG_PACKET_ID = 0;
/** Offset of the destination address. */
export const FRAG_DEST = 8;
/** Offset of the fragment indicator byte (source address byte 0 in a head). */
export const FRAG_INDICATOR = 13;
/** Offset of the `total << 4 | no` byte. */
export const FRAG_NUMBERS = 14;
/** Offset of the hop-count byte. */
export const FRAG_HOPS = 15;
/** Fragment header length; data starts here. */
export const FRAG_HEADER_LENGTH = 16;
/** Value of byte 13 that marks a fragment (addresses never start with 0xff, §1.1). */
export const FRAG_INDICATOR_VALUE = 0xff;
/** Receive limit on total fragments, head included (`ZT_MAX_PACKET_FRAGMENTS`). */
export const MAX_PACKET_FRAGMENTS = 7;
/** Largest assembled packet (`ZT_PROTO_MAX_PACKET_LENGTH`). */
export const MAX_PACKET_LENGTH = PACKET_MAX_LENGTH;
/** Shortest packet head: header + verb byte (`ZT_PROTO_MIN_PACKET_LENGTH`). */
export const MIN_PACKET_LENGTH = PACKET_MIN_LENGTH;
/** RX queue timeout (`ZT_RECEIVE_QUEUE_TIMEOUT`). */
export const FRAGMENT_TIMEOUT_MS = 5000;
/** RX slots in the reference (`ZT_RX_QUEUE_SIZE`). */
export const FRAGMENT_SLOTS = 32;
/** Default physical MTU (`ZT_DEFAULT_PHYSMTU`, §3.1). */
export const DEFAULT_PHYS_MTU = 1432;
/** Smallest configurable physical MTU (`ZT_MIN_PHYSMTU`, §3.1). */
export const MIN_PHYS_MTU = 1400;
/** Largest configurable physical MTU (`ZT_MAX_PHYSMTU` = 10100 + 224, §3.1). */
export const MAX_PHYS_MTU = 10324;

/** A parsed fragment datagram; `data` is a view into the datagram. */
export interface Fragment {
  readonly packetId: bigint;
  readonly destination: number;
  readonly total: number;
  readonly fragmentNo: number;
  readonly hops: number;
  readonly data: Uint8Array;
}

/** True iff `datagram` is a fragment (§3.3: `len > 16 && byte[13] == 0xff`). */
export function isFragment(datagram: Uint8Array): boolean {
  return datagram.length > FRAG_HEADER_LENGTH && datagram[FRAG_INDICATOR] === FRAG_INDICATOR_VALUE;
}

/**
 * Parses a fragment and applies the §3.3 acceptance rules: `1 < total ≤ 7`,
 * `1 ≤ fragmentNo < total`. Reasons: `frag-not-fragment`, `frag-bad-total`, `frag-bad-number`.
 */
export function decodeFragment(datagram: Uint8Array): Decoded<Fragment> {
  if (!isFragment(datagram)) return fail('frag-not-fragment');
  const nb = datagram[FRAG_NUMBERS];
  const total = nb >> 4;
  const fragmentNo = nb & 0x0f;
  if (total <= 1 || total > MAX_PACKET_FRAGMENTS) return fail('frag-bad-total');
  if (fragmentNo < 1 || fragmentNo >= total) return fail('frag-bad-number');
  return ok({
    packetId: readU64(datagram, FRAG_PACKET_ID),
    destination: readU40(datagram, FRAG_DEST),
    total,
    fragmentNo,
    hops: datagram[FRAG_HOPS] & 0x07,
    data: datagram.subarray(FRAG_HEADER_LENGTH),
  });
}

/** Number of datagrams `fragmentPacket` produces for a packet of `length` bytes. */
export function fragmentCount(length: number, mtu: number = DEFAULT_PHYS_MTU): number {
  if (length <= mtu) return 1;
  return 1 + Math.ceil((length - mtu) / (mtu - FRAG_HEADER_LENGTH));
}

/**
 * Largest packet a receiver can reassemble when sent at `mtu`: head + 6 fragments
 * (`ZT_MAX_PACKET_FRAGMENTS` = 7), capped at 10024. At the default MTU 1432 this is 9928:
 * bigger packets would be dropped by the receiver, so senders must keep below it.
 */
export function maxPacketLengthForMtu(mtu: number = DEFAULT_PHYS_MTU): number {
  return Math.min(MAX_PACKET_LENGTH, mtu + (MAX_PACKET_FRAGMENTS - 1) * (mtu - FRAG_HEADER_LENGTH));
}

/**
 * True if a packet of `length` bytes must be fragmented at `mtu`. The caller uses this
 * to set the fragmented flag (0x40, §3.2) **before** armoring: the flag is covered by
 * the MAC, so {@link fragmentPacket} cannot set it afterwards.
 */
export function needsFragmentation(length: number, mtu: number = DEFAULT_PHYS_MTU): boolean {
  return length > mtu;
}

function newBytes(n: number): Uint8Array {
  return new Uint8Array(n);
}

/**
 * Splits an already armored packet into datagrams per §3.3: the head is bytes
 * `[0, min(len, mtu))` (a view of the packet), the rest goes into fragments of at most
 * `mtu − 16` data bytes each, allocated with `alloc` (default `new Uint8Array`; the node passes
 * its slab allocator). Sets **no** flags: the caller must have set the 0x40 flag before
 * armoring (see {@link needsFragmentation}). Returns `[packet]` (same array) when it fits.
 * Throws `RangeError` if the packet would need more than 15 fragments (field width) or
 * the MTU is too small to carry a fragment header. Receivers drop packets of more than 7
 * datagrams: see {@link maxPacketLengthForMtu}.
 */
export function fragmentPacket(
  armoredPacket: Uint8Array,
  mtu: number = DEFAULT_PHYS_MTU,
  alloc: (n: number) => Uint8Array = newBytes,
): Uint8Array[] {
  if (!Number.isInteger(mtu) || mtu <= FRAG_HEADER_LENGTH || mtu < MIN_PACKET_LENGTH)
    throw new RangeError('fragmentPacket: mtu too small');
  if (armoredPacket.length < MIN_PACKET_LENGTH) throw new RangeError('fragmentPacket: not a packet');
  if (armoredPacket.length <= mtu) return [armoredPacket];
  const total = fragmentCount(armoredPacket.length, mtu);
  if (total > 15) throw new RangeError('fragmentPacket: packet needs more than 15 fragments');
  const out: Uint8Array[] = [armoredPacket.subarray(0, mtu)];
  const piece = mtu - FRAG_HEADER_LENGTH;
  let at = mtu;
  for (let no = 1; no < total; no++) {
    const n = Math.min(piece, armoredPacket.length - at);
    const f = alloc(FRAG_HEADER_LENGTH + n);
    for (let i = 0; i < FRAG_INDICATOR; i++) f[i] = armoredPacket[i]; // packet ID + destination
    f[FRAG_INDICATOR] = FRAG_INDICATOR_VALUE;
    f[FRAG_NUMBERS] = (total << 4) | no;
    f[FRAG_HOPS] = 0;
    f.set(armoredPacket.subarray(at, at + n), FRAG_HEADER_LENGTH);
    out.push(f);
    at += n;
  }
  return out;
}

/** Why the reassembler dropped a datagram (or a whole pending packet). */
export type ReassemblyDrop =
  | 'too-short'
  | 'bad-fragment'
  | 'duplicate'
  | 'inconsistent-total'
  | 'too-large'
  | 'timeout'
  | 'evicted';

/** Outcome of {@link Reassembler.receive}. */
export type ReassemblyResult =
  | { readonly kind: 'complete'; readonly packet: Uint8Array }
  | { readonly kind: 'pending' }
  | { readonly kind: 'dropped'; readonly reason: ReassemblyDrop };

interface Entry {
  /** Packet ID (the reassembly key, §3.3) as two 32-bit halves: no BigInt per datagram. */
  idHi: number;
  idLo: number;
  created: number;
  head: Uint8Array | null;
  /** Total fragments including the head; 0 until a fragment told us. */
  total: number;
  pieces: (Uint8Array | undefined)[];
  have: number;
  bytes: number;
}

/** Options of a {@link Reassembler}; defaults are the reference's values. */
export interface ReassemblerOptions {
  /** Concurrent packets being assembled (default 32). */
  slots?: number;
  /** Entry lifetime from its first piece, ms (default 5000). */
  timeoutMs?: number;
  /**
   * Keep references to the datagrams given instead of copying each piece (default false): for
   * callers that hand over ownership of every datagram (the node: node:dgram gives each message
   * its own Buffer). Saves one allocation and copy per piece; the assembled packet is still new.
   */
  retainDatagrams?: boolean;
  /** Allocator for assembled packets (default `new Uint8Array`). */
  alloc?: (n: number) => Uint8Array;
}

const PENDING: ReassemblyResult = { kind: 'pending' };

function readU32(b: Uint8Array, o: number): number {
  return ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
}

/**
 * Sans-I/O fragment reassembly (§3.3). Feed every received datagram with the current
 * time; it returns a complete packet (a new array for assembled packets, the datagram itself
 * for unfragmented heads), `pending`, or `dropped` with a reason that is also counted in
 * {@link Reassembler.drops}. Fragments may arrive before or after their head.
 *
 * Memory is bounded: at most `slots` packets of at most 10024 bytes each; when all slots
 * are busy the oldest entry is evicted (counted as `evicted`). Expired entries are
 * removed on every call and by {@link Reassembler.expire}. Entries live in a small array in
 * creation order (32 slots: a linear scan of two integer compares beats hashing a BigInt key).
 */
export class Reassembler {
  /** Drop counters by reason. */
  readonly drops: Record<ReassemblyDrop, number> = {
    'too-short': 0,
    'bad-fragment': 0,
    duplicate: 0,
    'inconsistent-total': 0,
    'too-large': 0,
    timeout: 0,
    evicted: 0,
  };
  /** Pending entries, oldest first. */
  private readonly entries: Entry[] = [];
  private readonly slots: number;
  private readonly timeoutMs: number;
  private readonly retain: boolean;
  private readonly alloc: (n: number) => Uint8Array;

  constructor(opts: ReassemblerOptions = {}) {
    this.slots = opts.slots ?? FRAGMENT_SLOTS;
    this.timeoutMs = opts.timeoutMs ?? FRAGMENT_TIMEOUT_MS;
    this.retain = opts.retainDatagrams ?? false;
    this.alloc = opts.alloc ?? newBytes;
    if (!(this.slots >= 1)) throw new RangeError('Reassembler: slots must be ≥ 1');
  }

  /** Packets currently being assembled. */
  get pending(): number {
    return this.entries.length;
  }

  /** Earliest time at which an entry expires, or `undefined` if none is pending. */
  nextDeadline(): number | undefined {
    let t: number | undefined;
    for (const e of this.entries) {
      const d = e.created + this.timeoutMs;
      if (t === undefined || d < t) t = d;
    }
    return t;
  }

  /** Drops entries older than the timeout (each counted as `timeout`). */
  expire(now: number): void {
    const es = this.entries;
    let keep = 0;
    for (let i = 0; i < es.length; i++) {
      if (now - es[i].created >= this.timeoutMs) this.drops.timeout++;
      else es[keep++] = es[i];
    }
    es.length = keep;
  }

  /** Feeds one datagram (head or fragment). */
  receive(datagram: Uint8Array, now: number): ReassemblyResult {
    if (this.entries.length > 0) this.expire(now);
    if (isFragment(datagram)) return this.fragment(datagram, now);
    if (datagram.length < MIN_PACKET_LENGTH) return this.drop('too-short');
    if ((datagram[PKT_FLAGS] & FLAG_FRAGMENTED) === 0) return { kind: 'complete', packet: datagram };
    const hi = readU32(datagram, FRAG_PACKET_ID);
    const lo = readU32(datagram, FRAG_PACKET_ID + 4);
    let e = this.find(hi, lo);
    if (e?.head) return this.drop('duplicate');
    if (!e) e = this.create(hi, lo, now);
    e.head = this.retain ? datagram : datagram.slice();
    e.bytes += datagram.length;
    return this.tryComplete(e);
  }

  private fragment(datagram: Uint8Array, now: number): ReassemblyResult {
    // §3.3 acceptance rules, as decodeFragment, without building a Fragment object.
    const nb = datagram[FRAG_NUMBERS];
    const total = nb >> 4;
    const no = nb & 0x0f;
    if (total <= 1 || total > MAX_PACKET_FRAGMENTS || no < 1 || no >= total) return this.drop('bad-fragment');
    const hi = readU32(datagram, FRAG_PACKET_ID);
    const lo = readU32(datagram, FRAG_PACKET_ID + 4);
    let e = this.find(hi, lo);
    if (e && e.total !== 0 && e.total !== total) return this.drop('inconsistent-total');
    if (e?.pieces[no]) return this.drop('duplicate');
    if (!e) e = this.create(hi, lo, now);
    e.total = total;
    const data = datagram.subarray(FRAG_HEADER_LENGTH);
    e.pieces[no] = this.retain ? data : data.slice();
    e.have++;
    e.bytes += data.length;
    return this.tryComplete(e);
  }

  private find(hi: number, lo: number): Entry | undefined {
    const es = this.entries;
    for (let i = 0; i < es.length; i++) if (es[i].idLo === lo && es[i].idHi === hi) return es[i];
    return undefined;
  }

  private create(idHi: number, idLo: number, now: number): Entry {
    if (this.entries.length >= this.slots) {
      this.entries.shift(); // the oldest
      this.drops.evicted++;
    }
    const e: Entry = { idHi, idLo, created: now, head: null, total: 0, pieces: [], have: 0, bytes: 0 };
    this.entries.push(e);
    return e;
  }

  private remove(e: Entry): void {
    const i = this.entries.indexOf(e);
    if (i >= 0) this.entries.splice(i, 1);
  }

  private tryComplete(e: Entry): ReassemblyResult {
    if (e.bytes > MAX_PACKET_LENGTH) {
      this.remove(e);
      return this.drop('too-large');
    }
    if (!e.head || e.total === 0 || e.have !== e.total - 1) return PENDING;
    this.remove(e);
    const packet = this.alloc(e.bytes);
    packet.set(e.head, 0);
    let at = e.head.length;
    for (let i = 1; i < e.total; i++) {
      const p = e.pieces[i]!;
      packet.set(p, at);
      at += p.length;
    }
    return { kind: 'complete', packet };
  }

  private drop(reason: ReassemblyDrop): ReassemblyResult {
    this.drops[reason]++;
    return { kind: 'dropped', reason };
  }
}
