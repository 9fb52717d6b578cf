/**
 * The TCP header (RFC 9293 §3.1) and its options: MSS (RFC 9293 §3.2, kind 2), window scale
 * (RFC 7323 §2, kind 3), SACK-permitted and SACK blocks (RFC 2018, kinds 4 and 5) and timestamps
 * (RFC 7323 §3, kind 8).
 *
 * Two levels, as in smoltcp: accessor functions read/write fields in place (the data path never
 * allocates a header object), and `decodeTcp` / `encodeTcp` give a structured form for tests,
 * tools and the control path. Options are parsed into a caller-owned, reusable `TcpOptions`.
 * @module
 */

import { type Decoded, fail, ok } from '../../util/result.ts';
import { finishChecksum, pseudoHeaderSum, sumWords } from './checksum.ts';

/** IP protocol number of TCP. */
export const IP_PROTO_TCP = 6;

// Field offsets (RFC 9293 §3.1, figure 1).
const SRC_PORT = 0;
const DST_PORT = 2;
const SEQ = 4;
const ACK = 8;
const DATA_OFF = 12; // high nibble: header length in 32-bit words; bit 0: NS (RFC 3540, historic)
const FLAGS = 13;
const WINDOW = 14;
const CHECKSUM = 16;
const URGENT = 18;

/** Length of the header without options. */
export const TCP_HEADER_LEN = 20;
/** Largest header (data offset 15 words). */
export const TCP_MAX_HEADER_LEN = 60;

/** Control bits (RFC 9293 §3.1; CWR/ECE from RFC 3168). */
export const FIN = 0x01;
export const SYN = 0x02;
export const RST = 0x04;
export const PSH = 0x08;
export const ACK_FLAG = 0x10;
export const URG = 0x20;
export const ECE = 0x40;
export const CWR = 0x80;

// Option kinds (IANA "TCP Option Kind Numbers").
const OPT_EOL = 0;
const OPT_NOP = 1;
const OPT_MSS = 2;
const OPT_WSCALE = 3;
const OPT_SACK_PERM = 4;
const OPT_SACK = 5;
const OPT_TIMESTAMP = 8;

/** Largest window shift allowed (RFC 7323 §2.3: a larger value is treated as 14). */
export const MAX_WINDOW_SHIFT = 14;
/** At most 4 SACK blocks fit in 40 option bytes (RFC 2018 §3); 3 alongside timestamps. */
export const MAX_SACK_BLOCKS = 4;

/**
 * The options of one segment. Reusable: `parseTcpOptions` resets every field before filling it,
 * so the data path keeps one instance per TCP layer instead of allocating per segment.
 */
export class TcpOptions {
  /** Maximum segment size, or 0 when absent. */
  mss = 0;
  /** Window shift, or -1 when absent. Values above 14 are clamped to 14 (RFC 7323 §2.3). */
  windowScale = -1;
  /** SACK-permitted option seen (only meaningful on SYN). */
  sackPermitted = false;
  /** Timestamps option present. */
  hasTimestamp = false;
  /** TSval (u32). */
  tsVal = 0;
  /** TSecr (u32). */
  tsEcr = 0;
  /** Number of SACK blocks in `sack`. */
  sackCount = 0;
  /** SACK blocks as pairs [left0, right0, left1, right1, …] (u32 sequence numbers). */
  readonly sack = new Uint32Array(MAX_SACK_BLOCKS * 2);

  /** Clears every field back to "absent". */
  reset(): void {
    this.mss = 0;
    this.windowScale = -1;
    this.sackPermitted = false;
    this.hasTimestamp = false;
    this.tsVal = 0;
    this.tsEcr = 0;
    this.sackCount = 0;
  }
}

