/**
 * One-line, human-readable summaries of the Ethernet frames carried inside ZeroTier FRAME,
 * EXT_FRAME and MULTICAST_FRAME packets, built on the stack's own wire parsers. Anything a
 * parser rejects is described as such ("IPv4 (bad header: truncated)"), never hidden.
 * @module
 */
import { parseArp } from '../../stack/wire/arp.ts';
import { ETHERTYPE_ARP, ETHERTYPE_IPV4, ETHERTYPE_IPV6, formatMac } from '../../stack/wire/ethernet.ts';
import { ICMPV4, parseIcmpv4 } from '../../stack/wire/icmpv4.ts';
import { ICMPV6, parseIcmpv6 } from '../../stack/wire/icmpv6.ts';
import { formatIp } from '../../stack/wire/ip-address.ts';
import { IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_TCP, IPPROTO_UDP, parseIpv4 } from '../../stack/wire/ipv4.ts';
import { parseIpv6 } from '../../stack/wire/ipv6.ts';
import { decodeTcp, flagsToString } from '../../stack/wire/tcp.ts';
import { udpPorts } from '../../stack/wire/udp.ts';

/** What `inspect` reports about one Ethernet frame. */
export interface FrameSummary {
  ethertype: number;
  srcMac: string;
  dstMac: string;
  /** IP source/destination (also ARP sender/target), when there is one. */
  ipSrc?: string;
  ipDst?: string;
  /** IP protocol number (1 ICMP, 6 TCP, 17 UDP, 58 ICMPv6). */
  ipProtocol?: number;
  srcPort?: number;
  dstPort?: number;
  /** Transport payload length (TCP/UDP data bytes), when known. */
  payloadLength?: number;
  text: string;
}

const ICMP4_NAMES: Record<number, string> = {
  [ICMPV4.ECHO_REPLY]: 'echo reply',
  [ICMPV4.ECHO_REQUEST]: 'echo request',
  [ICMPV4.DEST_UNREACHABLE]: 'destination unreachable',
  [ICMPV4.TIME_EXCEEDED]: 'time exceeded',
  [ICMPV4.PARAMETER_PROBLEM]: 'parameter problem',
};
const ICMP4_UNREACH: Record<number, string> = {
  0: 'net',
  1: 'host',
  2: 'protocol',
  3: 'port',
  4: 'frag-needed',
  13: 'admin',
};
const ICMP6_NAMES: Record<number, string> = {
  [ICMPV6.DEST_UNREACHABLE]: 'destination unreachable',
  [ICMPV6.PACKET_TOO_BIG]: 'packet too big',
  [ICMPV6.TIME_EXCEEDED]: 'time exceeded',
  [ICMPV6.ECHO_REQUEST]: 'echo request',
  [ICMPV6.ECHO_REPLY]: 'echo reply',
  [ICMPV6.ROUTER_SOLICITATION]: 'router solicitation',
  [ICMPV6.ROUTER_ADVERTISEMENT]: 'router advertisement',
  [ICMPV6.NEIGHBOR_SOLICITATION]: 'neighbor solicitation',
  [ICMPV6.NEIGHBOR_ADVERTISEMENT]: 'neighbor advertisement',
};

/**
 * Summarises the frame given as its parts (ZeroTier FRAME carries no Ethernet header: the MACs
 * are derived from the ZeroTier addresses, so they are passed in separately).
 */
