/**
 * Records the traffic of an in-memory {@link UdpNetwork} as a classic libpcap file (link type
 * 101, raw IP), so a failing whole-network test can be opened in Wireshark (which dissects
 * ZeroTier on UDP 9993) or in `ztsdk inspect`. Each datagram becomes one IPv4 or IPv6 packet
 * with a UDP header and a correct UDP checksum (RFC 768; mandatory for IPv6, RFC 8200 §8.1).
 * Timestamps are the fake clock's milliseconds.
 * @module
 */

import { finishChecksum, pseudoHeaderSum, sumWords } from '../stack/wire/checksum.ts';
import { parseIp } from '../stack/wire/ip-address.ts';
import type { UdpAddress } from './udp-binding.ts';
import type { TraceEvent, UdpNetwork } from './udp-network.ts';

/** pcap global header magic (microsecond timestamps), written little-endian. */
const PCAP_MAGIC = 0xa1b2c3d4;
/** LINKTYPE_RAW: each record starts with an IPv4 or IPv6 header. */
export const LINKTYPE_RAW = 101;
const GLOBAL_HEADER_LEN = 24;
const RECORD_HEADER_LEN = 16;
const IPV4_HEADER_LEN = 20;
const IPV6_HEADER_LEN = 40;
const UDP_HEADER_LEN = 8;
const IPPROTO_UDP = 17;

/** Options of {@link PcapCapture}. */
export interface PcapCaptureOptions {
  /**
   * Where to observe: `deliver` (default) records what receivers got, with NAT-translated sources;
   * `send` records what senders emitted, before NAT and before any loss.
   */
  point?: 'send' | 'deliver';
  /** Only datagrams sent or received by these hosts (default: all). */
  hosts?: readonly string[];
}

/** A running capture; call {@link PcapCapture.stop} then {@link PcapCapture.toBytes}. */
export class PcapCapture {
  private readonly records: Uint8Array[] = [];
  private readonly untap: () => void;

  constructor(network: UdpNetwork, opts: PcapCaptureOptions = {}) {
    const point = opts.point ?? 'deliver';
    const hosts = opts.hosts ? new Set(opts.hosts) : undefined;
    this.untap = network.addTap((e, data, src, dst) => {
      if (e.kind !== point) return;
      if (hosts && !hosts.has(e.host) && !(e.to !== undefined && hosts.has(e.to))) return;
      this.records.push(record(e, data, src, dst));
    });
  }

  /** Number of packets recorded so far. */
  get packets(): number {
    return this.records.length;
  }

  /** Stops recording (idempotent). */
  stop(): void {
    this.untap();
  }

  /** The capture as a pcap file. */
  toBytes(): Uint8Array {
    let n = GLOBAL_HEADER_LEN;
    for (const r of this.records) n += r.length;
    const out = new Uint8Array(n);
    const dv = new DataView(out.buffer);
    dv.setUint32(0, PCAP_MAGIC, true);
    dv.setUint16(4, 2, true); // version 2.4
    dv.setUint16(6, 4, true);
    dv.setUint32(16, 65535, true); // snaplen
    dv.setUint32(20, LINKTYPE_RAW, true);
    let o = GLOBAL_HEADER_LEN;
    for (const r of this.records) {
      out.set(r, o);
      o += r.length;
    }
    return out;
  }
}

/** One pcap record (record header + IP + UDP + payload). */
function record(e: TraceEvent, data: Uint8Array, src: UdpAddress, dst: UdpAddress): Uint8Array {
  const s = parseIp(src.ip)!;
  const d = parseIp(dst.ip)!;
  const v6 = s.length === 16;
  const ipLen = v6 ? IPV6_HEADER_LEN : IPV4_HEADER_LEN;
  const udpLen = UDP_HEADER_LEN + data.length;
  const pktLen = ipLen + udpLen;
  const out = new Uint8Array(RECORD_HEADER_LEN + pktLen);
  const dv = new DataView(out.buffer);
  const sec = Math.floor(e.t / 1000);
  dv.setUint32(0, sec >>> 0, true);
  dv.setUint32(4, Math.round((e.t - sec * 1000) * 1000), true);
  dv.setUint32(8, pktLen, true);
  dv.setUint32(12, pktLen, true);
  const ip = RECORD_HEADER_LEN;
  if (v6) {
    out[ip] = 0x60; // version 6, traffic class 0, flow label 0 (RFC 8200 §3)
    dv.setUint16(ip + 4, udpLen);
    out[ip + 6] = IPPROTO_UDP;
    out[ip + 7] = 64;
    out.set(s, ip + 8);
    out.set(d, ip + 24);
  } else {
    out[ip] = 0x45; // version 4, IHL 5 (RFC 791 §3.1)
    dv.setUint16(ip + 2, pktLen);
    dv.setUint16(ip + 4, e.id & 0xffff);
    out[ip + 8] = 64;
    out[ip + 9] = IPPROTO_UDP;
    out.set(s, ip + 12);
    out.set(d, ip + 16);
    dv.setUint16(ip + 10, finishChecksum(sumWords(out, ip, ip + IPV4_HEADER_LEN)));
  }
  const u = ip + ipLen;
  dv.setUint16(u, src.port);
  dv.setUint16(u + 2, dst.port);
  dv.setUint16(u + 4, udpLen);
  out.set(data, u + UDP_HEADER_LEN);
  let c = finishChecksum(sumWords(out, u, u + udpLen, pseudoHeaderSum(s, d, IPPROTO_UDP, udpLen)));
  if (c === 0) c = 0xffff; // RFC 768: a computed zero is sent as all ones
  dv.setUint16(u + 6, c);
  return out;
}
