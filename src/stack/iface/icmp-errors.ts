/**
 * When the stack may answer a datagram with an ICMP error, and how often: RFC 1122 §3.2.2 (IPv4) and
 * RFC 4443 §2.4 (IPv6) forbid errors about errors, about non-first fragments and about datagrams whose source
 * is not a unicast host; both ask for rate limiting (RFC 1812 §4.3.2.8, RFC 4443 §2.4(f)).
 * @module
 */

import { isIcmpv4Error } from '../wire/icmpv4.ts';
import { isIcmpv6Error } from '../wire/icmpv6.ts';
import { isUnspecified } from '../wire/ip-address.ts';
import { IPPROTO_ICMP, IPPROTO_ICMPV6, IPV4_HEADER_LEN } from '../wire/ipv4.ts';
import { IPV6_HEADER_LEN } from '../wire/ipv6.ts';

/** Bytes of the offending datagram quoted in an ICMPv4 error: RFC 1812 §4.3.2.3 caps the error at 576 bytes. */
export const ICMPV4_MAX_QUOTE = 576 - IPV4_HEADER_LEN - 8;
/** Bytes quoted in an ICMPv6 error: the error must fit the minimum MTU of 1280 (RFC 4443 §2.4(c)). */
export const ICMPV6_MAX_QUOTE = 1280 - IPV6_HEADER_LEN - 8;

/** A token bucket: `burst` tokens, refilled at `perSecond`. Time is passed in (ms). */
export class TokenBucket {
  private tokens: number;
  private last = 0;
  private readonly perMs: number;

  constructor(
    private readonly burst: number,
    perSecond: number,
  ) {
    this.tokens = burst;
    this.perMs = perSecond / 1000;
  }

  /** Takes one token if there is one. */
  take(now: number): boolean {
    this.tokens = Math.min(this.burst, this.tokens + Math.max(0, now - this.last) * this.perMs);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/** True when an ICMPv4 error about `pkt` (a whole IPv4 datagram, header first) is allowed (RFC 1122 §3.2.2). */
export function icmpv4ErrorAllowed(pkt: Uint8Array): boolean {
  if (pkt[9] === IPPROTO_ICMP) {
    const hl = (pkt[0] & 15) * 4;
    if (pkt.length > hl && isIcmpv4Error(pkt[hl])) return false;
  }
  if (((pkt[6] << 8) | pkt[7]) & 0x1fff) return false; // a non-first fragment
  const src = pkt.subarray(12, 16);
  return !(isUnspecified(src) || (src[0] & 0xf0) >= 0xe0 || src[0] === 127);
}

/** True when an ICMPv6 error about `pkt` (a whole IPv6 packet) is allowed (RFC 4443 §2.4(e)). */
export function icmpv6ErrorAllowed(pkt: Uint8Array): boolean {
  if (pkt[6] === IPPROTO_ICMPV6 && pkt.length > IPV6_HEADER_LEN && isIcmpv6Error(pkt[IPV6_HEADER_LEN]))
    return false;
  const src = pkt.subarray(8, 24);
  return !(isUnspecified(src) || src[0] === 0xff);
}
