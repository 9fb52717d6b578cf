/**
 * The rule sets 1.14 synthesizes for controller-less ad-hoc networks (protocol.md §1.2), so the
 * Network object can build their config without a controller:
 * - port-range networks (`ff SSSS EEEE 000000`): 14 rules — drop non-IPv6; accept ICMPv6; accept
 *   UDP or TCP to a destination port in [S, E]; accept anything that is not a TCP SYN; accept
 *   SYN+ACK; drop.
 * - IPv4 networks (`ff AA hhhhhhhhhh 01`): a single ACCEPT.
 *
 * Note the consequence of "not a TCP SYN" (kept for compatibility): the characteristics of a
 * non-TCP frame carry no SYN bit, so UDP to ANY port is accepted, as with the reference.
 * @module
 */

import { Characteristics, type Rule } from '../../protocol/rules.ts';

const ICMPV6 = 58;
const TCP = 6;
const UDP = 17;
const IPV6 = 0x86dd;

/** The 14 base rules of a port-range ad-hoc network allowing destination ports `start..end` (§1.2). */
export function adHocPortRangeRules(start: number, end: number): Rule[] {
  for (const p of [start, end])
    if (!Number.isInteger(p) || p < 0 || p > 0xffff) throw new RangeError('adHocPortRangeRules: bad port');
  const m = (type: number, v: Record<string, unknown>, not = false, or = false) =>
    ({ not, or, type, ...v }) as Rule;
  const act = (type: 0 | 1): Rule => ({ not: false, or: false, type });
  return [
    m(37, { etherType: IPV6 }, true), // NOT IPv6 …
    act(0), // … drop
    m(36, { ipProtocol: ICMPV6 }),
    act(1),
    m(36, { ipProtocol: UDP }),
    m(36, { ipProtocol: TCP }, false, true), // UDP OR TCP …
    m(40, { start, end }), // … AND destination port in range
    act(1),
    m(41, { mask: Characteristics.TCP_SYN }, true), // not a SYN
    act(1),
    m(41, { mask: Characteristics.TCP_SYN }),
    m(41, { mask: Characteristics.TCP_ACK }), // SYN and ACK
    act(1),
    act(0),
  ];
}

/** The single-ACCEPT rule set of an IPv4 ad-hoc network (§1.2). */
export function adHocIpv4Rules(): Rule[] {
  return [{ not: false, or: false, type: 1 }];
}