/** Source port. */
export function tcpSrcPort(b: Uint8Array): number {
  return (b[SRC_PORT] << 8) | b[SRC_PORT + 1];
}
/** Destination port. */
export function tcpDstPort(b: Uint8Array): number {
  return (b[DST_PORT] << 8) | b[DST_PORT + 1];
}
function u32(b: Uint8Array, o: number): number {
  return ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
}
function put32(b: Uint8Array, o: number, v: number): void {
  b[o] = v >>> 24;
  b[o + 1] = (v >>> 16) & 0xff;
  b[o + 2] = (v >>> 8) & 0xff;
  b[o + 3] = v & 0xff;
}
function put16(b: Uint8Array, o: number, v: number): void {
  b[o] = (v >>> 8) & 0xff;
  b[o + 1] = v & 0xff;
}
/** Sequence number (u32). */
export function tcpSeq(b: Uint8Array): number {
  return u32(b, SEQ);
}
/** Acknowledgment number (u32). */
export function tcpAck(b: Uint8Array): number {
  return u32(b, ACK);
}
/** Header length in bytes (data offset × 4). */
export function tcpHeaderLength(b: Uint8Array): number {
  return (b[DATA_OFF] >> 4) * 4;
}
/** The 8 control bits (CWR…FIN). */
export function tcpFlags(b: Uint8Array): number {
  return b[FLAGS];
}
/** Unscaled window field. */
export function tcpWindow(b: Uint8Array): number {
  return (b[WINDOW] << 8) | b[WINDOW + 1];
}
/** Checksum field. */
export function tcpChecksumField(b: Uint8Array): number {
  return (b[CHECKSUM] << 8) | b[CHECKSUM + 1];
}
/** Urgent pointer. */
export function tcpUrgent(b: Uint8Array): number {
  return (b[URGENT] << 8) | b[URGENT + 1];
}

/**
 * Checks that `b` can be read as a TCP segment: at least 20 bytes and a data offset within both
 * the 5..15 word range and the buffer. Returns null when fine, else a stable reason.
 */
export function checkTcp(b: Uint8Array): string | null {
  if (b.length < TCP_HEADER_LEN) return 'truncated';
  const hl = tcpHeaderLength(b);
  if (hl < TCP_HEADER_LEN) return 'bad-data-offset';
  if (hl > b.length) return 'truncated-options';
  return null;
}

/**
 * Parses the options of `b[start..end)` into `out` (reset first). Unknown kinds are skipped by
 * their length (RFC 9293 §3.2: "must be prepared to handle an illegal option length"); an option
 * whose length is below 2 or runs past `end` yields 'bad-option-length'. A known option with the
 * wrong length is ignored, as Linux does. Never throws.
 */
export function parseTcpOptions(b: Uint8Array, start: number, end: number, out: TcpOptions): string | null {
  out.reset();
  let i = start;
  while (i < end) {
    const kind = b[i];
    if (kind === OPT_EOL) break;
    if (kind === OPT_NOP) {
      i++;
      continue;
    }
    if (i + 1 >= end) return 'bad-option-length';
    const len = b[i + 1];
    if (len < 2 || i + len > end) return 'bad-option-length';
    switch (kind) {
      case OPT_MSS:
        if (len === 4) out.mss = (b[i + 2] << 8) | b[i + 3];
        break;
      case OPT_WSCALE:
        if (len === 3) out.windowScale = Math.min(b[i + 2], MAX_WINDOW_SHIFT);
        break;
      case OPT_SACK_PERM:
        if (len === 2) out.sackPermitted = true;
        break;
      case OPT_SACK:
        if (len >= 10 && (len - 2) % 8 === 0) {
          const n = Math.min((len - 2) / 8, MAX_SACK_BLOCKS);
          for (let k = 0; k < n; k++) {
            out.sack[k * 2] = u32(b, i + 2 + k * 8);
            out.sack[k * 2 + 1] = u32(b, i + 6 + k * 8);
          }
          out.sackCount = n;
        }
        break;
      case OPT_TIMESTAMP:
        if (len === 10) {
          out.hasTimestamp = true;
          out.tsVal = u32(b, i + 2);
          out.tsEcr = u32(b, i + 6);
        }
        break;
    }
    i += len;
  }
  return null;
}

/** What a sender puts in its options (fields absent when 0/-1/false). */
export interface TcpOptionFields {
  mss?: number;
  windowScale?: number;
  sackPermitted?: boolean;
  /** [tsVal, tsEcr] when the timestamps option is sent. */
  timestamp?: readonly [number, number];
  /** SACK blocks as [left, right] pairs, at most 4 (3 with timestamps). */
  sack?: readonly (readonly [number, number])[];
}

