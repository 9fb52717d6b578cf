/**
 * The `inspect` pipeline: UDP datagrams from a capture → fragment reassembly → the right
 * per-peer key → dearmor (MAC check) → decompression → verb decoding → one record per
 * ZeroTier packet. Keys come from the secret identities the user gives and the public
 * identities learned on the way (HELLO carries its sender's identity in clear, OK(WHOIS)
 * returns identities). A packet whose key is unknown, or whose MAC fails, is still reported,
 * marked unauthenticated: nothing is dropped silently.
 * @module
 */
import { formatAddress, formatNetworkId, macForAddress, macToBytes } from '../../protocol/address.ts';
import { cryptField, dearmor, SymmetricKey } from '../../protocol/armor.ts';
import { isFragment, Reassembler } from '../../protocol/fragment.ts';
import type { Identity } from '../../protocol/identity.ts';
import { lz4Decompress } from '../../protocol/lz4.ts';
import { PacketView, PKT_PAYLOAD } from '../../protocol/packet.ts';
import { decodeExtFrame, decodeFrame } from '../../protocol/verbs/frame.ts';
import { decodeHello, helloCryptFieldStart } from '../../protocol/verbs/hello.ts';
import { decodeMulticastFrame } from '../../protocol/verbs/multicast.ts';
import { decodeOk } from '../../protocol/verbs/ok.ts';
import { summarize } from '../../protocol/verbs/summarize.ts';
import { Verb, verbName } from '../../protocol/verbs/verb.ts';
import { toHex } from '../../util/bytes.ts';
import { type FrameSummary, summarizeFrame } from './frame-summary.ts';
import type { CapturedDatagram } from './pcap.ts';

/** One ZeroTier packet as `inspect` reports it. */
export interface InspectedPacket {
  /** Capture time of the datagram that completed the packet (seconds). */
  time: number;
  physSrc: string;
  physDst: string;
  /** ZeroTier source and destination addresses (10 hex digits). */
  src: string;
  dst: string;
  packetId: string;
  hops: number;
  cipher: number;
  /** True when the MAC verified with the key of (src, dst). */
  authenticated: boolean;
  /** Why it is not authenticated: `no-key` (neither side's secret is known) or `mac-failed`. */
  authError?: 'no-key' | 'mac-failed';
  /** Datagrams the packet came in (1 when not fragmented). */
  fragments: number;
  /** Verb name (e.g. `EXT_FRAME`), or `unknown(N)`; `?` when it could not be decrypted. */
  verb: string;
  compressed: boolean;
  /** Readable summary of the payload. */
  summary: string;
  /** For FRAME / EXT_FRAME / MULTICAST_FRAME. */
  networkId?: string;
  ethertype?: number;
  frame?: FrameSummary;
  /** The whole Ethernet frame (header + payload) as hex. */
  frameHex?: string;
  /** The decoded payload (after decryption and decompression). */
  payload?: Uint8Array;
}

/** Totals reported at the end of an inspection. */
export interface InspectStats {
  datagrams: number;
  packets: number;
  authenticated: number;
  macFailures: number;
  noKey: number;
  unknownVerbs: number;
  /** Datagrams that were neither a packet nor a fragment, or fragments never completed. */
  notZeroTier: number;
  incompleteFragments: number;
}

/** Decodes captured datagrams into ZeroTier packets. Stateful: learns identities as it goes. */
export class Inspector {
  readonly stats: InspectStats = {
    datagrams: 0,
    packets: 0,
    authenticated: 0,
    macFailures: 0,
    noKey: 0,
    unknownVerbs: 0,
    notZeroTier: 0,
    incompleteFragments: 0,
  };
  private readonly secrets = new Map<number, Identity>();
  private readonly publics = new Map<number, Identity>();
  private readonly keys = new Map<string, SymmetricKey | null>();
  private readonly reassembler = new Reassembler({ slots: 1024, timeoutMs: 30_000 });
  /** Datagrams seen per packet id (for the `fragments` count). */
  private readonly pieces = new Map<bigint, number>();

  constructor(identities: Identity[]) {
    for (const id of identities) this.learn(id);
  }

  /** Adds an identity (secret ones unlock every packet to or from them). */
  learn(id: Identity): void {
    if (id.hasPrivate) this.secrets.set(id.address, id);
    if (!this.publics.has(id.address)) this.publics.set(id.address, id.publicOnly());
  }

  /** Feeds one datagram; returns the packet it completes, if any. */
  push(d: CapturedDatagram): InspectedPacket | null {
    this.stats.datagrams++;
    const data = d.payload;
    const frag = isFragment(data);
    if (!frag && data.length < 28) {
      this.stats.notZeroTier++;
      return null;
    }
    // Key fragments and heads by packet id (bytes 0..7, identical in every piece, §3.3).
    const pid = data.length >= 8 ? new DataView(data.buffer, data.byteOffset, 8).getBigUint64(0) : 0n;
    this.pieces.set(pid, (this.pieces.get(pid) ?? 0) + 1);
    const now = d.time * 1000;
    const r = this.reassembler.receive(Uint8Array.from(data), now);
    if (r.kind !== 'complete') {
      if (r.kind === 'dropped') this.stats.notZeroTier++;
      return null;
    }
    const fragments = this.pieces.get(pid) ?? 1;
    this.pieces.delete(pid);
    return this.decodePacket(r.packet, d, fragments);
  }

