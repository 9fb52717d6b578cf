/**
 * Salsa20 keystream, four blocks at a time with WebAssembly SIMD (v128 = four 32-bit lanes).
 *
 * Lane k of vector x_w holds state word w of block `counter + k`, so one pass of the
 * (unchanged) Salsa20 double round over 16 vectors computes four blocks; a 4×4 transpose per
 * group of four words then stores them block by block. The rounds and layout are those of
 * `salsaBlock` in `salsa20.ts` (the Salsa20 specification §4-§10), which stays the scalar
 * reference and fallback: the tests compare the two on random states.
 *
 * Used by {@link salsaBlocks} in `salsa20.ts` for bulk keystream: packet armor (§4.2) and the
 * memory-hard identity hash (§2.3), which needs 163,840 Salsa20/20 blocks per identity.
 *
 * Memory (two 64 KiB pages): [0, 64) the 16-word input state, little-endian; keystream output
 * from byte 1024, up to {@link SALSA_WASM_MAX_BLOCKS} blocks per call.
 * @module
 */
import { buildModule, Code, instantiate, OP, SIMD, T } from './wasm-emit.ts';

/** Output offset in the module's memory. */
const OFF_OUT = 1024;
/** Blocks one call may produce (a multiple of 4 that fits the two pages). */
export const SALSA_WASM_MAX_BLOCKS = 2032;

/**
 * `run(groups: i32, rounds: i32)`: writes `4·groups` keystream blocks for the state at [0, 64)
 * (block counter in words 8/9; the caller guarantees word 8 does not wrap within the call).
 */