/**
 * Writes options at `b[off..]`, NOP-padded to a multiple of 4, in Linux's layout (so captures
 * compare easily): MSS, SACK-permitted+timestamps, window scale, SACK. Returns bytes written.
 */
export function writeTcpOptions(b: Uint8Array, off: number, o: TcpOptionFields): number {
  let i = off;
  if (o.mss) {
    b[i++] = OPT_MSS;
    b[i++] = 4;
    put16(b, i, o.mss);
    i += 2;
  }
  if (o.sackPermitted && o.timestamp) {
    b[i++] = OPT_SACK_PERM;
    b[i++] = 2;
  } else if (o.sackPermitted) {
    b[i++] = OPT_NOP;
    b[i++] = OPT_NOP;
    b[i++] = OPT_SACK_PERM;
    b[i++] = 2;
  } else if (o.timestamp) {
    b[i++] = OPT_NOP;
    b[i++] = OPT_NOP;
  }
  if (o.timestamp) {
    b[i++] = OPT_TIMESTAMP;
    b[i++] = 10;
    put32(b, i, o.timestamp[0] >>> 0);
    put32(b, i + 4, o.timestamp[1] >>> 0);
    i += 8;
  }
  if (o.windowScale !== undefined && o.windowScale >= 0) {
    b[i++] = OPT_NOP;
    b[i++] = OPT_WSCALE;
    b[i++] = 3;
    b[i++] = Math.min(o.windowScale, MAX_WINDOW_SHIFT);
  }
  if (o.sack && o.sack.length > 0) {
    const n = Math.min(o.sack.length, MAX_SACK_BLOCKS);
    b[i++] = OPT_NOP;
    b[i++] = OPT_NOP;
    b[i++] = OPT_SACK;
    b[i++] = 2 + n * 8;
    for (let k = 0; k < n; k++) {
      put32(b, i, o.sack[k][0] >>> 0);
      put32(b, i + 4, o.sack[k][1] >>> 0);
      i += 8;
    }
  }
  while ((i - off) % 4 !== 0) b[i++] = OPT_NOP;
  return i - off;
}

/**
 * Writes the fixed 20-byte header at `b[off..]`. `headerLen` includes options (multiple of 4,
 * 20..60). The checksum field is zeroed; fill it with `setTcpChecksum`.
 */
