/**
 * NOP (0x00), ECHO (0x08) and OK(ECHO) (protocol.md §6.1, §6.9, §6.4), plus the
 * config-push acknowledgement that 1.14 labels as OK in re ECHO (§6.4, §6.13 quirk).
 * @module
 */

import { type Decoded, fail, ok, Reader, type Writer } from '../../util/result.ts';

/** ECHO payload (and OK(ECHO) body): arbitrary bytes, echoed verbatim. 1.14 sends empty ECHOs. */
export interface Echo {
  readonly data: Uint8Array;
}

/** Writes an ECHO payload (or OK(ECHO) body). */
export function encodeEcho(w: Writer, v: Echo): void {
  w.bytes(v.data);
}

/** Decodes an ECHO payload (never fails; `data` is a copy). */
export function decodeEcho(payload: Uint8Array): Decoded<Echo> {
  return ok({ data: payload.slice() });
}

/** NOP has no payload; anything present is ignored (§6.1). */
export type Nop = Record<string, never>;

/** Writes a NOP payload (nothing). */
export function encodeNop(_w: Writer, _v: Nop): void {}

/** Decodes a NOP payload (never fails). */
export function decodeNop(_payload: Uint8Array): Decoded<Nop> {
  return ok({});
}

/**
 * The reply to a NETWORK_CONFIG push: 1.14 sends OK with in-re verb **ECHO** (not
 * NETWORK_CONFIG) and body `nwid u64, configUpdateId u64` (§6.4 quirk).
 */
export interface ConfigPushAck {
  readonly nwid: bigint;
  readonly updateId: bigint;
}

/** Length of a config-push acknowledgement body. */
export const CONFIG_PUSH_ACK_LENGTH = 16;

/** Writes the config-push acknowledgement body (send it as OK in re ECHO). */
export function encodeConfigPushAck(w: Writer, v: ConfigPushAck): void {
  w.u64(v.nwid).u64(v.updateId);
}

/**
 * Interprets an OK(ECHO) body as a config-push acknowledgement. Only the caller knows
 * which it is (it pushed a config with that in-re packet ID); fails with `ack-bad-length`
 * unless the body is exactly 16 bytes.
 */
export function decodeConfigPushAck(body: Uint8Array): Decoded<ConfigPushAck> {
  if (body.length !== CONFIG_PUSH_ACK_LENGTH) return fail('ack-bad-length');
  const r = new Reader(body);
  return ok({ nwid: r.u64(), updateId: r.u64() });
}
