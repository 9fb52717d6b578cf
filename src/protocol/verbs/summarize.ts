/**
 * One-line, human-readable summaries of verb payloads, as printed by `ztsdk inspect`
 * (one line per packet), e.g.
 * `HELLO v12 1.14.1 ts=1700000000123 from 2d1d262d72 to 203.0.113.5/9993 planet 149604618@1644592324813 moons 1`.
 * Malformed payloads print as `NAME <malformed: reason> 12B`; never throws.
 * @module
 */

import { formatAddress, formatMac, formatMulticastGroup, formatNetworkId } from '../address.ts';
import { inetAddressToString } from '../inet-address.ts';
import { decodeVerbPayload, type VerbMessage } from './dispatch.ts';
import { CONFIG_PUSH_ACK_LENGTH, decodeConfigPushAck } from './echo.ts';
import type { ConfigChunk } from './network-config.ts';
import type { Ok } from './ok.ts';
import { errorCodeName, Verb, verbName } from './verb.ts';

const ETHERTYPES: Record<number, string> = { 2048: 'IPv4', 2054: 'ARP', 34525: 'IPv6' };

function ethertype(t: number): string {
  return ETHERTYPES[t] ?? `ethertype=0x${t.toString(16).padStart(4, '0')}`;
}

function hex64(v: bigint): string {
  return v.toString(16).padStart(16, '0');
}

function list<T>(xs: readonly T[], f: (x: T) => string, max = 4): string {
  const shown = xs.slice(0, max).map(f).join(' ');
  return xs.length > max ? `${shown} …+${xs.length - max}` : shown;
}

function chunk(c: ConfigChunk): string {
  const base = `nwid=${formatNetworkId(c.nwid)} ${c.data.length}B`;
  if (!c.meta) return `${base} legacy`;
  const m = c.meta;
  return `${base} at ${m.offset}/${m.totalLength} update=${hex64(m.updateId)}${m.flags & 1 ? ' fast' : ''} sig${m.signatureType}/${m.signature.length}B`;
}

function ok(o: Ok): string {
  const head = `OK(${verbName(o.inReVerb)}) re ${hex64(o.inRePacketId)}`;
  switch (o.kind) {
    case 'HELLO': {
      const b = o.body;
      const src = b.source !== undefined ? ` saw ${inetAddressToString(b.source)}` : '';
      const worlds = b.worlds !== undefined ? ` worlds ${b.worlds.length}B` : '';
      return `${head} ts=${b.timestamp} v${b.protocolVersion} ${b.versionMajor}.${b.versionMinor}.${b.versionRevision}${src}${worlds}`;
    }
    case 'WHOIS':
      return `${head} ${list(o.body.identities, (i) => i.addressString)}`;
    case 'NETWORK_CONFIG_REQUEST':
      return `${head} ${chunk(o.body)}`;
    case 'MULTICAST_GATHER':
      return `${head} nwid=${formatNetworkId(o.body.nwid)} ${formatMulticastGroup(o.body.group)} total ${o.body.totalKnown}: ${list(o.body.members, formatAddress)}`;
    case 'MULTICAST_FRAME': {
      const b = o.body;
      const g = b.gather ? ` total ${b.gather.totalKnown}: ${list(b.gather.members, formatAddress)}` : '';
      return `${head} nwid=${formatNetworkId(b.nwid)} ${formatMulticastGroup(b.group)}${b.com ? ' +com' : ''}${g}`;
    }
    case 'EXT_FRAME':
      return `${head} nwid=${formatNetworkId(o.body.nwid)}`;
    case 'ECHO': {
      if (o.body.length === CONFIG_PUSH_ACK_LENGTH) {
        const a = decodeConfigPushAck(o.body);
        if (a.ok)
          return `${head} ${o.body.length}B (config ack? nwid=${formatNetworkId(a.value.nwid)} update=${hex64(a.value.updateId)})`;
      }
      return `${head} ${o.body.length}B`;
    }
    default:
      return `${head} ${o.body.length}B`;
  }
}

