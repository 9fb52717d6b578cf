/**
 * The ZeroTier "Dictionary": the `key=value` text container that carries network
 * configurations (netconf), node metadata in NETWORK_CONFIG_REQUEST and auth info in ERROR
 * (protocol.md §8.1). Values are arbitrary bytes, escaped so that they never contain the
 * entry separators; numbers are hex text.
 *
 * This is an ordered key → bytes map. {@link Dictionary.decode} parses untrusted bytes and
 * never throws; {@link Dictionary.encode} produces exactly the bytes the reference writes
 * (entries joined by `\n`, no trailing separator, no NUL terminator).
 * @module
 */

import { type Decoded, fail, ok } from '../util/result.ts';

/** Capacity of a netconf dictionary in the reference (`ZT_NETWORKCONFIG_DICT_CAPACITY`), NUL included. */
export const NETCONF_DICT_CAPACITY = 484520;
/** Capacity of the metadata dictionary sent in NETWORK_CONFIG_REQUEST (Appendix A: 1024), NUL included. */
export const META_DICT_CAPACITY = 1024;

// Separator and escape bytes (§8.1).
const NUL = 0x00;
const LF = 0x0a;
const CR = 0x0d;
const EQ = 0x3d;
const BACKSLASH = 0x5c;
const ESC_NUL = 0x30; // '0'
const ESC_CR = 0x72; // 'r'
const ESC_LF = 0x6e; // 'n'
const ESC_EQ = 0x65; // 'e'

const MASK64 = (1n << 64n) - 1n;
const MASK40 = (1n << 40n) - 1n;

const utf8Decoder = new TextDecoder('utf-8', { fatal: false });
const utf8Encoder = new TextEncoder();

/** Number of bytes `v` takes once escaped (§8.1: NUL, CR, LF, `\` and `=` take two). */
function escapedLength(v: Uint8Array): number {
  let n = v.length;
  for (let i = 0; i < v.length; i++) {
    const c = v[i];
    if (c === NUL || c === CR || c === LF || c === BACKSLASH || c === EQ) n++;
  }
  return n;
}

/** Writes the escaped form of `v` into `out` at `o`; returns the new offset. */
function writeEscaped(out: Uint8Array, o: number, v: Uint8Array): number {
  for (let i = 0; i < v.length; i++) {
    const c = v[i];
    switch (c) {
      case NUL:
        out[o++] = BACKSLASH;
        out[o++] = ESC_NUL;
        break;
      case CR:
        out[o++] = BACKSLASH;
        out[o++] = ESC_CR;
        break;
      case LF:
        out[o++] = BACKSLASH;
        out[o++] = ESC_LF;
        break;
      case BACKSLASH:
        out[o++] = BACKSLASH;
        out[o++] = BACKSLASH;
        break;
      case EQ:
        out[o++] = BACKSLASH;
        out[o++] = ESC_EQ;
        break;
      default:
        out[o++] = c;
    }
  }
  return o;
}

/** Checks a key for `set*`: non-empty, one byte per char, none of `=`, CR, LF, NUL (they would break parsing). */
function checkKey(key: string): void {
  if (typeof key !== 'string' || key.length === 0)
    throw new TypeError('Dictionary: key must be a non-empty string');
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    if (c === NUL || c === CR || c === LF || c === EQ || c > 0xff)
      throw new TypeError(`Dictionary: key ${JSON.stringify(key)} contains a forbidden character`);
  }
}

/**
 * Parses an integer the way the reference's `strtoull(s, 0, 16)` does (§8.1 "read with
 * strtoull so any hex length parses"): leading whitespace, optional sign (a `-` negates modulo
 * 2^64), optional `0x`, then hex digits up to the first non-hex byte; overflow saturates to
 * 2^64−1; no digits → 0.
 */
export function parseHexU64(v: Uint8Array): bigint {
  let i = 0;
  while (i < v.length && (v[i] === 0x20 || (v[i] >= 0x09 && v[i] <= 0x0d))) i++;
  let neg = false;
  if (i < v.length && (v[i] === 0x2b || v[i] === 0x2d)) {
    neg = v[i] === 0x2d;
    i++;
  }
  // "0x" is only a prefix when a hex digit follows it (strtoull otherwise parses the "0").
  if (v[i] === 0x30 && (v[i + 1] === 0x78 || v[i + 1] === 0x58) && hexVal(v[i + 2]) >= 0) i += 2;
  let x = 0n;
  let any = false;
  let overflow = false;
  for (; i < v.length; i++) {
    const d = hexVal(v[i]);
    if (d < 0) break;
    any = true;
    if (!overflow) {
      x = (x << 4n) | BigInt(d);
      if (x > MASK64) overflow = true;
    }
  }
  if (!any) return 0n;
  if (overflow) return MASK64;
  return neg ? -x & MASK64 : x;
}

