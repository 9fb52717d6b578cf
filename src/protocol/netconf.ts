/**
 * NetworkConfig ⇄ Dictionary (protocol.md §8.2): what a controller sends a member. Keys are
 * written in the order 1.14 writes them; empty credential/list blobs are left out, `DNS` is
 * always written, and the SSO keys follow `ssov`.
 *
 * {@link networkConfigFromDictionary} never throws: a missing network id or issued-to address,
 * a legacy (< 6) version, or a blob that does not parse gives a `fail` with a stable reason.
 * @module
 */

import { type Decoded, fail, ok, Reader, Writer } from '../util/result.ts';
import { Capability } from './credentials/capability.ts';
import { CertificateOfMembership } from './credentials/com.ts';
import { CertificateOfOwnership } from './credentials/coo.ts';
import { Tag } from './credentials/tag.ts';
import { Dictionary, NETCONF_DICT_CAPACITY } from './dictionary.ts';
import { decodeInetAddress, encodeInetAddress, type InetAddress } from './inet-address.ts';
import { decodeRules, encodeRules, MAX_NETWORK_RULES, type Rule } from './rules.ts';

/** Netconf version 1.14 writes (§8.2). */
export const NETCONF_VERSION = 7;
/** Oldest version 1.14 accepts (older = legacy format, compiled out). */
export const NETCONF_MIN_VERSION = 6;
/** Default VL2 MTU and its clamp range (§8.2). */
export const DEFAULT_MTU = 2800;
export const MIN_MTU = 1280;
export const MAX_MTU = 10000;
/** Controller default for `ctmd` (30 min). */
export const DEFAULT_CREDENTIAL_TIME_MAX_DELTA = 1_800_000;

/** Limits (Appendix A). */
export const NETCONF_LIMITS = {
  capabilities: 128,
  tags: 128,
  certificatesOfOwnership: 4,
  specialists: 256,
  routes: 128,
  staticIps: 32,
  rules: MAX_NETWORK_RULES,
  dnsServers: 4,
  nameBytes: 127,
  dnsDomainBytes: 128,
} as const;

/** Netconf `f` flags (§8.2). */
export const NetconfFlag = {
  ENABLE_BROADCAST: 0x2,
  ENABLE_IPV6_NDP_EMULATION: 0x4,
  RULES_RESULT_OF_UNSUPPORTED_MATCH: 0x8,
  DISABLE_COMPRESSION: 0x10,
} as const;

/** Specialist role bits, OR'ed with the 40-bit address in each `S` entry (§8.2). */
export const SpecialistFlag = {
  ACTIVE_BRIDGE: 0x0000020000000000n,
  ANCHOR: 0x0000040000000000n,
  MULTICAST_REPLICATOR: 0x0000080000000000n,
} as const;

/** Network type `t`. */
export const NetworkType = { PRIVATE: 0, PUBLIC: 1 } as const;

/** Dictionary keys (§8.2). */
export const NetconfKey = {
  VERSION: 'v',
  NETWORK_ID: 'nwid',
  TIMESTAMP: 'ts',
  CREDENTIAL_TIME_MAX_DELTA: 'ctmd',
  REVISION: 'r',
  ISSUED_TO: 'id',
  REMOTE_TRACE_TARGET: 'tt',
  REMOTE_TRACE_LEVEL: 'tl',
  FLAGS: 'f',
  MULTICAST_LIMIT: 'ml',
  TYPE: 't',
  NAME: 'n',
  MTU: 'mtu',
  COM: 'C',
  CAPABILITIES: 'CAP',
  TAGS: 'TAG',
  CERTIFICATES_OF_OWNERSHIP: 'COO',
  SPECIALISTS: 'S',
  ROUTES: 'RT',
  STATIC_IPS: 'I',
  RULES: 'R',
  DNS: 'DNS',
  SSO_VERSION: 'ssov',
  SSO_ENABLED: 'ssoe',
  AUTHENTICATION_URL: 'aurl',
  AUTHENTICATION_EXPIRY_TIME: 'aexpt',
  ISSUER_URL: 'iurl',
  CENTRAL_ENDPOINT_URL: 'ssoce',
  NONCE: 'sson',
  STATE: 'ssos',
  CLIENT_ID: 'ssocid',
  SSO_PROVIDER: 'ssop',
} as const;