export function writeTcpHeader(
  b: Uint8Array,
  off: number,
  srcPort: number,
  dstPort: number,
  seq: number,
  ack: number,
  flags: number,
  window: number,
  headerLen: number,
): void {
  put16(b, off + SRC_PORT, srcPort);
  put16(b, off + DST_PORT, dstPort);
  put32(b, off + SEQ, seq >>> 0);
  put32(b, off + ACK, ack >>> 0);
  b[off + DATA_OFF] = (headerLen >> 2) << 4;
  b[off + FLAGS] = flags;
  put16(b, off + WINDOW, window);
  b[off + CHECKSUM] = 0;
  b[off + CHECKSUM + 1] = 0;
  b[off + URGENT] = 0;
  b[off + URGENT + 1] = 0;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Ones' complement sum of `b` as big-endian 16-bit words, unfolded. The data path's hot loop: it
 * reads aligned 32-bit words when it can (RFC 1071 §2(B): the sum is byte-order independent, so
 * native-order words are summed and the folded result byte-swapped once at the end).
 */
export function fastSum(b: Uint8Array): number {
  const n = b.length;
  const off = b.byteOffset;
  // Odd offsets would split 16-bit words across 32-bit reads: use the plain loop.
  if (!LITTLE_ENDIAN || (off & 1) !== 0 || n < 64) return sumWords(b, 0, n);
  // From an offset of 2 mod 4 (TCP in an Ethernet frame sits at 34), take one word first.
  const lead = (off & 3) === 2 ? 2 : 0;
  const words = (n - lead) >>> 2;
  const w = new Uint32Array(b.buffer, off + lead, words);
  // Sum whole 32-bit words in a double (RFC 1071 §2(C): larger words fold to the same 16-bit sum);
  // 2^14 words of < 2^32 stay far below 2^53, so the sum is exact. Four accumulators for ILP.
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = 0;
  for (const end = words - 3; i < end; i += 4) {
    s0 += w[i];
    s1 += w[i + 1];
    s2 += w[i + 2];
    s3 += w[i + 3];
  }
  for (; i < words; i++) s0 += w[i];
  let sum = s0 + s1 + s2 + s3;
  while (sum > 0xffff) sum = (sum % 0x10000) + Math.floor(sum / 0x10000);
  // Native little-endian words hold byte-swapped big-endian words: swap the folded sum back.
  sum = ((sum & 0xff) << 8) | (sum >>> 8);
  if (lead) sum += (b[0] << 8) | b[1];
  return sumWords(b, lead + words * 4, n, sum);
}

/** The checksum over `seg` (whole segment, checksum field included) with its pseudo-header: 0 when valid. */
export function tcpChecksum(src: Uint8Array, dst: Uint8Array, seg: Uint8Array): number {
  return finishChecksum(fastSum(seg) + pseudoHeaderSum(src, dst, IP_PROTO_TCP, seg.length));
}

/** Computes and stores the checksum of `seg` (its checksum field must be zero). */
export function setTcpChecksum(src: Uint8Array, dst: Uint8Array, seg: Uint8Array): void {
  put16(seg, CHECKSUM, tcpChecksum(src, dst, seg));
}

/** A decoded segment (control path and tests). */
export interface TcpSegment {
  srcPort: number;
  dstPort: number;
  seq: number;
  ack: number;
  flags: number;
  window: number;
  checksum: number;
  urgent: number;
  /** Header length in bytes, options included. */
  headerLength: number;
  options: TcpOptions;
  /** A view (no copy) of the data. */
  payload: Uint8Array;
}

/** Decodes a TCP segment (without checking its checksum: that needs the IP addresses, see `tcpChecksum`). */
export function decodeTcp(b: Uint8Array): Decoded<TcpSegment> {
  const bad = checkTcp(b);
  if (bad) return fail(bad);
  const hl = tcpHeaderLength(b);
  const options = new TcpOptions();
  const optBad = parseTcpOptions(b, TCP_HEADER_LEN, hl, options);
  if (optBad) return fail(optBad);
  return ok({
    srcPort: tcpSrcPort(b),
    dstPort: tcpDstPort(b),
    seq: tcpSeq(b),
    ack: tcpAck(b),
    flags: tcpFlags(b),
    window: tcpWindow(b),
    checksum: tcpChecksumField(b),
    urgent: tcpUrgent(b),
    headerLength: hl,
    options,
    payload: b.subarray(hl),
  });
}

/** Fields for `encodeTcp`. */
export interface TcpEncodeFields {
  srcPort: number;
  dstPort: number;
  seq: number;
  ack?: number;
  flags: number;
  window?: number;
  options?: TcpOptionFields;
  payload?: Uint8Array;
}

/**
 * Builds a whole segment (a new array). With `src`/`dst` the checksum is filled in, else left 0.
 * Throws RangeError when the options do not fit 40 bytes.
 */
export function encodeTcp(f: TcpEncodeFields, src?: Uint8Array, dst?: Uint8Array): Uint8Array {
  const opts = new Uint8Array(64);
  const ol = f.options ? writeTcpOptions(opts, 0, f.options) : 0;
  if (ol > TCP_MAX_HEADER_LEN - TCP_HEADER_LEN) throw new RangeError('encodeTcp: options exceed 40 bytes');
  const payload = f.payload ?? new Uint8Array(0);
  const hl = TCP_HEADER_LEN + ol;
  const b = new Uint8Array(hl + payload.length);
  writeTcpHeader(b, 0, f.srcPort, f.dstPort, f.seq, f.ack ?? 0, f.flags, f.window ?? 0, hl);
  b.set(opts.subarray(0, ol), TCP_HEADER_LEN);
  b.set(payload, hl);
  if (src && dst) setTcpChecksum(src, dst, b);
  return b;
}

/** Human-readable flags (`'SYN|ACK'`), for logs and test failure messages. */
export function flagsToString(flags: number): string {
  const names = ['FIN', 'SYN', 'RST', 'PSH', 'ACK', 'URG', 'ECE', 'CWR'];
  const out: string[] = [];
  for (let i = 0; i < 8; i++) if (flags & (1 << i)) out.push(names[i]);
  return out.join('|') || '-';
}
