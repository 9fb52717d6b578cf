/**
 * Verb numbers and names (protocol.md §6), the verb byte's flag bits (§3.2) and the
 * ERROR codes (§6.3).
 * @module
 */

/** Verb numbers (low 5 bits of packet byte 27). */
export const Verb = {
  NOP: 0x00,
  HELLO: 0x01,
  ERROR: 0x02,
  OK: 0x03,
  WHOIS: 0x04,
  RENDEZVOUS: 0x05,
  FRAME: 0x06,
  EXT_FRAME: 0x07,
  ECHO: 0x08,
  MULTICAST_LIKE: 0x09,
  NETWORK_CREDENTIALS: 0x0a,
  NETWORK_CONFIG_REQUEST: 0x0b,
  NETWORK_CONFIG: 0x0c,
  MULTICAST_GATHER: 0x0d,
  MULTICAST_FRAME: 0x0e,
  PUSH_DIRECT_PATHS: 0x10,
  ACK: 0x12,
  QOS_MEASUREMENT: 0x13,
  USER_MESSAGE: 0x14,
  REMOTE_TRACE: 0x15,
  PATH_NEGOTIATION_REQUEST: 0x16,
} as const;
/** A verb number (any 0..31 value can appear on the wire; these are the known ones). */
export type Verb = (typeof Verb)[keyof typeof Verb];

// The verb byte's bits (0x80 compressed, 0x1f verb; §3.2) are defined with the header layout.
export { VERB_FLAG_COMPRESSED, VERB_MASK } from '../packet.ts';

const VERB_NAMES: Record<number, string> = {};
for (const [name, n] of Object.entries(Verb)) VERB_NAMES[n] = name;

/** `HELLO`, `EXT_FRAME`…; unknown numbers print as `unknown(0x11)`. */
export function verbName(verb: number): string {
  return VERB_NAMES[verb] ?? `unknown(0x${(verb & 0xff).toString(16).padStart(2, '0')})`;
}

/** True for the verb numbers this module knows. */
export function isKnownVerb(verb: number): verb is Verb {
  return VERB_NAMES[verb] !== undefined;
}

/** ERROR codes (§6.3). */
export const ErrorCode = {
  NONE: 0x00,
  INVALID_REQUEST: 0x01,
  BAD_PROTOCOL_VERSION: 0x02,
  OBJ_NOT_FOUND: 0x03,
  IDENTITY_COLLISION: 0x04,
  UNSUPPORTED_OPERATION: 0x05,
  NEED_MEMBERSHIP_CERTIFICATE: 0x06,
  NETWORK_ACCESS_DENIED: 0x07,
  UNWANTED_MULTICAST: 0x08,
  NETWORK_AUTHENTICATION_REQUIRED: 0x09,
} as const;
/** An ERROR code. */
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

const ERROR_NAMES: Record<number, string> = {};
for (const [name, n] of Object.entries(ErrorCode)) ERROR_NAMES[n] = name;

/** `OBJ_NOT_FOUND`…; unknown codes print as `unknown(0x2a)`. */
export function errorCodeName(code: number): string {
  return ERROR_NAMES[code] ?? `unknown(0x${(code & 0xff).toString(16).padStart(2, '0')})`;
}
