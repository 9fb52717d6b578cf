/**
 * A WebAssembly scratch area for AES-GMAC-SIV (protocol.md §4.4) that lets `aes-gmac-siv.ts`
 * run CTR mode through its long-lived AES-256-ECB context instead of creating a Node CTR
 * cipher per packet (~1.5 µs each):
 *
 * - `counters(B, n)` writes the n counter blocks `B'`, `B'+1`, … (B' = B with byte 12 &= 0x7f,
 *   32-bit big-endian counter in bytes 12..15) for ECB to encrypt into the CTR keystream;
 * - `xorKeystream(ks, n)` XORs that keystream into the envelope copy, 16 bytes per SIMD op.
 *
 * The 16-byte AAD sits right before the envelope copy, so `aadAndEnvelope(n)` is the whole GMAC
 * input (`aad16 || env`) as one contiguous view: one `setAAD` call instead of two.
 *
 * Layout of the one 64 KiB page: [1008, 1024) AAD; [1024, 11264) envelope; [12288, 22528)
 * keystream; [24576, 34832) counter blocks. Not re-entrant (Node is single-threaded).
 * @module
 */
import { buildModule, Code, instantiate, OP, SIMD, T } from './wasm-emit.ts';

const OFF_AAD = 1008;
const OFF_ENV = 1024;
const OFF_KS = 12288;
const OFF_CTR = 24576;
/** Largest envelope the scratch holds (a maximum-size packet's envelope is 9997 bytes). */
export const CTR_SCRATCH_MAX = 10240;

/** `ctr(n, c0, w0, w1, w2)`: n blocks of w0 w1 w2 (raw words) || u32be(c0 + i) at OFF_CTR. */
function emitCounters(): Code {
  // Locals: 0 n, 1 c0, 2 w0, 3 w1, 4 w2 (params); 5 i, 6 p, 7 c.
  const c = new Code();
  c.i32(OFF_CTR).set(6);
  c.op(OP.block, 0x40, OP.loop, 0x40);
  c.get(5).get(0).op(OP.i32GeU, OP.brIf, 1);
  c.get(6).get(2).mem(OP.i32Store, 0);
  c.get(6).get(3).mem(OP.i32Store, 4);
  c.get(6).get(4).mem(OP.i32Store, 8);
  c.get(1).get(5).op(OP.i32Add).set(7);
  const byte = (shift: number, at: number) => {
    c.get(6).get(7);
    if (shift !== 0) c.i32(shift).op(OP.i32ShrU);
    c.mem(OP.i32Store8, at);
  };
  byte(24, 12);
  byte(16, 13);
  byte(8, 14);
  byte(0, 15);
  c.get(6).i32(16).op(OP.i32Add).set(6);
  c.get(5).i32(1).op(OP.i32Add).set(5);
  c.op(OP.br, 0, OP.end, OP.end);
  return c;
}

/** `xor(n)`: env[0..n) ^= ks[0..n), rounded up to whole 16-byte vectors (the areas have slack). */
function emitXor(): Code {
  // Locals: 0 n (param); 1 i.
  const c = new Code();
  c.op(OP.block, 0x40, OP.loop, 0x40);
  c.get(1).get(0).op(OP.i32GeU, OP.brIf, 1);
  c.get(1)
    .get(1)
    .simdMem(SIMD.v128Load, OFF_ENV)
    .get(1)
    .simdMem(SIMD.v128Load, OFF_KS)
    .simd(SIMD.v128Xor)
    .simdMem(SIMD.v128Store, OFF_ENV);
  c.get(1).i32(16).op(OP.i32Add).set(1);
  c.op(OP.br, 0, OP.end, OP.end);
  return c;
}

const core = instantiate(
  buildModule(
    [
      { name: 'ctr', params: 5, locals: [[3, T.i32]], body: emitCounters() },
      { name: 'xor', params: 1, locals: [[1, T.i32]], body: emitXor() },
    ],
    1,
  ),
);

/** True if the scratch could be instantiated (WebAssembly with SIMD). */
export const CTR_SCRATCH_AVAILABLE = core !== null;

function le32(b: Uint8Array, o: number): number {
  return b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24);
}

/** Copies the 16-byte AAD and the envelope `data` into the scratch. */
export function loadScratch(aad: Uint8Array, data: Uint8Array): void {
  const m = core!.mem8;
  m.set(aad, OFF_AAD);
  m.set(data, OFF_ENV);
}

/** The scratch's `aad16 || envelope[0..n)` (a view). */
export function aadAndEnvelope(n: number): Uint8Array {
  return core!.mem8.subarray(OFF_AAD, OFF_ENV + n);
}

/** The scratch's envelope[0..n) (a view). */
export function scratchEnvelope(n: number): Uint8Array {
  return core!.mem8.subarray(OFF_ENV, OFF_ENV + n);
}

/**
 * Writes the counter blocks for an `n`-byte CTR stream with IV `b` (B' = b with byte 12 &= 0x7f)
 * and returns them as a view, ready for AES-256-ECB. The 31-bit start counter plus fewer than
 * 2^10 blocks never reaches 2^32, so this equals OpenSSL's 128-bit-increment CTR.
 */
export function counterBlocks(b: Uint8Array, n: number): Uint8Array {
  const blocks = (n + 15) >>> 4;
  const c0 = ((b[12] & 0x7f) << 24) | (b[13] << 16) | (b[14] << 8) | b[15];
  core!.fns.ctr(blocks, c0, le32(b, 0), le32(b, 4), le32(b, 8));
  return core!.mem8.subarray(OFF_CTR, OFF_CTR + blocks * 16);
}

/** Envelope[0..n) ^= ks[0..n) inside the scratch (`ks` = ECB output of {@link counterBlocks}). */
export function xorKeystream(ks: Uint8Array, n: number): void {
  core!.mem8.set(ks, OFF_KS);
  core!.fns.xor(n);
}