/** A managed route: `target` (port = prefix bits) via `via` (null = directly on the network). */
export interface NetworkRoute {
  target: InetAddress;
  via: InetAddress | null;
  flags: number;
  metric: number;
}

/** DNS settings pushed by the controller. */
export interface NetworkDns {
  /** Search domain (at most 127 bytes of UTF-8). */
  domain: string;
  /** Up to 4 servers (port unused). */
  servers: InetAddress[];
}

/** A decoded network configuration (§8.2). Field comments give the dictionary key. */
export interface NetworkConfig {
  /** `v` */
  version: number;
  /** `nwid` */
  networkId: bigint;
  /** `ts`: controller clock, ms. */
  timestamp: number;
  /** `ctmd`: credential time max delta, ms. */
  credentialTimeMaxDelta: number;
  /** `r` */
  revision: number;
  /** `id`: the member this config is for. */
  issuedTo: number;
  /** `tt`: remote trace target (0 = none). */
  remoteTraceTarget: number;
  /** `tl` */
  remoteTraceLevel: number;
  /** `f`: {@link NetconfFlag} bits. */
  flags: number;
  /** `ml`: max recipients per multicast (0 disables multicast). */
  multicastLimit: number;
  /** `t`: {@link NetworkType}. */
  type: number;
  /** `n` */
  name: string;
  /** `mtu`, clamped to 1280..10000 on read. */
  mtu: number;
  /** `C` */
  com: CertificateOfMembership | null;
  /** `CAP`, sorted by id. */
  capabilities: Capability[];
  /** `TAG`, sorted by id. */
  tags: Tag[];
  /** `COO` */
  certificatesOfOwnership: CertificateOfOwnership[];
  /** `S`: u64 each, role flags OR'ed with a 40-bit address ({@link SpecialistFlag}). */
  specialists: bigint[];
  /** `RT` */
  routes: NetworkRoute[];
  /** `I`: assigned addresses, port = prefix bits. */
  staticIps: InetAddress[];
  /** `R`: base rules. */
  rules: Rule[];
  /** `DNS` (always written; null reads as an empty domain and no servers). */
  dns: NetworkDns | null;
  /** `ssov` */
  ssoVersion: number;
  /** `ssoe` */
  ssoEnabled: boolean;
  /** `aurl` */
  authenticationUrl: string;
  /** `aexpt` */
  authenticationExpiryTime: number;
  /** `iurl` (SSO v1) */
  issuerUrl: string;
  /** `ssoce` (SSO v1) */
  centralEndpointUrl: string;
  /** `sson` (SSO v1) */
  ssoNonce: string;
  /** `ssos` (SSO v1) */
  ssoState: string;
  /** `ssocid` (SSO v1) */
  ssoClientId: string;
  /** `ssop` (SSO v1; default "default") */
  ssoProvider: string;
}

/** A config with every field at its default, for building one (controllers, tests). */
export function emptyNetworkConfig(networkId: bigint, issuedTo: number): NetworkConfig {
  return {
    version: NETCONF_VERSION,
    networkId,
    timestamp: 0,
    credentialTimeMaxDelta: DEFAULT_CREDENTIAL_TIME_MAX_DELTA,
    revision: 0,
    issuedTo,
    remoteTraceTarget: 0,
    remoteTraceLevel: 0,
    flags: 0,
    multicastLimit: 0,
    type: NetworkType.PRIVATE,
    name: '',
    mtu: DEFAULT_MTU,
    com: null,
    capabilities: [],
    tags: [],
    certificatesOfOwnership: [],
    specialists: [],
    routes: [],
    staticIps: [],
    rules: [],
    dns: null,
    ssoVersion: 0,
    ssoEnabled: false,
    authenticationUrl: '',
    authenticationExpiryTime: 0,
    issuerUrl: '',
    centralEndpointUrl: '',
    ssoNonce: '',
    ssoState: '',
    ssoClientId: '',
    ssoProvider: 'default',
  };
}

