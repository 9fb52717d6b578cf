/**
 * The ZeroTier packet header (protocol.md §3.2): offsets, flag bits and a zero-copy view.
 *
 * ```
 *  0  8  packet ID (random; crypto IV; for cipher 3 the first half of the SIV tag, §4.4)
 *  8  5  destination address
 * 13  5  source address
 * 18  1  flags: 0x80 legacy-encrypted, 0x40 fragmented, 0x38 cipher, 0x07 hops  (FFCCCHHH)
 * 19  8  MAC (or trusted-path ID when cipher = 2)
 * 27  1  verb byte: low 5 bits verb, 0x80 = payload LZ4-compressed   (encrypted for ciphers 1, 3)
 * 28  …  verb payload
 * ```
 *
 * The view only reads and writes fields; armoring is in `armor.ts`, verb numbers in
 * `verbs/verb.ts`, fragments in `fragment.ts`.
 * @module
 */
import { readU40, readU64, writeU40, writeU64 } from '../util/bytes.ts';
import { type Decoded, fail, ok } from '../util/result.ts';

/** Offset of the 64-bit packet ID. */
export const PKT_ID = 0;
/** Offset of the 40-bit destination address. */
export const PKT_DEST = 8;
/** Offset of the 40-bit source address. */
export const PKT_SOURCE = 13;
/** Offset of the flags/cipher/hops byte. */
export const PKT_FLAGS = 18;
/** Offset of the 64-bit MAC (trusted-path ID for cipher 2). */
export const PKT_MAC = 19;
/** Offset of the verb byte; also where the encrypted/authenticated envelope starts (§4). */
export const PKT_VERB = 27;
/** Offset of the verb payload (also where LZ4 compression starts, §5). */
export const PKT_PAYLOAD = 28;
/** Bytes before the envelope (bytes 0..26, §4). */
export const PACKET_HEADER_LENGTH = 27;
/** Shortest valid packet: header + verb byte (`ZT_PROTO_MIN_PACKET_LENGTH`). */
export const PACKET_MIN_LENGTH = 28;
/** Longest assembled packet (`ZT_PROTO_MAX_PACKET_LENGTH`, 7 × 1432). */
export const PACKET_MAX_LENGTH = 10024;

/** Flags bit 7: legacy "encrypted" flag, set iff cipher 1 (covered by the MAC/AAD). */
export const FLAG_LEGACY_ENCRYPTED = 0x80;
/** Flags bit 6: more fragments follow (§3.3); set before armoring. */
export const FLAG_FRAGMENTED = 0x40;
/** Flags bits 5..3: cipher suite. */
export const FLAGS_CIPHER_MASK = 0x38;
/** Flags bits 2..0: hop count, the only field relays change; excluded from authentication. */
export const FLAGS_HOPS_MASK = 0x07;
/** Mask of the flags bits that are authenticated (everything but hops). */
export const FLAGS_AUTH_MASK = 0xf8;

/** Verb byte bit 7: the payload is LZ4-compressed (§5). */
export const VERB_FLAG_COMPRESSED = 0x80;
/** Verb byte bits 4..0: the verb number. */
export const VERB_MASK = 0x1f;

/** Cipher 0: Poly1305 MAC only, no encryption (§4.2). */
export const CIPHER_POLY1305_NONE = 0;
/** Cipher 1: Salsa20/12 encryption + Poly1305 MAC (§4.2). */
export const CIPHER_SALSA2012_POLY1305 = 1;
/** Cipher 2: no crypto, trusted physical path; MAC field = path ID (§3.2). */
export const CIPHER_NONE_TRUSTED = 2;
/** Cipher 3: AES-GMAC-SIV (§4.4). */
export const CIPHER_AES_GMAC_SIV = 3;
/** A cipher suite number as carried in the flags byte (4–7 are unused and rejected by dearmor). */
export type CipherSuite = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7;

/** Cipher suite from a flags byte. */
export function flagsCipher(flags: number): CipherSuite {
  return ((flags >>> 3) & 7) as CipherSuite;
}

/** Hop count of a packet head (no bounds check: callers have checked length >= 28). */
export function packetHops(pkt: Uint8Array): number {
  return pkt[PKT_FLAGS] & FLAGS_HOPS_MASK;
}

/** Sets the hop count (0..7), leaving the other flag bits alone. */
export function setPacketHops(pkt: Uint8Array, hops: number): void {
  pkt[PKT_FLAGS] = (pkt[PKT_FLAGS] & ~FLAGS_HOPS_MASK) | (hops & FLAGS_HOPS_MASK);
}

