/**
 * A reader for classic libpcap capture files (the format tcpdump/tshark write with `-w`), enough to
 * pull out the UDP datagrams that carry ZeroTier. Link types: Ethernet (1), raw IP (101) and Linux
 * cooked v1 (113). pcapng is detected and refused with a clear reason (convert with
 * `tshark -F pcap` / `editcap -F pcap`). Hostile files yield `Decoded` failures, never exceptions.
 * @module
 */
import { formatIp } from '../../stack/wire/ip-address.ts';
import { type Decoded, fail, ok } from '../../util/result.ts';

/** One UDP datagram found in a capture. */
export interface CapturedDatagram {
  /** Index of the capture record it came from (0-based). */
  record: number;
  /** Capture time in seconds (fractional). */
  time: number;
  /** 4 or 6. */
  family: 4 | 6;
  srcIp: string;
  srcPort: number;
  dstIp: string;
  dstPort: number;
  /** The UDP payload (a view into the file buffer). */
  payload: Uint8Array;
}

/** What the reader found, including what it skipped and why. */
export interface CaptureContents {
  linkType: number;
  records: number;
  datagrams: CapturedDatagram[];
  /** Records that were not UDP over IPv4/IPv6 (ARP, TCP, truncated...), by reason. */
  skipped: Map<string, number>;
}

const LINK_ETHERNET = 1;
const LINK_RAW = 101;
const LINK_LINUX_SLL = 113;

/** Parses a classic pcap file. */
export function readPcap(file: Uint8Array): Decoded<CaptureContents> {
  if (file.length < 24) return fail('not a pcap file: shorter than its 24-byte header');
  const dv = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const magicLE = dv.getUint32(0, true);
  let le: boolean;
  let nanos = false;
  if (magicLE === 0xa1b2c3d4 || magicLE === 0xa1b23c4d) {
    le = true;
    nanos = magicLE === 0xa1b23c4d;
  } else if (dv.getUint32(0, false) === 0xa1b2c3d4 || dv.getUint32(0, false) === 0xa1b23c4d) {
    le = false;
    nanos = dv.getUint32(0, false) === 0xa1b23c4d;
  } else if (magicLE === 0x0a0d0d0a) {
    return fail('pcapng files are not supported: convert with `editcap -F pcap in.pcapng out.pcap`');
  } else {
    return fail('not a pcap file: unknown magic number');
  }
  const linkType = dv.getUint32(20, le) & 0x0fffffff;
  if (linkType !== LINK_ETHERNET && linkType !== LINK_RAW && linkType !== LINK_LINUX_SLL) {
    return fail(`unsupported link type ${linkType} (Ethernet, raw IP and Linux cooked captures are read)`);
  }
  const out: CaptureContents = { linkType, records: 0, datagrams: [], skipped: new Map() };
  const skip = (why: string) => out.skipped.set(why, (out.skipped.get(why) ?? 0) + 1);
  let o = 24;
  while (o + 16 <= file.length) {
    const sec = dv.getUint32(o, le);
    const frac = dv.getUint32(o + 4, le);
    const incl = dv.getUint32(o + 8, le);
    o += 16;
    if (incl > file.length - o) {
      skip('truncated record at end of file');
      break;
    }
    const rec = file.subarray(o, o + incl);
    o += incl;
    const time = sec + frac / (nanos ? 1e9 : 1e6);
    const index = out.records++;
    const ip = linkPayload(rec, linkType);
    if (ip === null) {
      skip('not IP');
      continue;
    }
    const d = udpOf(ip);
    if (typeof d === 'string') {
      skip(d);
      continue;
    }
    out.datagrams.push({ record: index, time, ...d });
  }
  return ok(out);
}

/** The IP packet inside a link-layer record, or null for non-IP (ARP etc.). */
function linkPayload(rec: Uint8Array, linkType: number): Uint8Array | null {
  if (linkType === LINK_RAW) return rec;
  let off: number;
  if (linkType === LINK_ETHERNET) off = 12;
  else off = 14; // Linux cooked v1: 16-byte header, protocol at 14.
  if (rec.length < off + 2) return null;
  let et = (rec[off] << 8) | rec[off + 1];
  off += 2;
  // One 802.1Q tag, as tcpdump on a VLAN trunk would record it.
  if (et === 0x8100 && rec.length >= off + 4) {
    et = (rec[off + 2] << 8) | rec[off + 3];
    off += 4;
  }
  return et === 0x0800 || et === 0x86dd ? rec.subarray(off) : null;
}

type UdpFields = Omit<CapturedDatagram, 'record' | 'time'>;

/** UDP fields of an IPv4/IPv6 packet, or a skip reason. Fragmented outer IP is not reassembled (ZeroTier fragments itself). */
function udpOf(ip: Uint8Array): UdpFields | string {
  if (ip.length < 1) return 'empty IP packet';
  const version = ip[0] >> 4;
  let l4: number;
  let end: number;
  let family: 4 | 6;
  let srcIp: string;
  let dstIp: string;
  if (version === 4) {
    const ihl = (ip[0] & 15) * 4;
    if (ihl < 20 || ip.length < ihl) return 'truncated IPv4 header';
    if (ip[9] !== 17) return 'not UDP';
    if (((ip[6] & 0x1f) | ip[7]) !== 0 || ip[6] & 0x20) return 'fragmented outer IPv4';
    end = Math.min(ip.length, (ip[2] << 8) | ip[3]);
    l4 = ihl;
    family = 4;
    srcIp = formatIp(ip.subarray(12, 16));
    dstIp = formatIp(ip.subarray(16, 20));
  } else if (version === 6) {
    if (ip.length < 40) return 'truncated IPv6 header';
    if (ip[6] !== 17) return 'not UDP (or IPv6 extension headers)';
    end = Math.min(ip.length, 40 + ((ip[4] << 8) | ip[5]));
    l4 = 40;
    family = 6;
    srcIp = formatIp(ip.subarray(8, 24));
    dstIp = formatIp(ip.subarray(24, 40));
  } else {
    return 'unknown IP version';
  }
  if (end - l4 < 8) return 'truncated UDP header';
  const udpLen = (ip[l4 + 4] << 8) | ip[l4 + 5];
  const payloadEnd = Math.min(end, l4 + Math.max(8, udpLen));
  return {
    family,
    srcIp,
    srcPort: (ip[l4] << 8) | ip[l4 + 1],
    dstIp,
    dstPort: (ip[l4 + 2] << 8) | ip[l4 + 3],
    payload: ip.subarray(l4 + 8, payloadEnd),
  };
}