function emitGenerator(): Code {
  // Locals: 0 groups, 1 rounds (params); i32 2 round counter, 3 output pointer;
  // v128 4..19 j (input state), 20..35 x (working state), 36 u, 37..40 transpose temporaries.
  const J = 4;
  const X = 20;
  const U = 36;
  const TMP = 37;
  const c = new Code();
  const lanes = (...b: number[]) => b;

  // j_w = splat(state[w]); j_8 += (0, 1, 2, 3) so lane k is block counter + k.
  for (let w = 0; w < 16; w++)
    c.i32(0)
      .mem(OP.i32Load, 4 * w)
      .simd(SIMD.i32x4Splat)
      .set(J + w);
  c.get(J + 8)
    .simd(SIMD.v128Const, ...lanes(0, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0))
    .simd(SIMD.i32x4Add)
    .set(J + 8);
  c.i32(OFF_OUT).set(3);

  c.op(OP.block, 0x40, OP.loop, 0x40);
  c.get(0).op(OP.i32Eqz, OP.brIf, 1);
  for (let w = 0; w < 16; w++) c.get(J + w).set(X + w);
  c.get(1).set(2);

  // One Salsa20 step: x_b ^= rotl(x_a + x_d, n).
  const step = (b: number, a: number, d: number, n: number) => {
    c.get(X + a)
      .get(X + d)
      .simd(SIMD.i32x4Add)
      .tee(U)
      .i32(n)
      .simd(SIMD.i32x4Shl)
      .get(U)
      .i32(32 - n)
      .simd(SIMD.i32x4ShrU)
      .simd(SIMD.v128Or)
      .get(X + b)
      .simd(SIMD.v128Xor)
      .set(X + b);
  };
  // quarterround(y0, y1, y2, y3) of the specification §3.
  const qr = (y0: number, y1: number, y2: number, y3: number) => {
    step(y1, y0, y3, 7);
    step(y2, y1, y0, 9);
    step(y3, y2, y1, 13);
    step(y0, y3, y2, 18);
  };
  c.op(OP.loop, 0x40);
  qr(0, 4, 8, 12); // column round (§4)
  qr(5, 9, 13, 1);
  qr(10, 14, 2, 6);
  qr(15, 3, 7, 11);
  qr(0, 1, 2, 3); // row round (§5)
  qr(5, 6, 7, 4);
  qr(10, 11, 8, 9);
  qr(15, 12, 13, 14);
  c.get(2).i32(2).op(OP.i32Sub).tee(2).op(OP.brIf, 0, OP.end);

  for (let w = 0; w < 16; w++)
    c.get(X + w)
      .get(J + w)
      .simd(SIMD.i32x4Add)
      .set(X + w);

  // Transpose each group of four word-vectors (a, b, c, d) into four block-rows and store:
  // row k = (a_k, b_k, c_k, d_k) = words 4q..4q+3 of block k.
  const shuffle = (p: number, q: number, sel: number[]) => {
    c.get(p).get(q);
    const bytes: number[] = [];
    for (const lane of sel) for (let i = 0; i < 4; i++) bytes.push(lane * 4 + i);
    c.simd(SIMD.i8x16Shuffle, ...bytes);
  };
  for (let q = 0; q < 4; q++) {
    const a = X + 4 * q;
    // Lanes 0-3 name the first operand's lanes, 4-7 the second's.
    shuffle(a, a + 1, [0, 4, 1, 5]); // t0 = a0 b0 a1 b1
    c.set(TMP);
    shuffle(a, a + 1, [2, 6, 3, 7]); // t1 = a2 b2 a3 b3
    c.set(TMP + 1);
    shuffle(a + 2, a + 3, [0, 4, 1, 5]); // t2 = c0 d0 c1 d1
    c.set(TMP + 2);
    shuffle(a + 2, a + 3, [2, 6, 3, 7]); // t3 = c2 d2 c3 d3
    c.set(TMP + 3);
    const rows: [number, number, number[]][] = [
      [TMP, TMP + 2, [0, 1, 4, 5]], // a0 b0 c0 d0
      [TMP, TMP + 2, [2, 3, 6, 7]], // a1 b1 c1 d1
      [TMP + 1, TMP + 3, [0, 1, 4, 5]], // a2 b2 c2 d2
      [TMP + 1, TMP + 3, [2, 3, 6, 7]], // a3 b3 c3 d3
    ];
    rows.forEach(([p, r, sel], k) => {
      c.get(3);
      shuffle(p, r, sel);
      c.simdMem(SIMD.v128Store, 64 * k + 16 * q);
    });
  }

  // Next group: counters + 4, output + 256 bytes.
  c.get(J + 8)
    .simd(SIMD.v128Const, ...lanes(4, 0, 0, 0, 4, 0, 0, 0, 4, 0, 0, 0, 4, 0, 0, 0))
    .simd(SIMD.i32x4Add)
    .set(J + 8);
  c.get(3).i32(256).op(OP.i32Add).set(3);
  c.get(0).i32(1).op(OP.i32Sub).set(0);
  c.op(OP.br, 0, OP.end, OP.end);
  return c;
}

const core = instantiate(
  buildModule(
    [
      {
        name: 'run',
        params: 2,
        locals: [
          [2, T.i32],
          [37, T.v128],
        ],
        body: emitGenerator(),
      },
    ],
    2,
  ),
);

/** True if the SIMD Salsa20 core could be instantiated (WebAssembly with SIMD, e.g. Node >= 16). */
export const SALSA_WASM_AVAILABLE = core !== null;

/**
 * Writes `4·groups` consecutive keystream blocks (12 or 20 rounds) for `state` into
 * `out[outWord..)`, without touching `state`. Preconditions (checked by the caller,
 * `salsaBlocks`): {@link SALSA_WASM_AVAILABLE}, `4·groups <= SALSA_WASM_MAX_BLOCKS`, and the
 * low counter word does not wrap within the call.
 */
export function salsaGroupsWasm(
  rounds: 12 | 20,
  state: Uint32Array,
  out: Uint32Array,
  outWord: number,
  groups: number,
): void {
  const k = core!;
  k.mem32.set(state.subarray(0, 16), 0);
  k.fns.run(groups, rounds);
  const first = OFF_OUT >>> 2;
  out.set(k.mem32.subarray(first, first + groups * 64), outWord);
}