/** Relay step (§3.4): `hops = (hops + 1) & 7`, other flag bits kept. Returns the new count. */
export function incrementPacketHops(pkt: Uint8Array): number {
  const h = (pkt[PKT_FLAGS] + 1) & FLAGS_HOPS_MASK;
  setPacketHops(pkt, h);
  return h;
}

/**
 * A zero-copy view over a packet head or assembled packet. Construct with {@link PacketView.check}
 * for untrusted bytes (guarantees length >= 28, so no accessor reads out of bounds).
 */
export class PacketView {
  /** The viewed bytes (the whole packet; `length` is `buf.length`). */
  readonly buf: Uint8Array;

  private constructor(buf: Uint8Array) {
    this.buf = buf;
  }

  /** Wraps `buf` if it is long enough to be a packet head (>= 28 bytes). */
  static check(buf: Uint8Array): Decoded<PacketView> {
    if (buf.length < PACKET_MIN_LENGTH) return fail('too-short');
    if (buf.length > PACKET_MAX_LENGTH) return fail('too-long');
    return ok(new PacketView(buf));
  }

  /**
   * Wraps a buffer the caller is building (must already be >= 28 bytes).
   * @throws RangeError if it is shorter.
   */
  static wrap(buf: Uint8Array): PacketView {
    if (buf.length < PACKET_MIN_LENGTH) throw new RangeError('PacketView.wrap: buffer shorter than 28 bytes');
    return new PacketView(buf);
  }

  /** Total length in bytes. */
  get length(): number {
    return this.buf.length;
  }

  /** Packet ID as an unsigned 64-bit big-endian integer (fragment reassembly key, §3.3). */
  get packetId(): bigint {
    return readU64(this.buf, PKT_ID);
  }
  set packetId(v: bigint) {
    writeU64(this.buf, PKT_ID, v);
  }
  /** The 8 raw packet-ID bytes (a view, not a copy). */
  get packetIdBytes(): Uint8Array {
    return this.buf.subarray(PKT_ID, PKT_ID + 8);
  }

  /** Destination ZeroTier address (40 bits). */
  get destination(): number {
    return readU40(this.buf, PKT_DEST);
  }
  set destination(a: number) {
    writeU40(this.buf, PKT_DEST, a);
  }

  /** Source ZeroTier address (40 bits). */
  get source(): number {
    return readU40(this.buf, PKT_SOURCE);
  }
  set source(a: number) {
    writeU40(this.buf, PKT_SOURCE, a);
  }

  /** The raw flags byte (offset 18). */
  get flags(): number {
    return this.buf[PKT_FLAGS];
  }
  set flags(f: number) {
    this.buf[PKT_FLAGS] = f & 0xff;
  }

  /** Cipher suite, flags bits 5..3. */
  get cipher(): CipherSuite {
    return flagsCipher(this.buf[PKT_FLAGS]);
  }
  /** Sets the cipher bits only (armor also manages the legacy 0x80 bit). */
  set cipher(c: CipherSuite) {
    this.buf[PKT_FLAGS] = (this.buf[PKT_FLAGS] & ~FLAGS_CIPHER_MASK) | ((c & 7) << 3);
  }

  /** Hop count, flags bits 2..0. */
  get hops(): number {
    return this.buf[PKT_FLAGS] & FLAGS_HOPS_MASK;
  }
  set hops(h: number) {
    setPacketHops(this.buf, h);
  }

  /** True if more fragments follow (flags bit 0x40). */
  get fragmented(): boolean {
    return (this.buf[PKT_FLAGS] & FLAG_FRAGMENTED) !== 0;
  }
  set fragmented(v: boolean) {
    if (v) this.buf[PKT_FLAGS] |= FLAG_FRAGMENTED;
    else this.buf[PKT_FLAGS] &= ~FLAG_FRAGMENTED;
  }

  /** The legacy "encrypted" flag (0x80). */
  get legacyEncrypted(): boolean {
    return (this.buf[PKT_FLAGS] & FLAG_LEGACY_ENCRYPTED) !== 0;
  }

  /** The 64-bit MAC field (trusted-path ID when cipher = 2), big-endian. */
  get mac(): bigint {
    return readU64(this.buf, PKT_MAC);
  }
  set mac(v: bigint) {
    writeU64(this.buf, PKT_MAC, v);
  }
  /** The 8 raw MAC bytes (a view). */
  get macBytes(): Uint8Array {
    return this.buf.subarray(PKT_MAC, PKT_MAC + 8);
  }

