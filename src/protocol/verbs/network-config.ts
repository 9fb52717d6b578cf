/**
 * NETWORK_CONFIG_REQUEST (0x0b) and the config chunk carried by OK(NETWORK_CONFIG_REQUEST)
 * and NETWORK_CONFIG (0x0c) (protocol.md §6.12, §6.13).
 *
 * Config chunk:
 * ```
 * 8  network ID            ┐
 * 2  chunk length C        │
 * C  dictionary slice      │ signed region
 * 1  flags (0x01 fast)     │
 * 8  config update ID      │
 * 4  total dictionary len  │
 * 4  offset of this chunk  ┘
 * 1  signature type (1)
 * 2  signature length (96)
 * 96 signature by the controller over the signed region (§2.4)
 * ```
 * The legacy form stops after the dictionary slice (unsigned, whole config).
 * @module
 */

import { type Decoded, fail, ok, Reader, Writer } from '../../util/result.ts';

/** Request: offset of the network ID. */
export const NCR_NWID = 0;
/** Request: offset of the metadata length. */
export const NCR_METADATA_LENGTH = 8;
/** Request: offset of the metadata dictionary. */
export const NCR_METADATA = 10;

/** NETWORK_CONFIG_REQUEST payload. */
export interface NetworkConfigRequest {
  readonly nwid: bigint;
  /**
   * Raw metadata dictionary (no NUL; §6.12 keys `v`, `vend`, `pv`, `majv`…); parse with
   * `Dictionary.decode(bytes, META_DICT_CAPACITY)`.
   */
  readonly metadata: Uint8Array;
  /** Revision of the config currently held (0n if none). Absent only from very old senders. */
  readonly revision?: bigint;
  /** Timestamp of the config currently held (0n if none). */
  readonly timestamp?: bigint;
}

/** Writes a NETWORK_CONFIG_REQUEST payload (revision/timestamp default to 0n). */
export function encodeNetworkConfigRequest(w: Writer, v: NetworkConfigRequest): void {
  if (v.metadata.length > 0xffff) throw new RangeError('encodeNetworkConfigRequest: metadata too long');
  w.u64(v.nwid).u16(v.metadata.length).bytes(v.metadata);
  w.u64(v.revision ?? 0n).u64(v.timestamp ?? 0n);
}

/**
 * Decodes a NETWORK_CONFIG_REQUEST payload; revision and timestamp are read only if
 * present (as 1.14 does). Reason: `ncr-truncated`.
 */
export function decodeNetworkConfigRequest(payload: Uint8Array): Decoded<NetworkConfigRequest> {
  const r = new Reader(payload);
  const nwid = r.u64();
  const mlen = r.u16();
  const metadata = r.bytes(mlen).slice();
  if (r.overrun) return fail('ncr-truncated');
  if (r.remaining < 16) return ok({ nwid, metadata });
  return ok({ nwid, metadata, revision: r.u64(), timestamp: r.u64() });
}

/** Chunk flag: fast propagate (§6.13). */
export const CONFIG_CHUNK_FLAG_FAST_PROPAGATE = 0x01;
/** The only signature type (C25519). */
export const CONFIG_SIGNATURE_TYPE = 1;
/** Length of that signature. */
export const CONFIG_SIGNATURE_LENGTH = 96;
/** Largest chunk a 1.14 controller sends: 10024 − (28 + 256). */
export const CONFIG_MAX_CHUNK = 9740;

/** The signed trailer of a non-legacy chunk. */
export interface ConfigChunkMeta {
  readonly flags: number;
  /** Random, non-zero; the same for every chunk of one config. */
  readonly updateId: bigint;
  /** Total dictionary length T. */
  readonly totalLength: number;
  /** Byte offset of this chunk's data in the dictionary. */
  readonly offset: number;
  /** Signature type (1 = C25519). */
  readonly signatureType: number;
  /** Signature bytes (96 for type 1). */
  readonly signature: Uint8Array;
}

/** A config chunk. `meta` is absent for the legacy (unsigned, single-chunk) form. */
export interface ConfigChunk {
  readonly nwid: bigint;
  /** This chunk's slice of the netconf dictionary. */
  readonly data: Uint8Array;
  readonly meta?: ConfigChunkMeta;
}

/** A decoded chunk plus the bytes the controller's signature covers (a view into the payload). */
export interface DecodedConfigChunk extends ConfigChunk {
  /** From the network ID through the chunk offset; empty for the legacy form. */
  readonly signedRegion: Uint8Array;
}

