/**
 * HELLO (0x01) request payload and the OK(HELLO) body (protocol.md §6.2).
 *
 * HELLO payload layout (offsets from packet byte 28):
 * ```
 *  0  1   protocol version
 *  1  1   software major
 *  2  1   software minor
 *  3  2   software revision
 *  5  8   timestamp (echoed in OK)
 * 13  71  identity (public, §2.3)
 * 84  var InetAddress the packet was sent to (0x00 = unknown)
 *  …  8   planet world ID
 *  …  8   planet world timestamp
 *  —      start of the cryptField region (§4.3)
 *  …  2   moon count N
 *  …  N×17 {type u8, world ID u64, world timestamp u64}
 * ```
 * Everything after the identity is optional on receive. The moon section is encrypted
 * with cryptField before armoring: {@link decodeHello} expects it already decrypted,
 * and {@link helloCryptFieldStart} tells the caller where that region starts.
 * @module
 */

import { type Decoded, fail, ok, Reader, Writer } from '../../util/result.ts';
import { Identity } from '../identity.ts';
import { decodeInetAddress, encodeInetAddress, type InetAddress } from '../inet-address.ts';
import { World } from '../world.ts';

/** Offset of the protocol version byte. */
export const HELLO_PROTOCOL_VERSION = 0;
/** Offset of the timestamp. */
export const HELLO_TIMESTAMP = 5;
/** Offset of the identity. */
export const HELLO_IDENTITY = 13;
/** Length of one moon record: type + world ID + world timestamp. */
export const HELLO_MOON_RECORD_LENGTH = 17;
/** Lowest protocol version a receiver accepts (§6.2). */
export const MIN_PROTOCOL_VERSION = 4;
/** World type of a moon (§7.1). */
export const WORLD_TYPE_MOON = 127;

/** A moon listed in HELLO: one we orbit, or want (timestamp 0). */
export interface HelloMoon {
  /** World type; 127 for moons. */
  readonly type: number;
  readonly id: bigint;
  /** Revision held, or 0n if wanted but not yet obtained. */
  readonly timestamp: bigint;
}

/** HELLO payload. Optional fields are absent when the sender stopped early (older nodes). */
export interface Hello {
  readonly protocolVersion: number;
  readonly versionMajor: number;
  readonly versionMinor: number;
  readonly versionRevision: number;
  /** Sender's clock (ms), echoed back verbatim in OK(HELLO). */
  readonly timestamp: bigint;
  readonly identity: Identity;
  /** Physical address the packet was sent to; `null` = sent as unknown (0x00). */
  readonly destination?: InetAddress | null;
  readonly planetId?: bigint;
  readonly planetTimestamp?: bigint;
  /** Present iff the cryptField (moon) section is present. */
  readonly moons?: readonly HelloMoon[];
}

/**
 * Writes a HELLO payload. Optional fields are written up to the last one that is set
 * (1.14 always sends all of them). Returns the writer offset where the cryptField region
 * starts (the moon count), or -1 if no moon section was written.
 */
export function encodeHello(w: Writer, v: Hello): number {
  w.u8(v.protocolVersion).u8(v.versionMajor).u8(v.versionMinor).u16(v.versionRevision);
  w.u64(v.timestamp);
  v.identity.encode(w, false);
  const hasPlanet = v.planetId !== undefined || v.planetTimestamp !== undefined || v.moons !== undefined;
  if (v.destination === undefined && !hasPlanet) return -1;
  encodeInetAddress(w, v.destination ?? null);
  if (!hasPlanet) return -1;
  w.u64(v.planetId ?? 0n).u64(v.planetTimestamp ?? 0n);
  if (v.moons === undefined) return -1;
  const start = w.length;
  if (v.moons.length > 0xffff) throw new RangeError('encodeHello: too many moons');
  w.u16(v.moons.length);
  for (const m of v.moons) w.u8(m.type).u64(m.id).u64(m.timestamp);
  return start;
}

interface HelloHead {
  readonly fixed: Omit<Hello, 'destination' | 'planetId' | 'planetTimestamp' | 'moons'>;
  readonly destination?: InetAddress | null;
  readonly planetId?: bigint;
  readonly planetTimestamp?: bigint;
}

// Shared by decodeHello and helloCryptFieldStart: everything before the cryptField region.
function readHead(r: Reader): Decoded<HelloHead> {
  const protocolVersion = r.u8();
  const versionMajor = r.u8();
  const versionMinor = r.u8();
  const versionRevision = r.u16();
  const timestamp = r.u64();
  if (r.overrun) return fail('hello-truncated');
  const id = Identity.decode(r);
  if (!id.ok) return fail(id.reason);
  const fixed = {
    protocolVersion,
    versionMajor,
    versionMinor,
    versionRevision,
    timestamp,
    identity: id.value,
  };
  if (r.remaining === 0) return ok({ fixed });
  const dest = decodeInetAddress(r);
  if (!dest.ok) return fail(dest.reason);
  if (r.remaining === 0) return ok({ fixed, destination: dest.value });
  const planetId = r.u64();
  const planetTimestamp = r.u64();
  if (r.overrun) return fail('hello-truncated');
  return ok({ fixed, destination: dest.value, planetId, planetTimestamp });
}

