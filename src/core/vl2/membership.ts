/**
 * What we know about ONE other member of ONE network (protocol.md §8.3–§8.7, §9.8): the
 * credentials it presented (COM, tags, capabilities, COOs), the revocations that apply to it,
 * and the timers of our own credential pushes and multicast announcements to it.
 *
 * Acceptance of a credential (§8.7, all types): right network, issued to this member, signed by
 * the network's controller (`nwid >> 24`), not strictly older than the one held, not revoked,
 * signature valid. When the controller's identity is not known yet the answer is `'need-whois'`:
 * the caller WHOISes the controller and retries the credential later.
 * @module
 */

import { networkController } from '../../protocol/address.ts';
import {
  type Capability,
  type CertificateOfMembership,
  type CertificateOfOwnership,
  CredentialType,
  type Revocation,
  type Tag,
} from '../../protocol/credentials/index.ts';
import type { Identity } from '../../protocol/identity.ts';
import type { NetworkConfig } from '../../protocol/netconf.ts';
import { NetworkType } from '../../protocol/netconf.ts';
import { usableCredentials } from './peer-credentials.ts';
import type { PeerCredentials } from './rules-types.ts';

/** Outcome of offering a credential to a {@link Membership}. */
export type CredentialVerdict =
  | 'accepted'
  | 'unchanged'
  | 'need-whois'
  | 'wrong-network'
  | 'wrong-member'
  | 'wrong-signer'
  | 'older'
  | 'revoked'
  | 'bad-signature';

/** Looks up an identity we know (the controller's, to check signatures). */
export type IdentityOf = (address: number) => Identity | undefined;

const NEVER = Number.NEGATIVE_INFINITY;

/** One remote member of a network, as seen from us. */
export class Membership {
  /** Its latest accepted COM, or null. */
  com: CertificateOfMembership | null = null;
  /** COMs with timestamp ≤ this are revoked (§8.7). */
  comRevocationThreshold = NEVER;
  /** Its tags by id. */
  readonly tags = new Map<number, Tag>();
  /** Its capabilities by id. */
  readonly capabilities = new Map<number, Capability>();
  /** Its certificates of ownership by id. */
  readonly coos = new Map<number, CertificateOfOwnership>();
  /** Revocation thresholds of caps/tags/COOs, key `type:credentialId`. */
  private readonly revoked = new Map<string, number>();
  /** Last time we pushed our credentials to it (-∞ = never since our last config). */
  lastPushedCredentials = NEVER;
  /** Last time we sent it our MULTICAST_LIKEs (§9.7 per-member gate). */
  lastAnnounced = NEVER;
  /** Last NETWORK_CREDENTIALS accepted from it (inbound rate limit, §6.11). */
  lastCredentialsReceived = NEVER;
  /** Last time it passed the gate (sent us something we accepted). */
  lastSeen = NEVER;
  /** Last time we told VL1 this member passed the gate (at most once a second, not per frame). */
  lastTrustMarked = NEVER;
  private cached: PeerCredentials | null = null;
  private cachedFor: NetworkConfig | null = null;
  // The gate runs for every frame; COM agreement (hashing the member's identity, comparing
  // qualifiers) depends only on these three objects, so its answer is kept until one changes.
  private gateMine: CertificateOfMembership | null = null;
  private gateTheirs: CertificateOfMembership | null = null;
  private gateIdentity: Identity | null = null;
  private gateAnswer = false;

  constructor(
    /** The member's address. */
    readonly address: number,
  ) {}

  /**
   * The gate (§9.8): we have a config AND (the network is public OR its latest COM is newer than
   * its COM revocation threshold and agrees with ours, bound to its identity).
   */
  isAllowed(config: NetworkConfig | null, identity: Identity | undefined): boolean {
    if (!config) return false;
    if (config.type === NetworkType.PUBLIC) return true;
    const mine = config.com;
    const theirs = this.com;
    if (!mine || !theirs || !identity) return false;
    if (theirs.timestamp <= this.comRevocationThreshold) return false;
    if (this.gateMine === mine && this.gateTheirs === theirs && this.gateIdentity === identity)
      return this.gateAnswer;
    this.gateAnswer = mine.agreesWith(theirs, identity);
    this.gateMine = mine;
    this.gateTheirs = theirs;
    this.gateIdentity = identity;
    return this.gateAnswer;
  }

  /**
   * Its credentials usable by the rules engine now: within `ctmd` of our config's timestamp and
   * not revoked (§8.7). Cached until a credential or the config changes.
   */
  usable(config: NetworkConfig): PeerCredentials {
    if (this.cached && this.cachedFor === config) return this.cached;
    const { tags, capabilities, coos } = usableCredentials(
      config,
      {
        tags: [...this.tags.values()],
        capabilities: [...this.capabilities.values()],
        coos: [...this.coos.values()],
      },
      (kind, id, ts) => this.isRevoked(kind, id, ts),
    );
    this.cached = { tags, capabilities, coos };
    this.cachedFor = config;
    return this.cached;
  }

  private isRevoked(type: number, id: number, ts: number): boolean {
    const t = this.revoked.get(`${type}:${id}`);
    return t !== undefined && ts <= t;
  }

