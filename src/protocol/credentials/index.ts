/**
 * Network credentials (protocol.md §8.3–§8.7): certificates of membership, capabilities, tags,
 * certificates of ownership and revocations. Each has `decode(reader)` / `fromBytes(bytes)`
 * (never throw), `encode(writer)` / `toBytes()`, `signedBytes()`, `sign(issuer)` and `verify(signer)`.
 * @module
 */

export {
  Capability,
  type CustodyEntry,
  type IdentityLookup,
  MAX_CUSTODY_CHAIN_LENGTH,
} from './capability.ts';
export {
  CertificateOfMembership,
  COM_MAX_QUALIFIERS,
  COM_VERSION,
  type ComQualifier,
  ComQualifierId,
} from './com.ts';
export {
  type CredentialSignature,
  CredentialType,
  SIGNATURE_LEN,
  SIGNATURE_TYPE_C25519,
  SIGNED_MARKER,
} from './common.ts';
export {
  CertificateOfOwnership,
  COO_MAX_THINGS,
  COO_THING_VALUE_LEN,
  type OwnedThing,
  ThingType,
} from './coo.ts';
export { REVOCATION_FLAG_FAST_PROPAGATE, Revocation } from './revocation.ts';
export { Tag } from './tag.ts';
