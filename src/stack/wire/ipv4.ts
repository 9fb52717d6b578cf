/**
 * The IPv4 header (RFC 791 §3.1): parse with validation (version, IHL, total length, header checksum
 * per RFC 1071) and emit with a fresh checksum. Options are accepted on input and skipped (RFC 1122
 * §3.2.1.8 lets a host ignore the ones it does not implement); we never send options.
 * @module
 */

import type { Decoded } from '../../util/result.ts';
import { fail, ok } from '../../util/result.ts';
import { internetChecksum } from './checksum.ts';

/** Field offsets. */
const F = {
  VER_IHL: 0,
  TOS: 1,
  TOTAL_LEN: 2,
  IDENT: 4,
  FLAGS_FRAG: 6,
  TTL: 8,
  PROTOCOL: 9,
  CHECKSUM: 10,
  SRC: 12,
  DST: 16,
} as const;

/** Length of a header without options. */
export const IPV4_HEADER_LEN = 20;
/** Don't Fragment flag in the flags/fragment-offset word. */
const FLAG_DF = 0x4000;
/** More Fragments flag. */
const FLAG_MF = 0x2000;

/** IP protocol numbers used by the stack (IANA). */
export const IPPROTO_ICMP = 1;
/** TCP. */
export const IPPROTO_TCP = 6;
/** UDP. */
export const IPPROTO_UDP = 17;
/** ICMPv6. */
export const IPPROTO_ICMPV6 = 58;

/** A validated IPv4 header. `src`/`dst` are views into the packet. */
export interface Ipv4Header {
  readonly headerLen: number;
  readonly totalLen: number;
  readonly tos: number;
  readonly ident: number;
  readonly dontFragment: boolean;
  readonly moreFragments: boolean;
  /** Fragment offset in bytes (the wire field × 8). */
  readonly fragOffset: number;
  readonly ttl: number;
  readonly protocol: number;
  readonly src: Uint8Array;
  readonly dst: Uint8Array;
}

/**
 * Parses the header at the start of `b` (an Ethernet payload, which may carry padding after `totalLen`).
 * Never throws. The payload is `b.subarray(headerLen, totalLen)`.
 */
export function parseIpv4(b: Uint8Array, verifyChecksum = true): Decoded<Ipv4Header> {
  if (b.length < IPV4_HEADER_LEN) return fail('truncated');
  const vi = b[F.VER_IHL];
  if (vi >> 4 !== 4) return fail('bad-version');
  const headerLen = (vi & 0x0f) * 4;
  if (headerLen < IPV4_HEADER_LEN) return fail('bad-ihl');
  if (b.length < headerLen) return fail('truncated');
  const totalLen = (b[F.TOTAL_LEN] << 8) | b[F.TOTAL_LEN + 1];
  if (totalLen < headerLen) return fail('bad-length');
  if (totalLen > b.length) return fail('truncated');
  if (verifyChecksum && internetChecksum(b, 0, headerLen) !== 0) return fail('bad-checksum');
  const ff = (b[F.FLAGS_FRAG] << 8) | b[F.FLAGS_FRAG + 1];
  return ok({
    headerLen,
    totalLen,
    tos: b[F.TOS],
    ident: (b[F.IDENT] << 8) | b[F.IDENT + 1],
    dontFragment: (ff & FLAG_DF) !== 0,
    moreFragments: (ff & FLAG_MF) !== 0,
    fragOffset: (ff & 0x1fff) * 8,
    ttl: b[F.TTL],
    protocol: b[F.PROTOCOL],
    src: b.subarray(F.SRC, F.SRC + 4),
    dst: b.subarray(F.DST, F.DST + 4),
  });
}

/** Fields for {@link emitIpv4Header}. */
export interface Ipv4HeaderFields {
  /** Length of header + payload. */
  totalLen: number;
  ident: number;
  protocol: number;
  src: Uint8Array;
  dst: Uint8Array;
  ttl?: number;
  tos?: number;
  dontFragment?: boolean;
  moreFragments?: boolean;
  /** In bytes; must be a multiple of 8. */
  fragOffset?: number;
}

/** Writes a 20-byte header (no options) with its checksum at `buf[off..]`. */
export function emitIpv4Header(f: Ipv4HeaderFields, buf: Uint8Array, off = 0): void {
  buf[off + F.VER_IHL] = 0x45;
  buf[off + F.TOS] = f.tos ?? 0;
  buf[off + F.TOTAL_LEN] = f.totalLen >> 8;
  buf[off + F.TOTAL_LEN + 1] = f.totalLen & 0xff;
  buf[off + F.IDENT] = (f.ident >> 8) & 0xff;
  buf[off + F.IDENT + 1] = f.ident & 0xff;
  const ff = (f.dontFragment ? FLAG_DF : 0) | (f.moreFragments ? FLAG_MF : 0) | ((f.fragOffset ?? 0) >> 3);
  buf[off + F.FLAGS_FRAG] = ff >> 8;
  buf[off + F.FLAGS_FRAG + 1] = ff & 0xff;
  buf[off + F.TTL] = f.ttl ?? 64;
  buf[off + F.PROTOCOL] = f.protocol;
  buf[off + F.CHECKSUM] = 0;
  buf[off + F.CHECKSUM + 1] = 0;
  buf.set(f.src.subarray(0, 4), off + F.SRC);
  buf.set(f.dst.subarray(0, 4), off + F.DST);
  const c = internetChecksum(buf, off, off + IPV4_HEADER_LEN);
  buf[off + F.CHECKSUM] = c >> 8;
  buf[off + F.CHECKSUM + 1] = c & 0xff;
}

