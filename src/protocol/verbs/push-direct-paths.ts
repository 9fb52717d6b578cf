/**
 * PUSH_DIRECT_PATHS (0x10) (protocol.md §6.16):
 * ```
 * u16 count
 * count × { u8 flags, u16 extLen, extLen bytes, u8 addrType (4|6), u8 addrLen (6|18),
 *           addr: IPv4[4]+port u16 | IPv6[16]+port u16 }
 * ```
 * Records of other address types (or an unexpected length) are skipped by 1.14; they are
 * kept here as raw bytes so that re-encoding is exact.
 * @module
 */

import { type Decoded, fail, ok, Reader, type Writer } from '../../util/result.ts';
import type { InetAddress } from '../inet-address.ts';

/** Path flag: forget this path (1.14 does not act on it). */
export const PUSH_FLAG_FORGET = 0x01;
/** Path flag: cluster redirect (contact it and prefer it). */
export const PUSH_FLAG_CLUSTER_REDIRECT = 0x02;

/** One pushed path. Exactly one of `address` / `unknown` is set. */
export interface PushedPath {
  readonly flags: number;
  /** Extension bytes (1.14 sends none and ignores them). */
  readonly extension: Uint8Array;
  readonly address?: InetAddress;
  /** An address record of a type or length 1.14 skips. */
  readonly unknown?: { readonly type: number; readonly bytes: Uint8Array };
}

/** PUSH_DIRECT_PATHS payload. */
export interface PushDirectPaths {
  readonly paths: readonly PushedPath[];
}

/** Writes a PUSH_DIRECT_PATHS payload. */
export function encodePushDirectPaths(w: Writer, v: PushDirectPaths): void {
  if (v.paths.length > 0xffff) throw new RangeError('encodePushDirectPaths: too many paths');
  w.u16(v.paths.length);
  for (const p of v.paths) {
    w.u8(p.flags).u16(p.extension.length).bytes(p.extension);
    if (p.address) {
      const a = p.address;
      w.u8(a.family)
        .u8(a.ip.length + 2)
        .bytes(a.ip)
        .u16(a.port);
    } else if (p.unknown) {
      if (p.unknown.bytes.length > 0xff) throw new RangeError('encodePushDirectPaths: record too long');
      w.u8(p.unknown.type).u8(p.unknown.bytes.length).bytes(p.unknown.bytes);
    } else throw new TypeError('encodePushDirectPaths: path needs address or unknown');
  }
}

/** Decodes a PUSH_DIRECT_PATHS payload. Reason: `pdp-truncated`. */
export function decodePushDirectPaths(payload: Uint8Array): Decoded<PushDirectPaths> {
  const r = new Reader(payload);
  const n = r.u16();
  if (r.overrun) return fail('pdp-truncated');
  const paths: PushedPath[] = [];
  for (let i = 0; i < n; i++) {
    const flags = r.u8();
    const extension = r.bytes(r.u16()).slice();
    const type = r.u8();
    const len = r.u8();
    const bytes = r.bytes(len);
    if (r.overrun) return fail('pdp-truncated');
    if ((type === 4 && len === 6) || (type === 6 && len === 18)) {
      const ip = bytes.slice(0, len - 2);
      const port = (bytes[len - 2] << 8) | bytes[len - 1];
      paths.push({ flags, extension, address: { family: type, ip, port } });
    } else paths.push({ flags, extension, unknown: { type, bytes: bytes.slice() } });
  }
  return ok({ paths });
}
