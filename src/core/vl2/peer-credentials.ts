/**
 * Which of a member's stored credentials the rules engine may use right now (protocol.md §8.7):
 * a tag, capability or COO counts only while `|credential.ts − ourConfig.ts| ≤ ctmd` and it is
 * not revoked. Signatures are checked when credentials are accepted (membership's job); this is
 * the per-use time and revocation filter, producing the engine's {@link PeerCredentials}.
 * @module
 */

import type { PeerCredentials } from './rules-types.ts';

/** Credential type numbers used for revocations (§8.7). */
export const CredentialKind = { CAPABILITY: 2, TAG: 3, COO: 4 } as const;

/** A stored credential as this filter reads it. */
interface Timestamped {
  readonly id: number;
  readonly timestamp: number;
}

/** A member's accepted credentials (any order). */
export interface StoredCredentials<
  T extends Timestamped & { readonly value: number },
  C extends Timestamped & { readonly rules: PeerCredentials['capabilities'][number]['rules'] },
  O extends Timestamped & { owns(type: number, bytes: Uint8Array): boolean },
> {
  readonly tags: readonly T[];
  readonly capabilities: readonly C[];
  readonly coos: readonly O[];
}

/**
 * The usable subset (§8.7): within `ctmd` of our config's timestamp and not revoked.
 * `revoked(kind, id, timestamp)` says whether a revocation with a threshold ≥ `timestamp` exists
 * for that credential (omit it when there are none). Capabilities come out sorted by id
 * (the inbound evaluation order, §8.4).
 */
export function usableCredentials<
  T extends Timestamped & { readonly value: number },
  C extends Timestamped & { readonly rules: PeerCredentials['capabilities'][number]['rules'] },
  O extends Timestamped & { owns(type: number, bytes: Uint8Array): boolean },
>(
  config: { readonly timestamp: number; readonly credentialTimeMaxDelta: number },
  stored: StoredCredentials<T, C, O>,
  revoked: (kind: number, id: number, timestamp: number) => boolean = () => false,
): { tags: T[]; capabilities: C[]; coos: O[] } {
  const ok = (kind: number, c: Timestamped) =>
    Math.abs(c.timestamp - config.timestamp) <= config.credentialTimeMaxDelta &&
    !revoked(kind, c.id, c.timestamp);
  return {
    tags: stored.tags.filter((t) => ok(CredentialKind.TAG, t)),
    capabilities: stored.capabilities
      .filter((c) => ok(CredentialKind.CAPABILITY, c))
      .sort((a, b) => a.id - b.id),
    coos: stored.coos.filter((c) => ok(CredentialKind.COO, c)),
  };
}
