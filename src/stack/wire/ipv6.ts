/**
 * The IPv6 header (RFC 8200 §3) and the walk over its extension headers (§4): hop-by-hop options,
 * routing (only with Segments Left 0, §4.4), fragment (§4.5) and destination options are stepped over
 * to find the upper-layer protocol. Anything else stops the walk and is returned as the upper layer.
 * @module
 */

import type { Decoded } from '../../util/result.ts';
import { fail, ok } from '../../util/result.ts';

/** Field offsets. */
const F = { VTF: 0, PAYLOAD_LEN: 4, NEXT_HEADER: 6, HOP_LIMIT: 7, SRC: 8, DST: 24 } as const;

/** Length of the fixed header. */
export const IPV6_HEADER_LEN = 40;
/** Length of the fragment extension header. */
export const IPV6_FRAG_HEADER_LEN = 8;

/** Extension header numbers (RFC 8200 §4.1). */
export const NH_HOP_BY_HOP = 0;
/** Routing header. */
export const NH_ROUTING = 43;
/** Fragment header. */
export const NH_FRAGMENT = 44;
/** Destination options. */
export const NH_DEST_OPTS = 60;
/** No next header. */
export const NH_NONE = 59;

/** The fragment header's fields when one is present. */
export interface Ipv6Fragment {
  /** Offset of the fragment header within the packet. */
  readonly headerOffset: number;
  /** Next header named by the fragment header (the fragmented part's first header). */
  readonly nextHeader: number;
  /** Fragment offset in bytes. */
  readonly fragOffset: number;
  readonly moreFragments: boolean;
  readonly ident: number;
}

/** A validated IPv6 header with its extension chain walked. `src`/`dst` are views. */
export interface Ipv6Header {
  readonly trafficClass: number;
  readonly flowLabel: number;
  readonly payloadLen: number;
  readonly hopLimit: number;
  readonly src: Uint8Array;
  readonly dst: Uint8Array;
  /** The upper-layer protocol (or NH_FRAGMENT's inner protocol when `fragment` is set). */
  readonly protocol: number;
  /** Offset of the upper-layer header (or of the fragmentable part when `fragment` is set). */
  readonly payloadOffset: number;
  /** Offset just past the packet (40 + payload length). */
  readonly end: number;
  /** Present when a fragment header was found; the walk stops there. */
  readonly fragment: Ipv6Fragment | null;
  /** Offset of the byte holding the Next Header value that names `protocol` (used when rebuilding after reassembly). */
  readonly nextHeaderFieldOffset: number;
}

