/**
 * USER_MESSAGE (0x14) (protocol.md §6.17): `typeId u64 || payload`, delivered to the
 * application. Type IDs ≤ 65535 are reserved for ZeroTier.
 * @module
 */

import { type Decoded, fail, ok, Reader, type Writer } from '../../util/result.ts';

/** Highest type ID reserved for ZeroTier itself. */
export const USER_MESSAGE_RESERVED_MAX = 65535n;

/** USER_MESSAGE payload. */
export interface UserMessage {
  readonly typeId: bigint;
  readonly data: Uint8Array;
}

/** Writes a USER_MESSAGE payload. */
export function encodeUserMessage(w: Writer, v: UserMessage): void {
  w.u64(v.typeId).bytes(v.data);
}

/** Decodes a USER_MESSAGE payload (`data` is a copy). Reason: `usermsg-truncated`. */
export function decodeUserMessage(payload: Uint8Array): Decoded<UserMessage> {
  const r = new Reader(payload);
  const typeId = r.u64();
  if (r.overrun) return fail('usermsg-truncated');
  return ok({ typeId, data: r.bytes(r.remaining).slice() });
}
