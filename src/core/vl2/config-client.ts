/**
 * The member side of network configuration (protocol.md §6.12, §6.13, §9.9, §1.2):
 * - the NETWORK_CONFIG_REQUEST payload (1.14 metadata, held revision/timestamp);
 * - how ERRORs in re a config request map to a network status (§6.3);
 * - the config a controller-less ad-hoc network gives itself (§1.2);
 * - the ECHO-labelled acknowledgement of a pushed config (§6.4 quirk).
 * @module
 */

import { adHocIpv4Address, decodeAdHocNetworkId, sixPlaneInet } from '../../protocol/address.ts';
import { emptyNetworkConfig, NetconfFlag, type NetworkConfig, NetworkType } from '../../protocol/netconf.ts';
import { defaultRequestMetadata, encodeRequestMetadata } from '../../protocol/netconf-metadata.ts';
import { encodeNetworkConfigRequest } from '../../protocol/verbs/network-config.ts';
import { ErrorCode, Verb } from '../../protocol/verbs/verb.ts';
import { Writer } from '../../util/result.ts';
import { adHocIpv4Rules, adHocPortRangeRules } from './adhoc-rules.ts';

/** Status of a joined network (the issue-4 statuses). */
export type NetworkStatusName =
  | 'REQUESTING_CONFIGURATION'
  | 'OK'
  | 'ACCESS_DENIED'
  | 'NOT_FOUND'
  | 'CLIENT_TOO_OLD'
  | 'AUTHENTICATION_REQUIRED';

/** §9.9: config request cadence while unconfigured. */
export const CONFIG_REQUEST_RETRY = 5_000;
/** `ZT_NETWORK_AUTOCONF_DELAY` (§9.1): refresh once configured. */
export const NETWORK_AUTOCONF_DELAY = 60_000;
/** Ad-hoc networks' MTU (§1.2). */
export const ADHOC_MTU = 2800;
/** Multicast limit of IPv4 ad-hoc networks (§1.2). */
export const ADHOC_IPV4_MULTICAST_LIMIT = 1024;

/** Default target string sent as metadata `o` (§6.12). */
export const DEFAULT_OS = 'linux/x86_64';

/** Metadata bytes of a 1.14.1 member (§6.12), cached per `os`. */
const metadataCache = new Map<string, Uint8Array>();
function metadataFor(os: string): Uint8Array {
  let m = metadataCache.get(os);
  if (!m) {
    m = encodeRequestMetadata(defaultRequestMetadata(os));
    metadataCache.set(os, m);
  }
  return m;
}

/** The NETWORK_CONFIG_REQUEST payload for `nwid`, quoting the config we hold (§6.12). */
export function configRequestPayload(nwid: bigint, held: NetworkConfig | null, os = DEFAULT_OS): Uint8Array {
  const metadata = metadataFor(os);
  const w = new Writer(26 + metadata.length);
  encodeNetworkConfigRequest(w, {
    nwid,
    metadata,
    revision: BigInt(held?.revision ?? 0),
    timestamp: BigInt.asUintN(64, BigInt(held?.timestamp ?? 0)),
  });
  return w.finish();
}

/**
 * The status an ERROR in re NETWORK_CONFIG_REQUEST means (§6.3, §9.9), or null if the code does
 * not concern the config. Only honoured from the network's controller (the caller checks).
 */
export function statusForConfigError(code: number): NetworkStatusName | null {
  switch (code) {
    case ErrorCode.OBJ_NOT_FOUND:
    case ErrorCode.UNSUPPORTED_OPERATION:
      return 'NOT_FOUND';
    case ErrorCode.NETWORK_ACCESS_DENIED:
      return 'ACCESS_DENIED';
    case ErrorCode.NETWORK_AUTHENTICATION_REQUIRED:
      return 'AUTHENTICATION_REQUIRED';
    case ErrorCode.BAD_PROTOCOL_VERSION:
      return 'CLIENT_TOO_OLD';
    default:
      return null;
  }
}

/**
 * The config an ad-hoc network id synthesizes for member `me` (§1.2), `'NOT_FOUND'` for a
 * port-range id with end < start, or null if `nwid` is not ad-hoc.
 */
export function adHocConfig(nwid: bigint, me: number): NetworkConfig | 'NOT_FOUND' | null {
  const a = decodeAdHocNetworkId(nwid);
  if (!a) return null;
  if (!a.valid) return 'NOT_FOUND';
  const c = emptyNetworkConfig(nwid, me);
  c.type = NetworkType.PUBLIC;
  c.name = a.name;
  c.mtu = ADHOC_MTU;
  c.flags = NetconfFlag.ENABLE_IPV6_NDP_EMULATION;
  c.revision = 1;
  const sixPlane = sixPlaneInet(nwid, me);
  if (a.kind === 'port-range') {
    c.multicastLimit = 0;
    c.staticIps = [sixPlane];
    c.rules = adHocPortRangeRules(a.startPort, a.endPort);
  } else {
    c.multicastLimit = ADHOC_IPV4_MULTICAST_LIMIT;
    c.staticIps = [sixPlane, { family: 4, ip: adHocIpv4Address(a.firstOctet, me), port: 8 }];
    c.rules = adHocIpv4Rules();
    // The hub is added as a plain specialist word (no role bits), as 1.14 does (§1.2).
    if (a.hub !== 0) c.specialists = [BigInt(a.hub)];
  }
  return c;
}

/**
 * The OK a member sends after assembling a pushed NETWORK_CONFIG (§6.13): in-re verb **ECHO**
 * (1.14's quirk, §6.4), in-re the push's packet ID, payload `nwid, updateId`.
 */
export function configPushAckPayload(inRePacketId: bigint, nwid: bigint, updateId: bigint): Uint8Array {
  const w = new Writer(25);
  w.u8(Verb.ECHO).u64(inRePacketId).u64(nwid).u64(updateId);
  return w.finish();
}