const utf8 = new TextDecoder('utf-8', { fatal: false });
const utf8enc = new TextEncoder();

/** At most `max` bytes of `s`'s UTF-8 as a string (the reference reads into fixed char buffers). */
function clipString(bytes: Uint8Array | undefined, max: number): string {
  if (bytes === undefined) return '';
  let end = bytes.indexOf(0);
  if (end < 0) end = bytes.length;
  return utf8.decode(bytes.subarray(0, Math.min(end, max)));
}

/** Reads back-to-back credentials until the blob ends, keeping at most `max`. */
function readAll<T>(
  blob: Uint8Array | undefined,
  max: number,
  decode: (r: Reader) => Decoded<T>,
): Decoded<T[]> {
  const out: T[] = [];
  if (blob === undefined) return ok(out);
  const r = new Reader(blob);
  while (r.remaining > 0 && out.length < max) {
    const d = decode(r);
    if (!d.ok) return d;
    out.push(d.value);
  }
  return ok(out);
}

function readInets(r: Reader, max: number): Decoded<InetAddress[]> {
  const out: InetAddress[] = [];
  while (r.remaining > 0 && out.length < max) {
    const a = decodeInetAddress(r);
    if (!a.ok) return a;
    if (a.value !== null) out.push(a.value);
  }
  return ok(out);
}

function readRoutes(blob: Uint8Array | undefined): Decoded<NetworkRoute[]> {
  const out: NetworkRoute[] = [];
  if (blob === undefined) return ok(out);
  const r = new Reader(blob);
  while (r.remaining > 0 && out.length < NETCONF_LIMITS.routes) {
    const target = decodeInetAddress(r);
    if (!target.ok) return target;
    const via = decodeInetAddress(r);
    if (!via.ok) return via;
    const flags = r.u16();
    const metric = r.u16();
    if (r.overrun) return fail('truncated');
    if (target.value === null) continue; // nothing to route
    out.push({ target: target.value, via: via.value, flags, metric });
  }
  return ok(out);
}

function readDns(blob: Uint8Array | undefined): Decoded<NetworkDns | null> {
  if (blob === undefined) return ok(null);
  const r = new Reader(blob);
  const domain = clipString(r.bytes(NETCONF_LIMITS.dnsDomainBytes), NETCONF_LIMITS.dnsDomainBytes - 1);
  if (r.overrun) return fail('truncated');
  const servers: InetAddress[] = [];
  for (let i = 0; i < NETCONF_LIMITS.dnsServers && r.remaining > 0; i++) {
    const a = decodeInetAddress(r);
    if (!a.ok) return a;
    if (a.value !== null) servers.push(a.value);
  }
  return ok({ domain, servers });
}

/**
 * Reads a NetworkConfig from a netconf dictionary (§8.2). Reasons: `version-too-old`,
 * `no-network-id`, `no-issued-to`, and `bad-<key>:<reason>` for a blob that does not parse.
 */
