/**
 * ZeroTier MACs of one network, precomputed for the per-frame data path (protocol.md §1.3).
 *
 * A member's MAC is its 40-bit address XORed with a mask made from the network id, under a first
 * octet that also comes from the network id. `protocol/address.ts` computes that from the BigInt
 * nwid on every call; a frame needs it several times (our MAC, the sender's MAC, "is this a ZeroTier
 * MAC?", "whose MAC is it?"), so here the mask is split once into two plain numbers and every
 * question is a couple of integer operations — no BigInt, no array, no allocation per frame.
 * @module
 */

import { macForAddress } from '../../protocol/address.ts';

const TWO32 = 0x1_0000_0000;
const TWO40 = 0x100_0000_0000;

/** The MAC arithmetic of one network id (see the module documentation). */
export class NetworkMacs {
  /** Bits 32..47 of the mask: the first octet and the XOR byte for address bits 32..39. */
  private readonly maskHi: number;
  /** Bits 0..31 of the mask. */
  private readonly maskLo: number;
  /** The first octet every member MAC of this network has (§1.3). */
  readonly firstOctet: number;

  constructor(readonly nwid: bigint) {
    // MAC(0) is exactly the mask: the XOR leaves it unchanged.
    const m = macForAddress(0, nwid);
    this.maskHi = Math.floor(m / TWO32);
    this.maskLo = m >>> 0;
    this.firstOctet = Math.floor(m / TWO40);
  }

  /** The MAC of node `address` on this network (as `macForAddress(address, nwid)`). */
  macOf(address: number): number {
    const hi = (this.maskHi ^ Math.floor(address / TWO32)) & 0xffff;
    return hi * TWO32 + ((this.maskLo ^ address) >>> 0);
  }

  /** The node address behind a member MAC (as `addressFromMac(mac, nwid)`). */
  addressOf(mac: number): number {
    const hi = (this.maskHi ^ Math.floor(mac / TWO32)) & 0xff;
    return hi * TWO32 + ((this.maskLo ^ mac) >>> 0);
  }

  /** True if `mac` has this network's ZeroTier first octet (as `isZeroTierMac(mac, nwid)`). */
  isMemberMac(mac: number): boolean {
    return Math.floor(mac / TWO40) === this.firstOctet;
  }
}