function hexVal(c: number | undefined): number {
  if (c === undefined) return -1;
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  return -1;
}

/** 16 lowercase hex digits, zero-padded (§8.1 number format). */
function hex16(v: bigint): string {
  return v.toString(16).padStart(16, '0');
}

/** One char per byte (keys are byte strings; chunked so a hostile 400 kB key cannot overflow the call stack). */
function latin1(b: Uint8Array, start: number, end: number): string {
  let s = '';
  for (let i = start; i < end; i += 4096) s += String.fromCharCode(...b.subarray(i, Math.min(end, i + 4096)));
  return s;
}

function asciiBytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/**
 * An ordered `key → bytes` map with the reference's text encoding (§8.1).
 *
 * Setting an existing key replaces its value in place (keeping its position); setters return
 * `false` and change nothing if the encoded dictionary would no longer fit in `capacity`
 * (which, as in the reference, counts a terminating NUL).
 */
export class Dictionary {
  private readonly map = new Map<string, Uint8Array>();
  private encodedLen = 0;

  /** @param capacity maximum encoded size plus one (the reference's buffer size, NUL included). */
  constructor(readonly capacity: number = NETCONF_DICT_CAPACITY) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError('Dictionary: capacity must be >= 1');
  }

  /**
   * Parses untrusted dictionary bytes. Parsing stops at the first NUL (the reference treats the
   * buffer as a C string). Entries are separated by LF or CR; an entry without `=` or with an
   * empty key is ignored; the first occurrence of a key wins (§8.1). Fails with `'too-large'` if the
   * text does not fit in `capacity`.
   */
  static decode(bytes: Uint8Array, capacity: number = NETCONF_DICT_CAPACITY): Decoded<Dictionary> {
    let end = bytes.indexOf(NUL);
    if (end < 0) end = bytes.length;
    if (end >= capacity) return fail('too-large');
    const d = new Dictionary(capacity);
    let p = 0;
    while (p < end) {
      // Key: up to '=' or the end of the line.
      const ks = p;
      while (p < end && bytes[p] !== EQ && bytes[p] !== LF && bytes[p] !== CR) p++;
      if (p >= end || bytes[p] !== EQ) {
        p++; // no '=': skip the separator (or run off the end)
        continue;
      }
      const ke = p++;
      // Value: unescape up to CR/LF/end. A separator ends the value even right after a backslash.
      let ve = p;
      while (ve < end && bytes[ve] !== LF && bytes[ve] !== CR) ve++;
      const value = new Uint8Array(ve - p); // unescaped is never longer than escaped
      let n = 0;
      let esc = false;
      while (p < ve) {
        const c = bytes[p++];
        if (esc) {
          esc = false;
          value[n++] = c === ESC_NUL ? NUL : c === ESC_CR ? CR : c === ESC_LF ? LF : c === ESC_EQ ? EQ : c;
        } else if (c === BACKSLASH) esc = true;
        else value[n++] = c;
      }
      p++; // the separator
      if (ke === ks) continue;
      const key = latin1(bytes, ks, ke);
      if (!d.map.has(key)) d.put(key, value.slice(0, n));
    }
    return ok(d);
  }

  /** The exact bytes the reference would hold: `k=escaped(v)` entries joined by LF (no NUL). */
  encode(): Uint8Array {
    const out = new Uint8Array(this.encodedLen);
    let o = 0;
    for (const [k, v] of this.map) {
      if (o > 0) out[o++] = LF;
      for (let i = 0; i < k.length; i++) out[o++] = k.charCodeAt(i);
      out[o++] = EQ;
      o = writeEscaped(out, o, v);
    }
    return out;
  }

  /** Length in bytes of {@link encode}'s output. */
  get encodedLength(): number {
    return this.encodedLen;
  }

  /** Number of keys. */
  get size(): number {
    return this.map.size;
  }

  /** Keys in insertion order. */
  keys(): string[] {
    return [...this.map.keys()];
  }

  /** `[key, raw value]` pairs in order (values are the stored arrays: do not mutate). */
  entries(): [string, Uint8Array][] {
    return [...this.map.entries()];
  }

  /** True if `key` is present. */
  has(key: string): boolean {
    return this.map.has(key);
  }

  /** Removes `key`; true if it was present. */
  delete(key: string): boolean {
    const v = this.map.get(key);
    if (v === undefined) return false;
    this.encodedLen -= this.entryLength(key, v) + (this.map.size > 1 ? 1 : 0);
    this.map.delete(key);
    return true;
  }

  private entryLength(key: string, v: Uint8Array): number {
    return key.length + 1 + escapedLength(v);
  }

  /** Stores without key validation (decode already parsed it); returns false if over capacity. */
  private put(key: string, value: Uint8Array): boolean {
    const old = this.map.get(key);
    let len = this.encodedLen + this.entryLength(key, value);
    if (old !== undefined) len -= this.entryLength(key, old);
    else if (this.map.size > 0) len += 1; // the LF before a new entry
    if (len > this.capacity - 1) return false;
    this.map.set(key, value);
    this.encodedLen = len;
    return true;
  }

  /** The raw (unescaped) value bytes of `key`, or undefined. The returned array is the stored one: do not mutate. */
  getBytes(key: string): Uint8Array | undefined {
    return this.map.get(key);
  }

  /** Sets raw value bytes (a copy is stored). Binary blobs such as serialized credentials go here. */
  setBytes(key: string, value: Uint8Array): boolean {
    checkKey(key);
    if (!(value instanceof Uint8Array))
      throw new TypeError('Dictionary.setBytes: value must be a Uint8Array');
    return this.put(key, value.slice());
  }

  /** The value decoded as UTF-8 (invalid sequences become U+FFFD), or `def` if absent. */
  getString(key: string, def = ''): string {
    const v = this.map.get(key);
    return v === undefined ? def : utf8Decoder.decode(v);
  }

  /** Sets a UTF-8 string value. */
  setString(key: string, value: string): boolean {
    checkKey(key);
    return this.put(key, utf8Encoder.encode(value));
  }

  /** An unsigned 64-bit value parsed like `strtoull(v, 0, 16)`, or `def` if absent. */
  getU64(key: string, def = 0n): bigint {
    const v = this.map.get(key);
    return v === undefined ? def : parseHexU64(v);
  }

  /** Writes an unsigned value as 16 lowercase hex digits (taken modulo 2^64). */
  setU64(key: string, value: bigint | number): boolean {
    checkKey(key);
    return this.put(key, asciiBytes(hex16(BigInt.asUintN(64, BigInt(value)))));
  }

  /** {@link getU64} as a number; exact only below 2^53 (all netconf counters, flags and sizes are). */
  getNumber(key: string, def = 0): number {
    const v = this.map.get(key);
    return v === undefined ? def : Number(parseHexU64(v));
  }

  /** A signed 64-bit value (`-` + hex magnitude, or plain hex read as two's complement), or `def`. */
  getI64(key: string, def = 0n): bigint {
    const v = this.map.get(key);
    return v === undefined ? def : BigInt.asIntN(64, parseHexU64(v));
  }

  /** Writes a signed value: non-negative as 16 hex digits, negative as `-` + 16 hex digits of the magnitude (§8.1). */
  setI64(key: string, value: bigint | number): boolean {
    checkKey(key);
    const x = BigInt.asIntN(64, BigInt(value));
    const text = x < 0n ? `-${hex16(-x)}` : hex16(x);
    return this.put(key, asciiBytes(text));
  }

  /** True if the value starts with `1`, `t` or `T` (§8.1); `def` if absent. */
  getBool(key: string, def = false): boolean {
    const v = this.map.get(key);
    if (v === undefined) return def;
    return v.length > 0 && (v[0] === 0x31 || v[0] === 0x74 || v[0] === 0x54);
  }

  /** Writes `1` or `0`. */
  setBool(key: string, value: boolean): boolean {
    checkKey(key);
    return this.put(key, new Uint8Array([value ? 0x31 : 0x30]));
  }

  /** A 40-bit ZeroTier address (hex, masked to 40 bits as the reference's `Address` does), or `def`. */
  getAddress(key: string, def = 0): number {
    const v = this.map.get(key);
    return v === undefined ? def : Number(parseHexU64(v) & MASK40);
  }

  /** Writes a 40-bit address as 10 lowercase hex digits. */
  setAddress(key: string, address: number): boolean {
    checkKey(key);
    if (!Number.isInteger(address) || address < 0 || address > 0xffffffffff)
      throw new RangeError('Dictionary.setAddress: address must be a 40-bit unsigned integer');
    return this.put(key, asciiBytes(address.toString(16).padStart(10, '0')));
  }
}