/**
 * Decodes a HELLO payload whose moon section has already been decrypted (cryptField).
 * Reasons: `hello-truncated`, or those of Identity/InetAddress.
 */
export function decodeHello(payload: Uint8Array): Decoded<Hello> {
  const r = new Reader(payload);
  const h = readHead(r);
  if (!h.ok) return h;
  const { fixed, ...rest } = h.value;
  if (rest.planetId === undefined || r.remaining === 0) return ok({ ...fixed, ...rest });
  const n = r.u16();
  if (r.overrun || r.remaining < n * HELLO_MOON_RECORD_LENGTH) return fail('hello-truncated');
  const moons: HelloMoon[] = [];
  for (let i = 0; i < n; i++) moons.push({ type: r.u8(), id: r.u64(), timestamp: r.u64() });
  // Bytes after the moon list are ignored, as 1.14 does (room for future fields).
  return ok({ ...fixed, ...rest, moons });
}

/**
 * Payload offset where the cryptField region (moon count onward, §4.3) begins, or
 * `null` if the HELLO has no such region (or is malformed). The packet offset is this
 * value + 28. Works on the encrypted payload: nothing before the region is encrypted.
 */
export function helloCryptFieldStart(payload: Uint8Array): number | null {
  const r = new Reader(payload);
  const h = readHead(r);
  if (!h.ok || h.value.planetId === undefined || r.remaining === 0) return null;
  return r.pos;
}

/** OK(HELLO) body (after the 9-byte OK header, §6.2). */
export interface OkHello {
  /** The HELLO's timestamp, echoed. */
  readonly timestamp: bigint;
  readonly protocolVersion: number;
  readonly versionMajor: number;
  readonly versionMinor: number;
  readonly versionRevision: number;
  /** The physical address the HELLO came from, as the responder saw it (absent from very old nodes). */
  readonly source?: InetAddress | null;
  /**
   * The world-update section: W bytes holding zero or more serialized worlds (§7.1), kept
   * raw so the caller can decode/verify them with the world codec; absent if the sender
   * stopped before the length field.
   */
  readonly worlds?: Uint8Array;
}

/** Writes an OK(HELLO) body (without the OK header). */
export function encodeOkHello(w: Writer, v: OkHello): void {
  w.u64(v.timestamp).u8(v.protocolVersion).u8(v.versionMajor).u8(v.versionMinor).u16(v.versionRevision);
  if (v.source === undefined && v.worlds === undefined) return;
  encodeInetAddress(w, v.source ?? null);
  if (v.worlds === undefined) return;
  if (v.worlds.length > 0xffff) throw new RangeError('encodeOkHello: world section too long');
  w.u16(v.worlds.length).bytes(v.worlds);
}

/** Reads an OK(HELLO) body from `r`; bytes after the world section are ignored (as 1.14 does). `worlds` is a copy. */
export function readOkHello(r: Reader): Decoded<OkHello> {
  const timestamp = r.u64();
  const protocolVersion = r.u8();
  const versionMajor = r.u8();
  const versionMinor = r.u8();
  const versionRevision = r.u16();
  if (r.overrun) return fail('okhello-truncated');
  const fixed = { timestamp, protocolVersion, versionMajor, versionMinor, versionRevision };
  if (r.remaining === 0) return ok(fixed);
  const src = decodeInetAddress(r);
  if (!src.ok) return fail(src.reason);
  if (r.remaining === 0) return ok({ ...fixed, source: src.value });
  const wlen = r.u16();
  const worlds = r.bytes(wlen).slice();
  if (r.overrun) return fail('okhello-truncated');
  return ok({ ...fixed, source: src.value, worlds });
}

/** Decodes an OK(HELLO) body given on its own. */
export function decodeOkHello(body: Uint8Array): Decoded<OkHello> {
  return readOkHello(new Reader(body));
}

/**
 * Splits an OK(HELLO) world section into worlds (§7.1). Signatures are **not** checked
 * here: the caller applies `shouldBeReplacedBy` per §7.2. Reason: the world decoder's,
 * prefixed `okhello-world-`.
 */
export function decodeOkHelloWorlds(worlds: Uint8Array): Decoded<World[]> {
  const r = new Reader(worlds);
  const out: World[] = [];
  while (r.remaining > 0) {
    const d = World.decode(r);
    if (!d.ok) return fail(`okhello-world-${d.reason}`);
    out.push(d.value);
  }
  return ok(out);
}

/** Serializes worlds for the OK(HELLO) world section. */
export function encodeOkHelloWorlds(worlds: readonly World[]): Uint8Array {
  const w = new Writer();
  for (const x of worlds) x.encode(w);
  return w.finish();
}