function describe(m: VerbMessage): string {
  switch (m.verb) {
    case Verb.NOP:
      return 'NOP';
    case Verb.HELLO: {
      const h = m.value;
      let s = `HELLO v${h.protocolVersion} ${h.versionMajor}.${h.versionMinor}.${h.versionRevision} ts=${h.timestamp} from ${h.identity.addressString}`;
      if (h.destination !== undefined) s += ` to ${inetAddressToString(h.destination)}`;
      if (h.planetId !== undefined) s += ` planet ${h.planetId}@${h.planetTimestamp}`;
      if (h.moons !== undefined && h.moons.length > 0)
        s += ` moons ${list(h.moons, (x) => `${hex64(x.id)}@${x.timestamp}`)}`;
      return s;
    }
    case Verb.ERROR: {
      const e = m.value;
      let s = `ERROR(${verbName(e.inReVerb)}) re ${hex64(e.inRePacketId)} ${errorCodeName(e.code)}`;
      if (e.nwid !== undefined) s += ` nwid=${formatNetworkId(e.nwid)}`;
      if (e.group) s += ` ${formatMulticastGroup(e.group)}`;
      if (e.authInfo) s += ` auth-info ${e.authInfo.length}B`;
      return s;
    }
    case Verb.OK:
      return ok(m.value);
    case Verb.WHOIS:
      return `WHOIS ${list(m.value.addresses, formatAddress)}`;
    case Verb.RENDEZVOUS:
      return `RENDEZVOUS ${formatAddress(m.value.address)} at ${inetAddressToString(m.value.peer)}`;
    case Verb.FRAME:
      return `FRAME nwid=${formatNetworkId(m.value.nwid)} ${ethertype(m.value.etherType)} ${m.value.data.length}B`;
    case Verb.EXT_FRAME: {
      const f = m.value;
      return `EXT_FRAME nwid=${formatNetworkId(f.nwid)} flags=0x${f.flags.toString(16)} ${formatMac(f.srcMac)} > ${formatMac(f.destMac)} ${ethertype(f.etherType)} ${f.data.length}B${f.com ? ' +com' : ''}`;
    }
    case Verb.ECHO:
      return `ECHO ${m.value.data.length}B`;
    case Verb.MULTICAST_LIKE: {
      const subs = m.value.subscriptions;
      const nwids = new Set(subs.map((s) => s.nwid));
      if (nwids.size === 1)
        return `MULTICAST_LIKE nwid=${formatNetworkId(subs[0].nwid)} ${subs.length} group${subs.length > 1 ? 's' : ''}: ${list(subs, (s) => formatMulticastGroup(s.group), 3)}`;
      return `MULTICAST_LIKE ${subs.length} groups: ${list(subs, (s) => `${formatNetworkId(s.nwid)} ${formatMulticastGroup(s.group)}`, 3)}`;
    }
    case Verb.NETWORK_CREDENTIALS: {
      const c = m.value;
      return `NETWORK_CREDENTIALS com ${c.coms.length} cap ${c.capabilities?.length ?? 0} tag ${c.tags?.length ?? 0} rev ${c.revocations?.length ?? 0} coo ${c.coos?.length ?? 0}`;
    }
    case Verb.NETWORK_CONFIG_REQUEST: {
      const q = m.value;
      const held = q.revision !== undefined ? ` rev=${q.revision} ts=${q.timestamp}` : '';
      return `NETWORK_CONFIG_REQUEST nwid=${formatNetworkId(q.nwid)} meta ${q.metadata.length}B${held}`;
    }
    case Verb.NETWORK_CONFIG:
      return `NETWORK_CONFIG ${chunk(m.value)}`;
    case Verb.MULTICAST_GATHER: {
      const g = m.value;
      return `MULTICAST_GATHER nwid=${formatNetworkId(g.nwid)} ${formatMulticastGroup(g.group)} limit ${g.limit}${g.com ? ' +com' : ''}`;
    }
    case Verb.MULTICAST_FRAME: {
      const f = m.value;
      const src = f.srcMac !== undefined ? ` from ${formatMac(f.srcMac)}` : '';
      const gl = f.gatherLimit !== undefined ? ` gather ${f.gatherLimit}` : '';
      return `MULTICAST_FRAME nwid=${formatNetworkId(f.nwid)} flags=0x${f.flags.toString(16)}${src} to ${formatMulticastGroup(f.group)} ${ethertype(f.etherType)} ${f.data.length}B${gl}${f.com ? ' +com' : ''}`;
    }
    case Verb.PUSH_DIRECT_PATHS:
      return `PUSH_DIRECT_PATHS ${m.value.paths.length}: ${list(m.value.paths, (p) => (p.address ? inetAddressToString(p.address) : `type${p.unknown?.type}`))}`;
    case Verb.ACK:
      return `ACK ${m.value.bytesReceived}B`;
    case Verb.QOS_MEASUREMENT:
      return `QOS_MEASUREMENT ${m.value.records.length} records`;
    case Verb.USER_MESSAGE:
      return `USER_MESSAGE type=${m.value.typeId} ${m.value.data.length}B`;
    case Verb.REMOTE_TRACE:
      return `REMOTE_TRACE ${m.value.dictionaries.length} dict ${m.value.dictionaries.reduce((n, d) => n + d.length, 0)}B`;
    case Verb.PATH_NEGOTIATION_REQUEST:
      return `PATH_NEGOTIATION_REQUEST utility ${m.value.utility}`;
    default:
      return `${verbName(m.number)} ${m.value.length}B`;
  }
}

/**
 * One readable line for a payload of `verb` (low 5 bits of byte 27; pass the payload
 * after dearmor/decompression). For HELLO, the moon list is meaningful only after the
 * cryptField region was decrypted.
 */
export function summarize(verb: number, payload: Uint8Array): string {
  const d = decodeVerbPayload(verb & 0x1f, payload);
  if (!d.ok) return `${verbName(verb & 0x1f)} <malformed: ${d.reason}> ${payload.length}B`;
  return describe(d.value);
}