/** Parses the fixed header and walks extension headers. Never throws. */
export function parseIpv6(b: Uint8Array): Decoded<Ipv6Header> {
  if (b.length < IPV6_HEADER_LEN) return fail('truncated');
  if (b[F.VTF] >> 4 !== 6) return fail('bad-version');
  const payloadLen = (b[F.PAYLOAD_LEN] << 8) | b[F.PAYLOAD_LEN + 1];
  const end = IPV6_HEADER_LEN + payloadLen;
  // A zero payload length with a hop-by-hop header means a jumbogram (RFC 2675): not on a 2800-byte MTU.
  if (end > b.length) return fail('truncated');
  let nh = b[F.NEXT_HEADER];
  let nhField: number = F.NEXT_HEADER;
  let off = IPV6_HEADER_LEN;
  let fragment: Ipv6Fragment | null = null;
  for (let guard = 0; guard < 16; guard++) {
    if (nh === NH_HOP_BY_HOP || nh === NH_DEST_OPTS || nh === NH_ROUTING) {
      if (nh === NH_HOP_BY_HOP && off !== IPV6_HEADER_LEN) return fail('misplaced-hop-by-hop');
      if (off + 8 > end) return fail('truncated');
      if (nh === NH_ROUTING && b[off + 3] !== 0) return fail('routing-segments-left');
      const len = (b[off + 1] + 1) * 8;
      if (off + len > end) return fail('truncated');
      nhField = off;
      nh = b[off];
      off += len;
      continue;
    }
    if (nh === NH_FRAGMENT) {
      if (off + IPV6_FRAG_HEADER_LEN > end) return fail('truncated');
      const fo = (b[off + 2] << 8) | b[off + 3];
      fragment = {
        headerOffset: off,
        nextHeader: b[off],
        fragOffset: fo & 0xfff8,
        moreFragments: (fo & 1) === 1,
        ident: ((b[off + 4] << 24) | (b[off + 5] << 16) | (b[off + 6] << 8) | b[off + 7]) >>> 0,
      };
      nhField = off;
      nh = b[off];
      off += IPV6_FRAG_HEADER_LEN;
      break;
    }
    break;
  }
  if (nh === NH_HOP_BY_HOP || nh === NH_ROUTING || nh === NH_DEST_OPTS) {
    if (!fragment) return fail('too-many-headers');
  }
  const vtf = ((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) >>> 0;
  return ok({
    trafficClass: (vtf >>> 20) & 0xff,
    flowLabel: vtf & 0xfffff,
    payloadLen,
    hopLimit: b[F.HOP_LIMIT],
    src: b.subarray(F.SRC, F.SRC + 16),
    dst: b.subarray(F.DST, F.DST + 16),
    protocol: nh,
    payloadOffset: off,
    end,
    fragment,
    nextHeaderFieldOffset: nhField,
  });
}

/** Fields for {@link emitIpv6Header}. */
export interface Ipv6HeaderFields {
  payloadLen: number;
  nextHeader: number;
  src: Uint8Array;
  dst: Uint8Array;
  hopLimit?: number;
  trafficClass?: number;
  flowLabel?: number;
}

/** Writes the 40-byte fixed header at `buf[off..]`. */
export function emitIpv6Header(f: Ipv6HeaderFields, buf: Uint8Array, off = 0): void {
  const tc = f.trafficClass ?? 0;
  const fl = f.flowLabel ?? 0;
  buf[off] = 0x60 | (tc >> 4);
  buf[off + 1] = ((tc & 0x0f) << 4) | ((fl >> 16) & 0x0f);
  buf[off + 2] = (fl >> 8) & 0xff;
  buf[off + 3] = fl & 0xff;
  buf[off + F.PAYLOAD_LEN] = f.payloadLen >> 8;
  buf[off + F.PAYLOAD_LEN + 1] = f.payloadLen & 0xff;
  buf[off + F.NEXT_HEADER] = f.nextHeader;
  buf[off + F.HOP_LIMIT] = f.hopLimit ?? 64;
  buf.set(f.src.subarray(0, 16), off + F.SRC);
  buf.set(f.dst.subarray(0, 16), off + F.DST);
}

/** Writes an 8-byte fragment header (RFC 8200 §4.5) at `buf[off..]`. */
export function emitIpv6FragmentHeader(
  nextHeader: number,
  fragOffset: number,
  moreFragments: boolean,
  ident: number,
  buf: Uint8Array,
  off: number,
): void {
  buf[off] = nextHeader;
  buf[off + 1] = 0;
  const fo = (fragOffset & 0xfff8) | (moreFragments ? 1 : 0);
  buf[off + 2] = fo >> 8;
  buf[off + 3] = fo & 0xff;
  buf[off + 4] = (ident >>> 24) & 0xff;
  buf[off + 5] = (ident >>> 16) & 0xff;
  buf[off + 6] = (ident >>> 8) & 0xff;
  buf[off + 7] = ident & 0xff;
}

/** The fields of an IPv6 packet quoted inside an ICMPv6 error. */
export interface Ipv6Quote {
  readonly protocol: number;
  readonly payloadOffset: number;
  readonly src: Uint8Array;
  readonly dst: Uint8Array;
}

/**
 * Parses a quoted (truncated) IPv6 packet: the fixed header, then extension headers as far as the quote goes.
 * A quoted non-first fragment has no transport header to report and fails. Never throws.
 */
export function parseIpv6Quote(b: Uint8Array): Decoded<Ipv6Quote> {
  if (b.length < IPV6_HEADER_LEN) return fail('truncated');
  if (b[0] >> 4 !== 6) return fail('bad-version');
  let nh = b[F.NEXT_HEADER];
  let off = IPV6_HEADER_LEN;
  for (let guard = 0; guard < 16; guard++) {
    if (nh === NH_HOP_BY_HOP || nh === NH_DEST_OPTS || nh === NH_ROUTING) {
      if (off + 8 > b.length) return fail('truncated');
      const len = (b[off + 1] + 1) * 8;
      nh = b[off];
      off += len;
      continue;
    }
    if (nh === NH_FRAGMENT) {
      if (off + IPV6_FRAG_HEADER_LEN > b.length) return fail('truncated');
      if ((((b[off + 2] << 8) | b[off + 3]) & 0xfff8) !== 0) return fail('non-first-fragment');
      nh = b[off];
      off += IPV6_FRAG_HEADER_LEN;
      continue;
    }
    break;
  }
  if (off + 8 > b.length) return fail('truncated');
  return ok({
    protocol: nh,
    payloadOffset: off,
    src: b.subarray(F.SRC, F.SRC + 16),
    dst: b.subarray(F.DST, F.DST + 16),
  });
}

/** A zero-copy read/write view over the fixed IPv6 header. {@link Ipv6View.check} keeps accessors in bounds. */
export class Ipv6View {
  private constructor(readonly buf: Uint8Array) {}

  /** Checks the version and that the payload length fits `buf`; never throws. */
  static check(buf: Uint8Array): Decoded<Ipv6View> {
    if (buf.length < IPV6_HEADER_LEN) return fail('truncated');
    if (buf[F.VTF] >> 4 !== 6) return fail('bad-version');
    if (IPV6_HEADER_LEN + ((buf[F.PAYLOAD_LEN] << 8) | buf[F.PAYLOAD_LEN + 1]) > buf.length)
      return fail('truncated');
    return ok(new Ipv6View(buf));
  }

  /** Traffic class. */
  get trafficClass(): number {
    return ((this.buf[0] & 0x0f) << 4) | (this.buf[1] >> 4);
  }
  /** Flow label (20 bits). */
  get flowLabel(): number {
    return ((this.buf[1] & 0x0f) << 16) | (this.buf[2] << 8) | this.buf[3];
  }
  /** Payload length (everything after the fixed header). */
  get payloadLen(): number {
    return (this.buf[F.PAYLOAD_LEN] << 8) | this.buf[F.PAYLOAD_LEN + 1];
  }
  /** The first Next Header value. */
  get nextHeader(): number {
    return this.buf[F.NEXT_HEADER];
  }
  /** Hop limit. */
  get hopLimit(): number {
    return this.buf[F.HOP_LIMIT];
  }
  set hopLimit(v: number) {
    this.buf[F.HOP_LIMIT] = v;
  }
  /** Source address (view). */
  get src(): Uint8Array {
    return this.buf.subarray(F.SRC, F.SRC + 16);
  }
  /** Destination address (view). */
  get dst(): Uint8Array {
    return this.buf.subarray(F.DST, F.DST + 16);
  }
  /** Everything after the fixed header (view; extension headers included). */
  get payload(): Uint8Array {
    return this.buf.subarray(IPV6_HEADER_LEN, IPV6_HEADER_LEN + this.payloadLen);
  }
}