  private invalidate(): void {
    this.cached = null;
  }

  private common(
    nwid: bigint,
    credNwid: bigint,
    issuedTo: number,
    signedBy: number,
    identityOf: IdentityOf,
  ): CredentialVerdict | Identity {
    if (credNwid !== nwid) return 'wrong-network';
    if (issuedTo !== this.address) return 'wrong-member';
    const controller = networkController(nwid);
    if (signedBy !== controller) return 'wrong-signer';
    return identityOf(controller) ?? 'need-whois';
  }

  /** Offers a COM (§8.3): must be signed by the controller for this member's identity. */
  addCom(nwid: bigint, com: CertificateOfMembership, identityOf: IdentityOf): CredentialVerdict {
    const signer = this.common(nwid, com.networkId, com.issuedTo, com.signedBy, identityOf);
    if (typeof signer === 'string') return signer;
    if (this.com && com.timestamp < this.com.timestamp) return 'older';
    if (com.timestamp <= this.comRevocationThreshold) return 'revoked';
    if (this.com && sameBytes(this.com.signature, com.signature)) return 'unchanged';
    if (!com.verify(signer)) return 'bad-signature';
    this.com = com;
    this.invalidate();
    return 'accepted';
  }

  /** Offers a tag (§8.5). */
  addTag(nwid: bigint, tag: Tag, identityOf: IdentityOf): CredentialVerdict {
    const signer = this.common(nwid, tag.networkId, tag.issuedTo, tag.signedBy, identityOf);
    if (typeof signer === 'string') return signer;
    const held = this.tags.get(tag.id);
    if (held && tag.timestamp < held.timestamp) return 'older';
    if (this.isRevoked(CredentialType.TAG, tag.id, tag.timestamp)) return 'revoked';
    if (held && sameBytes(held.sig.signature, tag.sig.signature)) return 'unchanged';
    if (!tag.verify(signer)) return 'bad-signature';
    this.tags.set(tag.id, tag);
    this.invalidate();
    return 'accepted';
  }

  /** Offers a capability (§8.4): the custody chain must start at the controller and end at this member. */
  addCapability(nwid: bigint, cap: Capability, identityOf: IdentityOf): CredentialVerdict {
    if (cap.networkId !== nwid) return 'wrong-network';
    if (cap.issuedTo !== this.address) return 'wrong-member';
    const controller = networkController(nwid);
    if (cap.custody.length === 0 || cap.custody[0].from !== controller) return 'wrong-signer';
    for (const c of cap.custody) if (!identityOf(c.from)) return 'need-whois';
    const held = this.capabilities.get(cap.id);
    if (held && cap.timestamp < held.timestamp) return 'older';
    if (this.isRevoked(CredentialType.CAPABILITY, cap.id, cap.timestamp)) return 'revoked';
    if (!cap.verify(identityOf)) return 'bad-signature';
    this.capabilities.set(cap.id, cap);
    this.invalidate();
    return 'accepted';
  }

  /** Offers a certificate of ownership (§8.6). */
  addCoo(nwid: bigint, coo: CertificateOfOwnership, identityOf: IdentityOf): CredentialVerdict {
    const signer = this.common(nwid, coo.networkId, coo.issuedTo, coo.signedBy, identityOf);
    if (typeof signer === 'string') return signer;
    const held = this.coos.get(coo.id);
    if (held && coo.timestamp < held.timestamp) return 'older';
    if (this.isRevoked(CredentialType.COO, coo.id, coo.timestamp)) return 'revoked';
    if (held && sameBytes(held.sig.signature, coo.sig.signature)) return 'unchanged';
    if (!coo.verify(signer)) return 'bad-signature';
    this.coos.set(coo.id, coo);
    this.invalidate();
    return 'accepted';
  }

  /**
   * Offers a revocation targeting this member (§8.7). A COM revocation raises the COM threshold;
   * a cap/tag/COO revocation sets that credential's threshold and — the reference's quirk — the
   * COM threshold too.
   */
  addRevocation(nwid: bigint, rev: Revocation, identityOf: IdentityOf): CredentialVerdict {
    const signer = this.common(nwid, rev.networkId, rev.target, rev.signedBy, identityOf);
    if (typeof signer === 'string') return signer;
    const key = `${rev.credentialType}:${rev.credentialId}`;
    const held =
      rev.credentialType === CredentialType.COM ? this.comRevocationThreshold : this.revoked.get(key);
    if (held !== undefined && rev.threshold <= held) return 'unchanged';
    if (!rev.verify(signer)) return 'bad-signature';
    switch (rev.credentialType) {
      case CredentialType.COM:
        this.comRevocationThreshold = rev.threshold;
        break;
      case CredentialType.CAPABILITY:
      case CredentialType.TAG:
      case CredentialType.COO:
        this.revoked.set(key, rev.threshold);
        this.comRevocationThreshold = Math.max(this.comRevocationThreshold, rev.threshold);
        break;
      default:
        return 'wrong-network';
    }
    this.invalidate();
    return 'accepted';
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length || a.length === 0) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