export function networkConfigFromDictionary(d: Dictionary): Decoded<NetworkConfig> {
  const K = NetconfKey;
  const version = d.getNumber(K.VERSION, 0);
  if (version < NETCONF_MIN_VERSION) return fail('version-too-old');
  const networkId = d.getU64(K.NETWORK_ID, 0n);
  if (networkId === 0n) return fail('no-network-id');
  const issuedTo = d.getAddress(K.ISSUED_TO, 0);
  if (issuedTo === 0) return fail('no-issued-to');
  const c = emptyNetworkConfig(networkId, issuedTo);
  c.version = version;
  c.timestamp = Number(d.getI64(K.TIMESTAMP, 0n));
  c.credentialTimeMaxDelta = Number(d.getI64(K.CREDENTIAL_TIME_MAX_DELTA, 0n));
  c.revision = d.getNumber(K.REVISION, 0);
  c.remoteTraceTarget = d.getAddress(K.REMOTE_TRACE_TARGET, 0);
  c.remoteTraceLevel = d.getNumber(K.REMOTE_TRACE_LEVEL, 0);
  c.flags = d.getNumber(K.FLAGS, 0);
  c.multicastLimit = d.getNumber(K.MULTICAST_LIMIT, 0);
  c.type = d.getNumber(K.TYPE, NetworkType.PRIVATE);
  c.name = clipString(d.getBytes(K.NAME), NETCONF_LIMITS.nameBytes);
  c.mtu = Math.max(MIN_MTU, Math.min(MAX_MTU, d.getNumber(K.MTU, DEFAULT_MTU)));

  const comBytes = d.getBytes(K.COM);
  if (comBytes !== undefined && comBytes.length > 0) {
    const com = CertificateOfMembership.decode(new Reader(comBytes));
    if (!com.ok) return fail(`bad-C:${com.reason}`);
    c.com = com.value;
  }
  const caps = readAll(d.getBytes(K.CAPABILITIES), NETCONF_LIMITS.capabilities, Capability.decode);
  if (!caps.ok) return fail(`bad-CAP:${caps.reason}`);
  c.capabilities = caps.value.sort((a, b) => a.id - b.id);
  const tags = readAll(d.getBytes(K.TAGS), NETCONF_LIMITS.tags, Tag.decode);
  if (!tags.ok) return fail(`bad-TAG:${tags.reason}`);
  c.tags = tags.value.sort((a, b) => a.id - b.id);
  const coos = readAll(
    d.getBytes(K.CERTIFICATES_OF_OWNERSHIP),
    NETCONF_LIMITS.certificatesOfOwnership,
    CertificateOfOwnership.decode,
  );
  if (!coos.ok) return fail(`bad-COO:${coos.reason}`);
  c.certificatesOfOwnership = coos.value;

  const s = d.getBytes(K.SPECIALISTS);
  if (s !== undefined) {
    const r = new Reader(s);
    while (r.remaining >= 8 && c.specialists.length < NETCONF_LIMITS.specialists) c.specialists.push(r.u64());
  }
  const routes = readRoutes(d.getBytes(K.ROUTES));
  if (!routes.ok) return fail(`bad-RT:${routes.reason}`);
  c.routes = routes.value;
  const ipBlob = d.getBytes(K.STATIC_IPS);
  if (ipBlob !== undefined) {
    const ips = readInets(new Reader(ipBlob), NETCONF_LIMITS.staticIps);
    if (!ips.ok) return fail(`bad-I:${ips.reason}`);
    c.staticIps = ips.value;
  }
  const rulesBlob = d.getBytes(K.RULES);
  if (rulesBlob !== undefined) {
    const rules = decodeRules(rulesBlob, NETCONF_LIMITS.rules);
    if (!rules.ok) return fail(`bad-R:${rules.reason}`);
    c.rules = rules.value;
  }
  const dns = readDns(d.getBytes(K.DNS));
  if (!dns.ok) return fail(`bad-DNS:${dns.reason}`);
  c.dns = dns.value;

  c.ssoVersion = d.getNumber(K.SSO_VERSION, 0);
  c.ssoEnabled = d.getBool(K.SSO_ENABLED, false);
  c.authenticationUrl = d.getString(K.AUTHENTICATION_URL, '');
  c.authenticationExpiryTime = d.getNumber(K.AUTHENTICATION_EXPIRY_TIME, 0);
  c.issuerUrl = d.getString(K.ISSUER_URL, '');
  c.centralEndpointUrl = d.getString(K.CENTRAL_ENDPOINT_URL, '');
  c.ssoNonce = d.getString(K.NONCE, '');
  c.ssoState = d.getString(K.STATE, '');
  c.ssoClientId = d.getString(K.CLIENT_ID, '');
  c.ssoProvider = d.getString(K.SSO_PROVIDER, 'default');
  return ok(c);
}

