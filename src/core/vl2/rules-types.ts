/**
 * Input types shared by the rules engine (protocol.md §8.8) and the filter functions. They are
 * structural subsets of the protocol objects (`NetworkConfig`, `Tag`, `Capability`,
 * `CertificateOfOwnership`), so real decoded credentials fit and tests can pass plain objects.
 * @module
 */

import type { InetAddress } from '../../protocol/inet-address.ts';
import type { Rule } from '../../protocol/rules.ts';

/** A tag as the engine reads it (id and value, both u32). */
export interface TagLike {
  readonly id: number;
  readonly value: number;
}

/** A capability as the engine reads it: its id (evaluation order) and rules. */
export interface CapabilityLike {
  readonly id: number;
  readonly rules: readonly Rule[];
}

/** A certificate of ownership as the engine reads it (§8.6 `owns`: type 1 MAC, 2 IPv4, 3 IPv6). */
export interface OwnershipLike {
  owns(type: number, bytes: Uint8Array): boolean;
}

/**
 * The parts of OUR network config the engine uses (a `NetworkConfig` from
 * src/protocol/netconf.ts fits as is). `tags` sorted by id, `capabilities` sorted by id.
 */
export interface RulesConfig {
  /** The network. */
  readonly networkId: bigint;
  /** Our ZeroTier address (the config's issued-to), "me" of §8.8. */
  readonly issuedTo: number;
  /** Netconf `f` flags (0x4 NDP emulation, 0x8 result of unsupported match). */
  readonly flags: number;
  /** Base rules `R`. */
  readonly rules: readonly Rule[];
  /** Our capabilities (outbound), sorted by id. */
  readonly capabilities: readonly CapabilityLike[];
  /** Our tags, sorted by id. */
  readonly tags: readonly TagLike[];
  /** Our certificates of ownership (outbound "sender IP/MAC authenticated"). */
  readonly certificatesOfOwnership: readonly OwnershipLike[];
  /** Our assigned addresses (`I`, port = prefix bits): NDP-emulated prefixes count as owned. */
  readonly staticIps: readonly InetAddress[];
}

/**
 * The other member's presented credentials that are currently usable (signature checked, within
 * `ctmd` of our config's timestamp, not revoked — §8.7; the caller filters). On a received frame
 * this is the sender; on a sent frame the receiver.
 */
export interface PeerCredentials {
  /** Its tags (any order). */
  readonly tags: readonly TagLike[];
  /** Its capabilities, sorted by id (inbound evaluation order). */
  readonly capabilities: readonly CapabilityLike[];
  /** Its certificates of ownership. */
  readonly coos: readonly OwnershipLike[];
}
