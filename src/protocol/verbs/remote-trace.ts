/**
 * REMOTE_TRACE (0x15) (protocol.md §6.18): one or more NUL-terminated dictionaries
 * (§8.1) of trace events, each at most 10000 bytes. Safe to ignore.
 * @module
 */

import { type Decoded, fail, ok, type Writer } from '../../util/result.ts';

/** Largest single trace dictionary. */
export const REMOTE_TRACE_MAX_DICT = 10000;

/** REMOTE_TRACE payload: raw dictionary texts without their NUL terminators. */
export interface RemoteTrace {
  /** Parse each with `Dictionary.decode`. */
  readonly dictionaries: readonly Uint8Array[];
}

/** Writes each dictionary followed by a NUL. Throws if one contains a NUL or is too long. */
export function encodeRemoteTrace(w: Writer, v: RemoteTrace): void {
  for (const d of v.dictionaries) {
    if (d.includes(0)) throw new TypeError('encodeRemoteTrace: dictionary contains NUL');
    if (d.length > REMOTE_TRACE_MAX_DICT) throw new RangeError('encodeRemoteTrace: dictionary too long');
    w.bytes(d).u8(0);
  }
}

/**
 * Splits the payload at NULs. A final dictionary without its NUL is accepted. Reasons:
 * `trace-empty`, `trace-too-long`.
 */
export function decodeRemoteTrace(payload: Uint8Array): Decoded<RemoteTrace> {
  if (payload.length === 0) return fail('trace-empty');
  const dictionaries: Uint8Array[] = [];
  let at = 0;
  while (at < payload.length) {
    let end = payload.indexOf(0, at);
    if (end < 0) end = payload.length;
    if (end - at > REMOTE_TRACE_MAX_DICT) return fail('trace-too-long');
    dictionaries.push(payload.slice(at, end));
    at = end + 1;
  }
  return ok({ dictionaries });
}