  /** Call after the last datagram: counts fragments that never completed. */
  finish(): void {
    this.stats.incompleteFragments += this.reassembler.pending;
  }

  private keyFor(a: number, b: number): SymmetricKey | null {
    const k = a < b ? `${a}:${b}` : `${b}:${a}`;
    const cached = this.keys.get(k);
    if (cached) return cached;
    let raw: Uint8Array | null = null;
    const sa = this.secrets.get(a);
    const sb = this.secrets.get(b);
    const pa = this.publics.get(a);
    const pb = this.publics.get(b);
    if (sa && pb) raw = sa.agree(pb);
    else if (sb && pa) raw = sb.agree(pa);
    if (!raw) return null;
    const key = new SymmetricKey(raw);
    this.keys.set(k, key);
    return key;
  }

  private decodePacket(packet: Uint8Array, d: CapturedDatagram, fragments: number): InspectedPacket {
    this.stats.packets++;
    const v = PacketView.wrap(packet);
    const src = v.source;
    const dst = v.destination;
    const out: InspectedPacket = {
      time: d.time,
      physSrc: `${d.srcIp}/${d.srcPort}`,
      physDst: `${d.dstIp}/${d.dstPort}`,
      src: formatAddress(src),
      dst: formatAddress(dst),
      packetId: toHex(packet, 0, 8),
      hops: v.hops,
      cipher: v.cipher,
      authenticated: false,
      fragments,
      verb: '?',
      compressed: false,
      summary: '',
    };
    // A HELLO names its sender's identity in clear (cipher 0): learn it before picking the key (§6.2).
    if (v.cipher === 0 && (v.verbByte & 0x1f) === Verb.HELLO) {
      const h = decodeHello(packet.subarray(PKT_PAYLOAD));
      if (h.ok && h.value.identity.address === src && !this.publics.has(src)) this.learn(h.value.identity);
    }
    const key = this.keyFor(src, dst);
    if (!key) {
      this.stats.noKey++;
      out.authError = 'no-key';
      out.summary = 'cannot authenticate: no secret identity for either end';
      return out;
    }
    if (!dearmor(packet, key)) {
      this.stats.macFailures++;
      out.authError = 'mac-failed';
      out.summary = 'MAC check FAILED';
      return out;
    }
    this.stats.authenticated++;
    out.authenticated = true;
    const verb = v.verb;
    out.verb = verbName(verb);
    out.compressed = v.compressed;
    let payload = packet.subarray(PKT_PAYLOAD);
    if (verb === Verb.HELLO) {
      const start = helloCryptFieldStart(payload);
      if (start !== null && start < payload.length) {
        cryptField(key, packet, PKT_PAYLOAD + start, payload.length - start);
      }
    }
    if (out.compressed) {
      const dec = lz4Decompress(payload);
      if (!dec.ok) {
        out.summary = `compressed payload does not decompress (${dec.reason})`;
        return out;
      }
      payload = dec.value;
    }
    out.payload = payload;
    if (out.verb.startsWith('unknown')) this.stats.unknownVerbs++;
    out.summary = summarize(verb, payload);
    if (verb === Verb.OK) {
      const ok = decodeOk(payload);
      if (ok.ok && ok.value.kind === 'WHOIS') for (const id of ok.value.body.identities) this.learn(id);
    }
    this.addFrame(out, verb, payload, src, dst);
    return out;
  }

  /** Fills the Ethernet fields of frame-carrying verbs. */
  private addFrame(out: InspectedPacket, verb: number, payload: Uint8Array, src: number, dst: number): void {
    let nwid: bigint;
    let dstMac: Uint8Array;
    let srcMac: Uint8Array;
    let ethertype: number;
    let data: Uint8Array;
    if (verb === Verb.FRAME) {
      const f = decodeFrame(payload);
      if (!f.ok) return;
      nwid = f.value.nwid;
      // FRAME carries no MACs: they are the two ends' derived MACs on that network (§6.7).
      dstMac = macToBytes(macForAddress(dst, nwid));
      srcMac = macToBytes(macForAddress(src, nwid));
      ethertype = f.value.etherType;
      data = f.value.data;
    } else if (verb === Verb.EXT_FRAME) {
      const f = decodeExtFrame(payload);
      if (!f.ok) return;
      nwid = f.value.nwid;
      dstMac = macToBytes(f.value.destMac);
      srcMac = macToBytes(f.value.srcMac);
      ethertype = f.value.etherType;
      data = f.value.data;
    } else if (verb === Verb.MULTICAST_FRAME) {
      const f = decodeMulticastFrame(payload);
      if (!f.ok) return;
      nwid = f.value.nwid;
      dstMac = macToBytes(f.value.group.mac);
      srcMac = macToBytes(f.value.srcMac ?? macForAddress(src, nwid));
      ethertype = f.value.etherType;
      data = f.value.data;
    } else {
      return;
    }
    out.networkId = formatNetworkId(nwid);
    out.ethertype = ethertype;
    out.frame = summarizeFrame(dstMac, srcMac, ethertype, data);
    const eth = new Uint8Array(14 + data.length);
    eth.set(dstMac, 0);
    eth.set(srcMac, 6);
    eth[12] = ethertype >> 8;
    eth[13] = ethertype & 0xff;
    eth.set(data, 14);
    out.frameHex = toHex(eth);
    out.summary = `${out.summary} | ${out.frame.text}`;
  }
}
