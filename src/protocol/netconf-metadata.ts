/**
 * The two small dictionaries around a netconf exchange (protocol.md §8.1):
 * - the *request metadata* a member sends in NETWORK_CONFIG_REQUEST (§6.12), telling the
 *   controller what it supports (netconf version, software version, rule limits, OS);
 * - the *auth info* a controller sends in ERROR NETWORK_AUTHENTICATION_REQUIRED (§6.3 code 0x09,
 *   keys in §8.2) when the network needs SSO.
 * @module
 */

import type { Decoded } from '../util/result.ts';
import { fail, ok } from '../util/result.ts';
import { Dictionary, META_DICT_CAPACITY } from './dictionary.ts';

/** What a member tells the controller about itself (§6.12). Field comments give the key. */
export interface RequestMetadata {
  /** `v`: netconf version understood (7). */
  netconfVersion: number;
  /** `vend`: vendor (1 = ZeroTier). */
  vendor: number;
  /** `pv`: protocol version (12). */
  protocolVersion: number;
  /** `majv`, `minv`, `revv`: software version (1.14.1). */
  majorVersion: number;
  minorVersion: number;
  revision: number;
  /** `mr`: max rules accepted (1024). */
  maxRules: number;
  /** `mc`: max capabilities (128). */
  maxCapabilities: number;
  /** `mcr`: max rules per capability (64). */
  maxCapabilityRules: number;
  /** `mt`: max tags (128). */
  maxTags: number;
  /** `f`: flags (0). */
  flags: number;
  /** `revr`: rules engine revision (1; controllers give nodes reporting ≤ 0 a single ACCEPT rule, §8.8). */
  rulesEngineRevision: number;
  /** `o`: target string such as `linux/x86_64`. */
  os: string;
  /** `a`: optional controller auth token, `token:<secret>`. */
  authToken?: string;
}

/** What 1.14.1 sends (§6.12), with `os` left to the caller. */
export function defaultRequestMetadata(os: string): RequestMetadata {
  return {
    netconfVersion: 7,
    vendor: 1,
    protocolVersion: 12,
    majorVersion: 1,
    minorVersion: 14,
    revision: 1,
    maxRules: 1024,
    maxCapabilities: 128,
    maxCapabilityRules: 64,
    maxTags: 128,
    flags: 0,
    rulesEngineRevision: 1,
    os,
  };
}

/**
 * The metadata dictionary bytes, keys in 1.14's order (§6.12). Throws RangeError if it would not
 * fit in the 1024-byte metadata capacity (a very long `os` or token: API misuse).
 */
export function encodeRequestMetadata(m: RequestMetadata): Uint8Array {
  const d = new Dictionary(META_DICT_CAPACITY);
  const fits = [
    d.setU64('v', m.netconfVersion),
    d.setU64('vend', m.vendor),
    d.setU64('pv', m.protocolVersion),
    d.setU64('majv', m.majorVersion),
    d.setU64('minv', m.minorVersion),
    d.setU64('revv', m.revision),
    d.setU64('mr', m.maxRules),
    d.setU64('mc', m.maxCapabilities),
    d.setU64('mcr', m.maxCapabilityRules),
    d.setU64('mt', m.maxTags),
    d.setU64('f', m.flags),
    d.setU64('revr', m.rulesEngineRevision),
    d.setString('o', m.os),
    m.authToken === undefined || d.setString('a', m.authToken),
  ];
  if (fits.includes(false))
    throw new RangeError('encodeRequestMetadata: exceeds the 1024-byte metadata capacity');
  return d.encode();
}

/** Reads request metadata (controller side). Absent keys read as 0 / empty; never throws. */
export function decodeRequestMetadata(bytes: Uint8Array): Decoded<RequestMetadata> {
  const dd = Dictionary.decode(bytes, META_DICT_CAPACITY);
  if (!dd.ok) return dd;
  const d = dd.value;
  const m: RequestMetadata = {
    netconfVersion: d.getNumber('v'),
    vendor: d.getNumber('vend'),
    protocolVersion: d.getNumber('pv'),
    majorVersion: d.getNumber('majv'),
    minorVersion: d.getNumber('minv'),
    revision: d.getNumber('revv'),
    maxRules: d.getNumber('mr'),
    maxCapabilities: d.getNumber('mc'),
    maxCapabilityRules: d.getNumber('mcr'),
    maxTags: d.getNumber('mt'),
    flags: d.getNumber('f'),
    rulesEngineRevision: Number(d.getI64('revr')),
    os: d.getString('o'),
  };
  if (d.has('a')) m.authToken = d.getString('a');
  return ok(m);
}

/** SSO details a controller sends with ERROR NETWORK_AUTHENTICATION_REQUIRED (§8.2 auth keys). */
export interface AuthInfo {
  /** `aV`: 0 (plain URL) or 1 (OIDC). */
  version: number;
  /** `aU`: authentication URL (v0). */
  authenticationUrl: string;
  /** `iU`: issuer URL (v1). */
  issuerUrl: string;
  /** `aCU`: central endpoint URL (v1). */
  centralEndpointUrl: string;
  /** `aN`: nonce (v1). */
  nonce: string;
  /** `aS`: state (v1). */
  state: string;
  /** `aCID`: client ID (v1). */
  clientId: string;
  /** `aSSOp`: SSO provider (v1). */
  ssoProvider: string;
}

/** Writes auth info: `aV`, then `aU` for v0 or the v1 keys. */
export function encodeAuthInfo(a: AuthInfo): Uint8Array {
  const d = new Dictionary(META_DICT_CAPACITY * 4);
  const fits = [d.setU64('aV', a.version)];
  if (a.version === 0) fits.push(d.setString('aU', a.authenticationUrl));
  else {
    fits.push(
      d.setString('iU', a.issuerUrl),
      d.setString('aCU', a.centralEndpointUrl),
      d.setString('aN', a.nonce),
      d.setString('aS', a.state),
      d.setString('aCID', a.clientId),
      d.setString('aSSOp', a.ssoProvider),
    );
  }
  if (fits.includes(false)) throw new RangeError('encodeAuthInfo: too long');
  return d.encode();
}

/** Reads auth info; fails only if the bytes are not a dictionary that fits (`too-large`). */
export function decodeAuthInfo(bytes: Uint8Array): Decoded<AuthInfo> {
  const dd = Dictionary.decode(bytes, META_DICT_CAPACITY * 4);
  if (!dd.ok) return fail(dd.reason);
  const d = dd.value;
  return ok({
    version: d.getNumber('aV'),
    authenticationUrl: d.getString('aU'),
    issuerUrl: d.getString('iU'),
    centralEndpointUrl: d.getString('aCU'),
    nonce: d.getString('aN'),
    state: d.getString('aS'),
    clientId: d.getString('aCID'),
    ssoProvider: d.getString('aSSOp'),
  });
}
