/**
 * Ethernet II frames (IEEE 802.3 with an EtherType, RFC 894): a 14-byte header, no FCS (ZeroTier and
 * TAP devices carry frames without it). ZeroTier VL2 carries these frames between nodes (protocol.md §6.7).
 * @module
 */

import type { Decoded } from '../../util/result.ts';
import { fail, ok } from '../../util/result.ts';
import type { IpAddress } from '../types.ts';

/** Header field offsets. */
const F = { DST: 0, SRC: 6, TYPE: 12 } as const;

/** Length of the Ethernet II header. */
export const ETH_HEADER_LEN = 14;
/** EtherType of IPv4 (RFC 894). */
export const ETHERTYPE_IPV4 = 0x0800;
/** EtherType of ARP (RFC 826). */
export const ETHERTYPE_ARP = 0x0806;
/** EtherType of IPv6 (RFC 2464). */
export const ETHERTYPE_IPV6 = 0x86dd;

/** ff:ff:ff:ff:ff:ff. */
export const BROADCAST_MAC: Uint8Array = new Uint8Array([255, 255, 255, 255, 255, 255]);

/** A zero-copy view over an Ethernet II frame. Create with {@link EthernetView.check}. */
export class EthernetView {
  private constructor(readonly buf: Uint8Array) {}

  /** Validates that `buf` holds a full header; never throws. */
  static check(buf: Uint8Array): Decoded<EthernetView> {
    if (buf.length < ETH_HEADER_LEN) return fail('truncated');
    return ok(new EthernetView(buf));
  }

  /** Destination MAC (view). */
  get dst(): Uint8Array {
    return this.buf.subarray(F.DST, F.DST + 6);
  }
  /** Source MAC (view). */
  get src(): Uint8Array {
    return this.buf.subarray(F.SRC, F.SRC + 6);
  }
  /** The EtherType. */
  get ethertype(): number {
    return (this.buf[F.TYPE] << 8) | this.buf[F.TYPE + 1];
  }
  /** Everything after the header (view). */
  get payload(): Uint8Array {
    return this.buf.subarray(ETH_HEADER_LEN);
  }
}

/** Writes an Ethernet II header at `buf[off..off+14)`. */
export function writeEthernetHeader(
  buf: Uint8Array,
  off: number,
  dst: Uint8Array,
  src: Uint8Array,
  ethertype: number,
): void {
  buf.set(dst.subarray(0, 6), off + F.DST);
  buf.set(src.subarray(0, 6), off + F.SRC);
  buf[off + F.TYPE] = ethertype >> 8;
  buf[off + F.TYPE + 1] = ethertype & 0xff;
}

/** True when the group bit (LSB of the first octet) is set: multicast or broadcast. */
export function isGroupMac(mac: Uint8Array, off = 0): boolean {
  return (mac[off] & 1) === 1;
}

/** A 48-bit MAC as a number (exact), for map keys. */
export function macKey(mac: Uint8Array, off = 0): number {
  return (
    mac[off] * 0x10000000000 +
    mac[off + 1] * 0x100000000 +
    mac[off + 2] * 0x1000000 +
    ((mac[off + 3] << 16) | (mac[off + 4] << 8) | mac[off + 5])
  );
}

/** `aa:bb:cc:dd:ee:ff`. */
export function formatMac(mac: Uint8Array): string {
  return Array.from(mac.subarray(0, 6), (b) => b.toString(16).padStart(2, '0')).join(':');
}

/** Parses `aa:bb:cc:dd:ee:ff` (or `-` separated); throws TypeError on bad API input. */
export function parseMac(s: string): Uint8Array {
  const parts = s.split(/[:-]/);
  if (parts.length !== 6 || !parts.every((p) => /^[0-9a-fA-F]{2}$/.test(p)))
    throw new TypeError(`not a MAC address: ${JSON.stringify(s)}`);
  return new Uint8Array(parts.map((p) => Number.parseInt(p, 16)));
}

/** The Ethernet multicast MAC of an IP multicast group: 01:00:5e + low 23 bits (RFC 1112 §6.4), or 33:33 + low 32 bits (RFC 2464 §7). */
export function multicastMacFor(group: IpAddress): Uint8Array {
  if (group.length === 4) return new Uint8Array([0x01, 0x00, 0x5e, group[1] & 0x7f, group[2], group[3]]);
  return new Uint8Array([0x33, 0x33, group[12], group[13], group[14], group[15]]);
}
