/**
 * UDP datagrams (RFC 768): an 8-byte header; the checksum covers a pseudo-header (RFC 768 for IPv4,
 * RFC 8200 §8.1 for IPv6). Over IPv4 a zero checksum means "none"; over IPv6 it is mandatory and a zero
 * checksum is dropped (RFC 8200 §8.1). A computed checksum of 0 is sent as 0xffff.
 * @module
 */

import type { Decoded } from '../../util/result.ts';
import { fail, ok } from '../../util/result.ts';
import { finishChecksum, pseudoHeaderSum, sumWords } from './checksum.ts';
import { IPPROTO_UDP } from './ipv4.ts';

/** Field offsets. */
const F = { SRC_PORT: 0, DST_PORT: 2, LENGTH: 4, CHECKSUM: 6 } as const;

/** Length of the UDP header. */
export const UDP_HEADER_LEN = 8;

/** A parsed datagram; `payload` is a view. */
export interface UdpDatagram {
  readonly srcPort: number;
  readonly dstPort: number;
  readonly payload: Uint8Array;
}

/**
 * Parses `b` (the IP payload) and verifies the checksum against `src`/`dst`. Never throws.
 * Bytes after the UDP length field are ignored (RFC 768 lets the IP length exceed it).
 */
export function parseUdp(b: Uint8Array, src: Uint8Array, dst: Uint8Array): Decoded<UdpDatagram> {
  if (b.length < UDP_HEADER_LEN) return fail('truncated');
  const len = (b[F.LENGTH] << 8) | b[F.LENGTH + 1];
  if (len < UDP_HEADER_LEN) return fail('bad-length');
  if (len > b.length) return fail('truncated');
  const ck = (b[F.CHECKSUM] << 8) | b[F.CHECKSUM + 1];
  if (ck === 0) {
    if (src.length === 16) return fail('zero-checksum');
  } else if (finishChecksum(sumWords(b, 0, len, pseudoHeaderSum(src, dst, IPPROTO_UDP, len))) !== 0) {
    return fail('bad-checksum');
  }
  return ok({
    srcPort: (b[F.SRC_PORT] << 8) | b[F.SRC_PORT + 1],
    dstPort: (b[F.DST_PORT] << 8) | b[F.DST_PORT + 1],
    payload: b.subarray(UDP_HEADER_LEN, len),
  });
}

/** Ports of a datagram (quoted in an ICMP error: only the first 8 bytes are there). Never throws. */
export function udpPorts(b: Uint8Array): { srcPort: number; dstPort: number } | null {
  if (b.length < 4) return null;
  return { srcPort: (b[0] << 8) | b[1], dstPort: (b[2] << 8) | b[3] };
}

/** Builds a complete datagram (header + copy of `payload`) with its checksum. */
export function emitUdp(
  srcPort: number,
  dstPort: number,
  payload: Uint8Array,
  src: Uint8Array,
  dst: Uint8Array,
): Uint8Array {
  const len = UDP_HEADER_LEN + payload.length;
  const b = new Uint8Array(len);
  b[F.SRC_PORT] = srcPort >> 8;
  b[F.SRC_PORT + 1] = srcPort & 0xff;
  b[F.DST_PORT] = dstPort >> 8;
  b[F.DST_PORT + 1] = dstPort & 0xff;
  b[F.LENGTH] = len >> 8;
  b[F.LENGTH + 1] = len & 0xff;
  b.set(payload, UDP_HEADER_LEN);
  let ck = finishChecksum(sumWords(b, 0, len, pseudoHeaderSum(src, dst, IPPROTO_UDP, len)));
  if (ck === 0) ck = 0xffff;
  b[F.CHECKSUM] = ck >> 8;
  b[F.CHECKSUM + 1] = ck & 0xff;
  return b;
}

/** A zero-copy read/write view over a UDP datagram. {@link UdpView.check} keeps accessors in bounds. */
export class UdpView {
  private constructor(readonly buf: Uint8Array) {}

  /** Checks the header and the length field against `buf` (not the checksum); never throws. */
  static check(buf: Uint8Array): Decoded<UdpView> {
    if (buf.length < UDP_HEADER_LEN) return fail('truncated');
    const len = (buf[F.LENGTH] << 8) | buf[F.LENGTH + 1];
    if (len < UDP_HEADER_LEN) return fail('bad-length');
    if (len > buf.length) return fail('truncated');
    return ok(new UdpView(buf));
  }

  /** Source port. */
  get srcPort(): number {
    return (this.buf[F.SRC_PORT] << 8) | this.buf[F.SRC_PORT + 1];
  }
  set srcPort(v: number) {
    this.buf[F.SRC_PORT] = v >> 8;
    this.buf[F.SRC_PORT + 1] = v & 0xff;
  }
  /** Destination port. */
  get dstPort(): number {
    return (this.buf[F.DST_PORT] << 8) | this.buf[F.DST_PORT + 1];
  }
  set dstPort(v: number) {
    this.buf[F.DST_PORT] = v >> 8;
    this.buf[F.DST_PORT + 1] = v & 0xff;
  }
  /** Length field (header + payload). */
  get length(): number {
    return (this.buf[F.LENGTH] << 8) | this.buf[F.LENGTH + 1];
  }
  /** Checksum field (0 = none, IPv4 only). */
  get checksum(): number {
    return (this.buf[F.CHECKSUM] << 8) | this.buf[F.CHECKSUM + 1];
  }
  /** The payload (view). */
  get payload(): Uint8Array {
    return this.buf.subarray(UDP_HEADER_LEN, this.length);
  }
  /** True when the checksum is right for `src`/`dst` (a zero checksum counts as right only over IPv4). */
  verifyChecksum(src: Uint8Array, dst: Uint8Array): boolean {
    if (this.checksum === 0) return src.length === 4;
    return (
      finishChecksum(
        sumWords(this.buf, 0, this.length, pseudoHeaderSum(src, dst, IPPROTO_UDP, this.length)),
      ) === 0
    );
  }
  /** Recomputes the checksum for `src`/`dst` (after changing ports or payload in place). */
  fillChecksum(src: Uint8Array, dst: Uint8Array): void {
    this.buf[F.CHECKSUM] = 0;
    this.buf[F.CHECKSUM + 1] = 0;
    let c = finishChecksum(
      sumWords(this.buf, 0, this.length, pseudoHeaderSum(src, dst, IPPROTO_UDP, this.length)),
    );
    if (c === 0) c = 0xffff;
    this.buf[F.CHECKSUM] = c >> 8;
    this.buf[F.CHECKSUM + 1] = c & 0xff;
  }
}