/** Parses netconf dictionary bytes straight to a NetworkConfig. */
export function decodeNetworkConfig(bytes: Uint8Array): Decoded<NetworkConfig> {
  const d = Dictionary.decode(bytes, NETCONF_DICT_CAPACITY);
  if (!d.ok) return d;
  return networkConfigFromDictionary(d.value);
}

function blob(items: readonly { encode(w: Writer): void }[]): Uint8Array {
  const w = new Writer(256);
  for (const x of items) x.encode(w);
  return w.finish();
}

/**
 * Writes `c` as the reference's `toDictionary` does (§8.2 order). Throws RangeError if the
 * result would exceed the netconf capacity or a list is over its limit (API misuse).
 */
export function networkConfigToDictionary(c: NetworkConfig): Dictionary {
  const K = NetconfKey;
  const L = NETCONF_LIMITS;
  if (c.capabilities.length > L.capabilities) throw new RangeError('NetworkConfig: too many capabilities');
  if (c.tags.length > L.tags) throw new RangeError('NetworkConfig: too many tags');
  if (c.certificatesOfOwnership.length > L.certificatesOfOwnership)
    throw new RangeError('NetworkConfig: too many COOs');
  if (c.specialists.length > L.specialists) throw new RangeError('NetworkConfig: too many specialists');
  if (c.routes.length > L.routes) throw new RangeError('NetworkConfig: too many routes');
  if (c.staticIps.length > L.staticIps) throw new RangeError('NetworkConfig: too many static IPs');
  if (c.rules.length > L.rules) throw new RangeError('NetworkConfig: too many rules');
  if (c.dns !== null && c.dns.servers.length > L.dnsServers)
    throw new RangeError('NetworkConfig: too many DNS servers');

  const d = new Dictionary(NETCONF_DICT_CAPACITY);
  const put = (fine: boolean) => {
    if (!fine) throw new RangeError('NetworkConfig: dictionary capacity exceeded');
  };
  put(d.setU64(K.VERSION, c.version));
  put(d.setU64(K.NETWORK_ID, c.networkId));
  put(d.setI64(K.TIMESTAMP, c.timestamp));
  put(d.setI64(K.CREDENTIAL_TIME_MAX_DELTA, c.credentialTimeMaxDelta));
  put(d.setU64(K.REVISION, c.revision));
  put(d.setAddress(K.ISSUED_TO, c.issuedTo));
  put(d.setAddress(K.REMOTE_TRACE_TARGET, c.remoteTraceTarget));
  put(d.setU64(K.REMOTE_TRACE_LEVEL, c.remoteTraceLevel));
  put(d.setU64(K.FLAGS, c.flags));
  put(d.setU64(K.MULTICAST_LIMIT, c.multicastLimit));
  put(d.setU64(K.TYPE, c.type));
  put(d.setBytes(K.NAME, utf8enc.encode(c.name).subarray(0, L.nameBytes)));
  put(d.setU64(K.MTU, c.mtu));

  if (c.com !== null) put(d.setBytes(K.COM, c.com.toBytes()));
  if (c.capabilities.length > 0) put(d.setBytes(K.CAPABILITIES, blob(c.capabilities)));
  if (c.tags.length > 0) put(d.setBytes(K.TAGS, blob(c.tags)));
  if (c.certificatesOfOwnership.length > 0)
    put(d.setBytes(K.CERTIFICATES_OF_OWNERSHIP, blob(c.certificatesOfOwnership)));
  if (c.specialists.length > 0) {
    const w = new Writer(8 * c.specialists.length);
    for (const s of c.specialists) w.u64(s);
    put(d.setBytes(K.SPECIALISTS, w.finish()));
  }
  if (c.routes.length > 0) {
    const w = new Writer(64);
    for (const rt of c.routes) {
      encodeInetAddress(w, rt.target);
      encodeInetAddress(w, rt.via);
      w.u16(rt.flags).u16(rt.metric);
    }
    put(d.setBytes(K.ROUTES, w.finish()));
  }
  if (c.staticIps.length > 0) {
    const w = new Writer(64);
    for (const ip of c.staticIps) encodeInetAddress(w, ip);
    put(d.setBytes(K.STATIC_IPS, w.finish()));
  }
  if (c.rules.length > 0) put(d.setBytes(K.RULES, encodeRules(c.rules)));
  {
    // DNS is always written: domain[128] NUL padded, then exactly 4 InetAddresses (null = unused).
    const w = new Writer(L.dnsDomainBytes + 4 * 19);
    const domain = new Uint8Array(L.dnsDomainBytes);
    domain.set(utf8enc.encode(c.dns?.domain ?? '').subarray(0, L.dnsDomainBytes - 1));
    w.bytes(domain);
    for (let i = 0; i < L.dnsServers; i++) encodeInetAddress(w, c.dns?.servers[i] ?? null);
    put(d.setBytes(K.DNS, w.finish()));
  }
  put(d.setU64(K.SSO_VERSION, c.ssoVersion));
  put(d.setBool(K.SSO_ENABLED, c.ssoEnabled));
  if (c.ssoVersion === 0) {
    if (c.ssoEnabled) {
      put(d.setString(K.AUTHENTICATION_URL, c.authenticationUrl));
      put(d.setU64(K.AUTHENTICATION_EXPIRY_TIME, c.authenticationExpiryTime));
    }
  } else if (c.ssoVersion === 1) {
    put(d.setString(K.AUTHENTICATION_URL, c.authenticationUrl));
    put(d.setU64(K.AUTHENTICATION_EXPIRY_TIME, c.authenticationExpiryTime));
    put(d.setString(K.ISSUER_URL, c.issuerUrl));
    put(d.setString(K.CENTRAL_ENDPOINT_URL, c.centralEndpointUrl));
    put(d.setString(K.NONCE, c.ssoNonce));
    put(d.setString(K.STATE, c.ssoState));
    put(d.setString(K.CLIENT_ID, c.ssoClientId));
    put(d.setString(K.SSO_PROVIDER, c.ssoProvider));
  }
  return d;
}

