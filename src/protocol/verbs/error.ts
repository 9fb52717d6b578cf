/**
 * ERROR (0x02) payload (protocol.md §6.3):
 * ```
 * 0  1   in-re verb
 * 1  8   in-re packet ID (wire ID of the request)
 * 9  1   error code
 * 10 var code-specific payload
 * ```
 * Code-specific payloads:
 * - OBJ_NOT_FOUND, UNSUPPORTED_OPERATION in re NETWORK_CONFIG_REQUEST: `nwid u64`
 * - NEED_MEMBERSHIP_CERTIFICATE, NETWORK_ACCESS_DENIED: `nwid u64`
 * - UNWANTED_MULTICAST: `nwid u64, MAC[6], ADI u32`
 * - NETWORK_AUTHENTICATION_REQUIRED: `nwid u64` [`len u16`, Dictionary[len]] (§8.2 auth keys)
 * @module
 */

import { type Decoded, fail, ok, Reader, type Writer } from '../../util/result.ts';
import { decodeMulticastGroup, encodeMulticastGroup, type MulticastGroup } from '../address.ts';
import { ErrorCode, Verb } from './verb.ts';

/** Offset of the in-re verb. */
export const ERROR_IN_RE_VERB = 0;
/** Offset of the in-re packet ID. */
export const ERROR_IN_RE_PACKET_ID = 1;
/** Offset of the error code. */
export const ERROR_CODE = 9;
/** Offset of the code-specific payload. */
export const ERROR_PAYLOAD = 10;

/** A decoded ERROR. Which optional fields are present depends on `code` (see module doc). */
export interface ErrorMessage {
  readonly inReVerb: number;
  readonly inRePacketId: bigint;
  readonly code: number;
  /** Network ID, for the codes that carry one. */
  readonly nwid?: bigint;
  /** UNWANTED_MULTICAST: the group to stop sending. */
  readonly group?: MulticastGroup;
  /**
   * NETWORK_AUTHENTICATION_REQUIRED: the raw auth-info dictionary bytes (keys `aV`, `aU`,
   * `iU`, `aCU`, `aN`, `aS`, `aCID`, `aSSOp`); parse with `Dictionary.decode`. Absent when
   * the controller sent only the nwid.
   */
  readonly authInfo?: Uint8Array;
  /** Any bytes after the known fields (ignored by 1.14), kept so re-encoding is exact. */
  readonly extra?: Uint8Array;
}

/** True if `code` (in re `inReVerb`) carries a leading network ID. */
export function errorHasNetworkId(code: number, inReVerb: number): boolean {
  switch (code) {
    case ErrorCode.OBJ_NOT_FOUND:
    case ErrorCode.UNSUPPORTED_OPERATION:
      return inReVerb === Verb.NETWORK_CONFIG_REQUEST;
    case ErrorCode.NEED_MEMBERSHIP_CERTIFICATE:
    case ErrorCode.NETWORK_ACCESS_DENIED:
    case ErrorCode.UNWANTED_MULTICAST:
    case ErrorCode.NETWORK_AUTHENTICATION_REQUIRED:
      return true;
    default:
      return false;
  }
}

/** Writes an ERROR payload. Throws `TypeError` if a field the code requires is missing. */
export function encodeError(w: Writer, v: ErrorMessage): void {
  w.u8(v.inReVerb).u64(v.inRePacketId).u8(v.code);
  if (errorHasNetworkId(v.code, v.inReVerb)) {
    if (v.nwid === undefined) throw new TypeError('encodeError: this code needs nwid');
    w.u64(v.nwid);
    if (v.code === ErrorCode.UNWANTED_MULTICAST) {
      if (!v.group) throw new TypeError('encodeError: UNWANTED_MULTICAST needs group');
      encodeMulticastGroup(w, v.group);
    } else if (v.code === ErrorCode.NETWORK_AUTHENTICATION_REQUIRED && v.authInfo) {
      if (v.authInfo.length > 0xffff) throw new RangeError('encodeError: authInfo too long');
      w.u16(v.authInfo.length).bytes(v.authInfo);
    }
  }
  if (v.extra) w.bytes(v.extra);
}

/** Decodes an ERROR payload. Reasons: `error-truncated`, `mg-truncated`. */
export function decodeError(payload: Uint8Array): Decoded<ErrorMessage> {
  const r = new Reader(payload);
  const inReVerb = r.u8();
  const inRePacketId = r.u64();
  const code = r.u8();
  if (r.overrun) return fail('error-truncated');
  let nwid: bigint | undefined;
  let group: MulticastGroup | undefined;
  let authInfo: Uint8Array | undefined;
  if (errorHasNetworkId(code, inReVerb)) {
    nwid = r.u64();
    if (r.overrun) return fail('error-truncated');
    if (code === ErrorCode.UNWANTED_MULTICAST) {
      const g = decodeMulticastGroup(r);
      if (!g.ok) return fail(g.reason);
      group = g.value;
    } else if (code === ErrorCode.NETWORK_AUTHENTICATION_REQUIRED && r.remaining >= 2) {
      const len = r.u16();
      authInfo = r.bytes(len).slice();
      if (r.overrun) return fail('error-truncated');
    }
  }
  const extra = r.remaining > 0 ? r.bytes(r.remaining).slice() : undefined;
  const v: ErrorMessage = { inReVerb, inRePacketId, code };
  return ok({
    ...v,
    ...(nwid !== undefined && { nwid }),
    ...(group && { group }),
    ...(authInfo && { authInfo }),
    ...(extra && { extra }),
  });
}