function writeSigned(
  w: Writer,
  nwid: bigint,
  data: Uint8Array,
  m: Omit<ConfigChunkMeta, 'signatureType' | 'signature'>,
) {
  if (data.length > 0xffff) throw new RangeError('config chunk: data too long');
  w.u64(nwid).u16(data.length).bytes(data);
  w.u8(m.flags).u64(m.updateId).u32(m.totalLength).u32(m.offset);
}

/**
 * The exact bytes a controller signs for a chunk (§6.13 signed region). Sign them with
 * the controller identity and put the 96-byte result in `meta.signature`.
 */
export function configChunkSignedRegion(
  nwid: bigint,
  data: Uint8Array,
  meta: Omit<ConfigChunkMeta, 'signatureType' | 'signature'>,
): Uint8Array {
  const w = new Writer(data.length + 27);
  writeSigned(w, nwid, data, meta);
  return w.finish();
}

/** Writes a config chunk (legacy form if `meta` is absent). */
export function encodeConfigChunk(w: Writer, v: ConfigChunk): void {
  if (!v.meta) {
    if (v.data.length > 0xffff) throw new RangeError('config chunk: data too long');
    w.u64(v.nwid).u16(v.data.length).bytes(v.data);
    return;
  }
  writeSigned(w, v.nwid, v.data, v.meta);
  if (v.meta.signature.length > 0xffff) throw new RangeError('config chunk: signature too long');
  w.u8(v.meta.signatureType).u16(v.meta.signature.length).bytes(v.meta.signature);
}

/**
 * Reads a config chunk from `r`. Structural checks only (the caller checks `offset + C ≤ T`,
 * T against its capacity, signature type/length and the signature itself). Reasons:
 * `chunk-truncated`.
 */
export function readConfigChunk(r: Reader): Decoded<DecodedConfigChunk> {
  const start = r.pos;
  const nwid = r.u64();
  const clen = r.u16();
  const data = r.bytes(clen).slice();
  if (r.overrun) return fail('chunk-truncated');
  if (r.remaining === 0) return ok({ nwid, data, signedRegion: new Uint8Array(0) });
  const flags = r.u8();
  const updateId = r.u64();
  const totalLength = r.u32();
  const offset = r.u32();
  const signedEnd = r.pos;
  const signatureType = r.u8();
  const slen = r.u16();
  const signature = r.bytes(slen).slice();
  if (r.overrun) return fail('chunk-truncated');
  return ok({
    nwid,
    data,
    meta: { flags, updateId, totalLength, offset, signatureType, signature },
    signedRegion: r.buf.subarray(start, signedEnd),
  });
}

/**
 * Controller side of §6.13: splits a netconf dictionary into signed chunks of at most
 * `maxChunk` bytes (all sharing `updateId`, random and non-zero). `sign` receives each
 * chunk's signed region and returns the 96-byte signature (e.g. `controller.sign`).
 * An empty dictionary yields one empty chunk.
 */
export function splitConfigIntoChunks(
  nwid: bigint,
  dictionary: Uint8Array,
  updateId: bigint,
  sign: (signedRegion: Uint8Array) => Uint8Array,
  opts: { flags?: number; maxChunk?: number } = {},
): ConfigChunk[] {
  const maxChunk = opts.maxChunk ?? CONFIG_MAX_CHUNK;
  if (!(maxChunk >= 1 && maxChunk <= 0xffff)) throw new RangeError('splitConfigIntoChunks: bad maxChunk');
  if (updateId === 0n) throw new RangeError('splitConfigIntoChunks: updateId must be non-zero');
  const out: ConfigChunk[] = [];
  let offset = 0;
  do {
    const data = dictionary.subarray(offset, Math.min(dictionary.length, offset + maxChunk));
    const m = { flags: opts.flags ?? 0, updateId, totalLength: dictionary.length, offset };
    const signature = sign(configChunkSignedRegion(nwid, data, m));
    out.push({ nwid, data, meta: { ...m, signatureType: CONFIG_SIGNATURE_TYPE, signature } });
    offset += data.length;
  } while (offset < dictionary.length);
  return out;
}

/** Decodes a config chunk given on its own (a NETWORK_CONFIG payload). */
export function decodeConfigChunk(payload: Uint8Array): Decoded<DecodedConfigChunk> {
  return readConfigChunk(new Reader(payload));
}

/**
 * The per-chunk dedup ID (§6.13): the first 16 signature bytes XOR-folded into 8
 * (`sig[i] ^ sig[i+8]`), read as a big-endian u64. Returns 0n for a short signature.
 */
export function configChunkId(signature: Uint8Array): bigint {
  if (signature.length < 16) return 0n;
  let v = 0n;
  for (let i = 0; i < 8; i++) v = (v << 8n) | BigInt(signature[i] ^ signature[i + 8]);
  return v;
}