/** The netconf dictionary bytes of `c`. */
export function encodeNetworkConfig(c: NetworkConfig): Uint8Array {
  return networkConfigToDictionary(c).encode();
}

const ADDRESS_MASK = 0xffffffffffn;

/** Addresses of the specialists that have role `flag` ({@link SpecialistFlag}), in config order. */
export function specialistsWith(c: NetworkConfig, flag: bigint): number[] {
  const out: number[] = [];
  for (const s of c.specialists) if ((s & flag) !== 0n) out.push(Number(s & ADDRESS_MASK));
  return out;
}

/** True if `address` is an active bridge on this network (may send frames from other MACs, §9.10). */
export function isActiveBridge(c: NetworkConfig, address: number): boolean {
  return specialistsWith(c, SpecialistFlag.ACTIVE_BRIDGE).includes(address);
}

/** Our tag with id `id` (tags are sorted by id), or undefined. */
export function configTag(c: NetworkConfig, id: number): Tag | undefined {
  let lo = 0;
  let hi = c.tags.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const t = c.tags[mid];
    if (t.id === id) return t;
    if (t.id < id) lo = mid + 1;
    else hi = mid - 1;
  }
  return undefined;
}

/** True if `f` has {@link NetconfFlag.ENABLE_BROADCAST}. */
export function broadcastEnabled(c: NetworkConfig): boolean {
  return (c.flags & NetconfFlag.ENABLE_BROADCAST) !== 0;
}

/** True if `f` has {@link NetconfFlag.ENABLE_IPV6_NDP_EMULATION} (§9.11). */
export function ndpEmulationEnabled(c: NetworkConfig): boolean {
  return (c.flags & NetconfFlag.ENABLE_IPV6_NDP_EMULATION) !== 0;
}