export function summarizeFrame(
  dstMac: Uint8Array,
  srcMac: Uint8Array,
  ethertype: number,
  payload: Uint8Array,
): FrameSummary {
  const s: FrameSummary = { ethertype, srcMac: formatMac(srcMac), dstMac: formatMac(dstMac), text: '' };
  if (ethertype === ETHERTYPE_ARP) {
    const a = parseArp(payload);
    if (!a.ok) s.text = `ARP (unreadable: ${a.reason})`;
    else {
      s.ipSrc = formatIp(a.value.senderIp);
      s.ipDst = formatIp(a.value.targetIp);
      s.text =
        a.value.operation === 1
          ? `ARP who-has ${s.ipDst} tell ${s.ipSrc}`
          : a.value.operation === 2
            ? `ARP reply ${s.ipSrc} is-at ${formatMac(a.value.senderMac)}`
            : `ARP op ${a.value.operation}`;
    }
  } else if (ethertype === ETHERTYPE_IPV4) {
    const h = parseIpv4(payload, false);
    if (!h.ok) s.text = `IPv4 (unreadable: ${h.reason})`;
    else {
      s.ipSrc = formatIp(h.value.src);
      s.ipDst = formatIp(h.value.dst);
      s.ipProtocol = h.value.protocol;
      const body = payload.subarray(h.value.headerLen, Math.min(payload.length, h.value.totalLen));
      const frag = h.value.moreFragments || h.value.fragOffset > 0;
      s.text = frag
        ? `IPv4 ${s.ipSrc} > ${s.ipDst} fragment proto ${h.value.protocol} offset ${h.value.fragOffset} len ${body.length}`
        : `IPv4 ${transport(s, h.value.protocol, body, 4, h.value.src, h.value.dst)}`;
    }
  } else if (ethertype === ETHERTYPE_IPV6) {
    const h = parseIpv6(payload);
    if (!h.ok) s.text = `IPv6 (unreadable: ${h.reason})`;
    else {
      s.ipSrc = formatIp(h.value.src);
      s.ipDst = formatIp(h.value.dst);
      s.ipProtocol = h.value.protocol;
      const body = payload.subarray(h.value.payloadOffset, Math.min(payload.length, h.value.end));
      s.text = h.value.fragment
        ? `IPv6 ${s.ipSrc} > ${s.ipDst} fragment proto ${h.value.protocol}`
        : `IPv6 ${transport(s, h.value.protocol, body, 6, h.value.src, h.value.dst)}`;
    }
  } else {
    s.text = `ethertype 0x${ethertype.toString(16).padStart(4, '0')} len ${payload.length}`;
  }
  return s;
}

/** The transport part of an IP summary; fills ports and payload length into `s`. */
function transport(
  s: FrameSummary,
  proto: number,
  body: Uint8Array,
  family: 4 | 6,
  src: Uint8Array,
  dst: Uint8Array,
): string {
  const ends = (a?: string, b?: number) => (b === undefined ? a : family === 6 ? `[${a}]:${b}` : `${a}:${b}`);
  if (proto === IPPROTO_TCP) {
    const t = decodeTcp(body);
    if (!t.ok) return `${s.ipSrc} > ${s.ipDst} TCP (unreadable: ${t.reason})`;
    s.srcPort = t.value.srcPort;
    s.dstPort = t.value.dstPort;
    s.payloadLength = t.value.payload.length;
    return `${ends(s.ipSrc, s.srcPort)} > ${ends(s.ipDst, s.dstPort)} TCP [${flagsToString(t.value.flags)}] seq ${t.value.seq} ack ${t.value.ack} win ${t.value.window} len ${t.value.payload.length}`;
  }
  if (proto === IPPROTO_UDP) {
    const p = udpPorts(body);
    if (!p) return `${s.ipSrc} > ${s.ipDst} UDP (truncated)`;
    s.srcPort = p.srcPort;
    s.dstPort = p.dstPort;
    s.payloadLength = Math.max(0, body.length - 8);
    return `${ends(s.ipSrc, s.srcPort)} > ${ends(s.ipDst, s.dstPort)} UDP len ${s.payloadLength}`;
  }
  if (proto === IPPROTO_ICMP && family === 4) {
    const m = parseIcmpv4(body);
    if (!m.ok) return `${s.ipSrc} > ${s.ipDst} ICMP (unreadable: ${m.reason})`;
    return `${s.ipSrc} > ${s.ipDst} ICMP ${icmpText(ICMP4_NAMES, m.value.type, m.value.code, m.value.rest)}`;
  }
  if (proto === IPPROTO_ICMPV6 && family === 6) {
    const m = parseIcmpv6(body, src, dst);
    if (!m.ok) return `${s.ipSrc} > ${s.ipDst} ICMPv6 (unreadable: ${m.reason})`;
    let extra = '';
    if (
      (m.value.type === ICMPV6.NEIGHBOR_SOLICITATION || m.value.type === ICMPV6.NEIGHBOR_ADVERTISEMENT) &&
      m.value.body.length >= 16
    ) {
      extra = ` target ${formatIp(m.value.body.subarray(0, 16))}`;
    }
    return `${s.ipSrc} > ${s.ipDst} ICMPv6 ${icmpText(ICMP6_NAMES, m.value.type, m.value.code, m.value.rest)}${extra}`;
  }
  return `${s.ipSrc} > ${s.ipDst} proto ${proto} len ${body.length}`;
}

function icmpText(names: Record<number, string>, type: number, code: number, rest: number): string {
  const name = names[type] ?? `type ${type}`;
  if (name === 'echo request' || name === 'echo reply')
    return `${name} id ${rest >>> 16} seq ${rest & 0xffff}`;
  if (name === 'destination unreachable' && names === ICMP4_NAMES)
    return `${name} (${ICMP4_UNREACH[code] ?? `code ${code}`})`;
  return code ? `${name} code ${code}` : name;
}