/** The fields of an IPv4 header quoted inside an ICMP error (RFC 792: header + first 8 data bytes). */
export interface Ipv4Quote {
  readonly headerLen: number;
  readonly protocol: number;
  readonly src: Uint8Array;
  readonly dst: Uint8Array;
}

/**
 * Parses a quoted header leniently: the quote is truncated by design, so neither the total length nor the
 * checksum can be checked. Requires the header plus 8 transport bytes. Never throws.
 */
export function parseIpv4Quote(b: Uint8Array): Decoded<Ipv4Quote> {
  if (b.length < IPV4_HEADER_LEN) return fail('truncated');
  if (b[F.VER_IHL] >> 4 !== 4) return fail('bad-version');
  const headerLen = (b[F.VER_IHL] & 0x0f) * 4;
  if (headerLen < IPV4_HEADER_LEN) return fail('bad-ihl');
  if (b.length < headerLen + 8) return fail('truncated');
  return ok({
    headerLen,
    protocol: b[F.PROTOCOL],
    src: b.subarray(F.SRC, F.SRC + 4),
    dst: b.subarray(F.DST, F.DST + 4),
  });
}

/**
 * A zero-copy read/write view over an IPv4 header (smoltcp's `Packet<T>` shape). {@link Ipv4View.check}
 * guarantees every accessor stays in bounds; it does not verify the checksum (see {@link verifyChecksum}).
 */
export class Ipv4View {
  private constructor(readonly buf: Uint8Array) {}

  /** Checks version, IHL and total length against `buf`; never throws. */
  static check(buf: Uint8Array): Decoded<Ipv4View> {
    const r = parseIpv4(buf, false);
    return r.ok ? ok(new Ipv4View(buf)) : fail(r.reason);
  }

  /** Header length in bytes (IHL × 4). */
  get headerLen(): number {
    return (this.buf[F.VER_IHL] & 0x0f) * 4;
  }
  /** Type of service / DSCP+ECN byte. */
  get tos(): number {
    return this.buf[F.TOS];
  }
  set tos(v: number) {
    this.buf[F.TOS] = v;
  }
  /** Total length (header + payload). */
  get totalLen(): number {
    return (this.buf[F.TOTAL_LEN] << 8) | this.buf[F.TOTAL_LEN + 1];
  }
  /** Identification. */
  get ident(): number {
    return (this.buf[F.IDENT] << 8) | this.buf[F.IDENT + 1];
  }
  set ident(v: number) {
    this.buf[F.IDENT] = (v >> 8) & 0xff;
    this.buf[F.IDENT + 1] = v & 0xff;
  }
  /** Don't Fragment flag. */
  get dontFragment(): boolean {
    return (this.buf[F.FLAGS_FRAG] & 0x40) !== 0;
  }
  /** More Fragments flag. */
  get moreFragments(): boolean {
    return (this.buf[F.FLAGS_FRAG] & 0x20) !== 0;
  }
  /** Fragment offset in bytes. */
  get fragOffset(): number {
    return (((this.buf[F.FLAGS_FRAG] & 0x1f) << 8) | this.buf[F.FLAGS_FRAG + 1]) * 8;
  }
  /** Time to live. */
  get ttl(): number {
    return this.buf[F.TTL];
  }
  set ttl(v: number) {
    this.buf[F.TTL] = v;
  }
  /** Protocol number of the payload. */
  get protocol(): number {
    return this.buf[F.PROTOCOL];
  }
  /** The header checksum field. */
  get checksum(): number {
    return (this.buf[F.CHECKSUM] << 8) | this.buf[F.CHECKSUM + 1];
  }
  /** Source address (view). */
  get src(): Uint8Array {
    return this.buf.subarray(F.SRC, F.SRC + 4);
  }
  /** Destination address (view). */
  get dst(): Uint8Array {
    return this.buf.subarray(F.DST, F.DST + 4);
  }
  /** The payload (view), without any link-layer padding. */
  get payload(): Uint8Array {
    return this.buf.subarray(this.headerLen, this.totalLen);
  }
  /** True when the header checksum is right. */
  verifyChecksum(): boolean {
    return internetChecksum(this.buf, 0, this.headerLen) === 0;
  }
  /** Recomputes the header checksum (after changing TTL, TOS or ident through the setters). */
  fillChecksum(): void {
    this.buf[F.CHECKSUM] = 0;
    this.buf[F.CHECKSUM + 1] = 0;
    const c = internetChecksum(this.buf, 0, this.headerLen);
    this.buf[F.CHECKSUM] = c >> 8;
    this.buf[F.CHECKSUM + 1] = c & 0xff;
  }
}