  /** The raw verb byte (only meaningful after dearmor when the cipher encrypts). */
  get verbByte(): number {
    return this.buf[PKT_VERB];
  }
  set verbByte(v: number) {
    this.buf[PKT_VERB] = v & 0xff;
  }
  /** Verb number: low 5 bits of the verb byte (bits 6..5 ignored, §3.2). */
  get verb(): number {
    return this.buf[PKT_VERB] & VERB_MASK;
  }
  /** True if the payload is LZ4-compressed (verb byte bit 7). */
  get compressed(): boolean {
    return (this.buf[PKT_VERB] & VERB_FLAG_COMPRESSED) !== 0;
  }
  set compressed(v: boolean) {
    if (v) this.buf[PKT_VERB] |= VERB_FLAG_COMPRESSED;
    else this.buf[PKT_VERB] &= ~VERB_FLAG_COMPRESSED;
  }

  /** The verb payload, bytes [28, length) (a view). */
  get payload(): Uint8Array {
    return this.buf.subarray(PKT_PAYLOAD);
  }
}

/** Fields of a packet header to write with {@link writePacketHeader}. */
export interface PacketHeaderFields {
  /** 8 random bytes (the caller's injected randomness) or a 64-bit value. */
  readonly packetId: Uint8Array | bigint;
  readonly destination: number;
  readonly source: number;
  /** Verb number (0..31); combined with `compressed` into the verb byte. */
  readonly verb: number;
  readonly compressed?: boolean;
  /** Flag bits, e.g. {@link FLAG_FRAGMENTED} (hops are masked off; armor sets cipher bits). Default 0. */
  readonly flags?: number;
}

/**
 * Writes bytes 0..27 of a packet into `buf` (which must hold at least 28 bytes): packet ID,
 * addresses, flags (hops 0, cipher 0), zero MAC and the verb byte. The payload is the caller's.
 */
export function writePacketHeader(buf: Uint8Array, h: PacketHeaderFields): void {
  if (buf.length < PACKET_MIN_LENGTH) throw new RangeError('writePacketHeader: buffer shorter than 28 bytes');
  if (!Number.isInteger(h.verb) || h.verb < 0 || h.verb > VERB_MASK)
    throw new RangeError('writePacketHeader: bad verb');
  if (typeof h.packetId === 'bigint') writeU64(buf, PKT_ID, h.packetId);
  else {
    if (h.packetId.length !== 8) throw new RangeError('writePacketHeader: packetId must be 8 bytes');
    buf.set(h.packetId, PKT_ID);
  }
  writeHeaderRest(
    buf,
    h.destination,
    h.source,
    h.flags ?? 0,
    h.verb | (h.compressed ? VERB_FLAG_COMPRESSED : 0),
  );
}

/**
 * {@link writePacketHeader} with positional arguments, for the per-packet send path (no fields
 * object): `packetId` 8 bytes, `verbByte` = verb | 0x80 if compressed. Same checks.
 */
export function writePacketHeaderRaw(
  buf: Uint8Array,
  packetId: Uint8Array,
  destination: number,
  source: number,
  flags: number,
  verbByte: number,
): void {
  if (buf.length < PACKET_MIN_LENGTH) throw new RangeError('writePacketHeader: buffer shorter than 28 bytes');
  if (!Number.isInteger(verbByte) || (verbByte & ~VERB_FLAG_COMPRESSED) > VERB_MASK || verbByte < 0)
    throw new RangeError('writePacketHeader: bad verb');
  if (packetId.length !== 8) throw new RangeError('writePacketHeader: packetId must be 8 bytes');
  for (let i = 0; i < 8; i++) buf[PKT_ID + i] = packetId[i];
  writeHeaderRest(buf, destination, source, flags, verbByte);
}

function writeHeaderRest(
  buf: Uint8Array,
  destination: number,
  source: number,
  flags: number,
  verbByte: number,
): void {
  writeU40(buf, PKT_DEST, destination);
  writeU40(buf, PKT_SOURCE, source);
  buf[PKT_FLAGS] = flags & FLAGS_AUTH_MASK;
  for (let i = 0; i < 8; i++) buf[PKT_MAC + i] = 0;
  buf[PKT_VERB] = verbByte;
}
