/**
 * The peer cache record, `peers.d/<10-hex-addr>.peer` (protocol.md §7.4):
 * ```
 * u8  2                 record version
 * 71  identity          (public, §2.3)
 * u16 protocol version, u16 major, u16 minor, u16 revision
 * u16 pathCount
 * InetAddress × pathCount   (§6.20; paths are only re-tried at load, never trusted)
 * ```
 * @module
 */
import { Identity } from '../protocol/identity.ts';
import { decodeInetAddress, encodeInetAddress, type InetAddress } from '../protocol/inet-address.ts';
import { type Decoded, fail, ok, Reader, Writer } from '../util/result.ts';

/** Record version byte. */
export const PEER_CACHE_VERSION = 2;
/** Paths kept in one record (more are ignored on read, not written). */
export const PEER_CACHE_MAX_PATHS = 64;

/** A decoded peer cache record. */
export interface PeerCacheRecord {
  readonly identity: Identity;
  readonly protocolVersion: number;
  readonly versionMajor: number;
  readonly versionMinor: number;
  readonly versionRevision: number;
  readonly paths: readonly InetAddress[];
}

/** Serializes a record. */
export function encodePeerCache(v: PeerCacheRecord): Uint8Array {
  const w = new Writer(128);
  w.u8(PEER_CACHE_VERSION);
  v.identity.encode(w, false);
  w.u16(v.protocolVersion & 0xffff)
    .u16(v.versionMajor & 0xffff)
    .u16(v.versionMinor & 0xffff)
    .u16(v.versionRevision & 0xffff);
  const paths = v.paths.slice(0, PEER_CACHE_MAX_PATHS);
  w.u16(paths.length);
  for (const p of paths) encodeInetAddress(w, p);
  return w.finish();
}

/** Decodes a record (never throws). Reasons: `bad-version`, `truncated`, identity/InetAddress reasons. */
export function decodePeerCache(b: Uint8Array): Decoded<PeerCacheRecord> {
  const r = new Reader(b);
  const version = r.u8();
  if (r.overrun) return fail('truncated');
  if (version !== PEER_CACHE_VERSION) return fail('bad-version');
  const id = Identity.decode(r);
  if (!id.ok) return fail(id.reason);
  const protocolVersion = r.u16();
  const versionMajor = r.u16();
  const versionMinor = r.u16();
  const versionRevision = r.u16();
  const n = r.u16();
  if (r.overrun) return fail('truncated');
  const paths: InetAddress[] = [];
  for (let i = 0; i < n; i++) {
    const a = decodeInetAddress(r);
    if (!a.ok) return fail(a.reason);
    if (a.value !== null && paths.length < PEER_CACHE_MAX_PATHS) paths.push(a.value);
  }
  return ok({ identity: id.value, protocolVersion, versionMajor, versionMinor, versionRevision, paths });
}
