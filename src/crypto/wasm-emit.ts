/**
 * A minimal WebAssembly emitter for the few hand-written cores in src/crypto (Poly1305 blocks,
 * 4-way SIMD Salsa20, the AES-GMAC-SIV CTR helper). Modules are built from these helpers at load time, so the source of every
 * instruction is readable TypeScript: no toolchain, no opaque binary in the repository.
 *
 * Only what those cores use is here: exported functions with i32 parameters, one memory, numeric,
 * local, memory and structured-control instructions, and a few SIMD (0xfd-prefixed) ones.
 * Opcode values are from the WebAssembly core specification (binary format, §5.4).
 * @module
 */

/** Unsigned LEB128. */
export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

/** Signed LEB128 of a 32-bit integer. */
export function sleb(n: number): number[] {
  const out: number[] = [];
  let v = n | 0;
  for (;;) {
    const b = v & 0x7f;
    v >>= 7;
    if ((v === 0 && (b & 0x40) === 0) || (v === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

/** Value types. */
export const T = { i32: 0x7f, i64: 0x7e, v128: 0x7b } as const;

/** Single-byte opcodes. */
export const OP = {
  block: 0x02,
  loop: 0x03,
  br: 0x0c,
  brIf: 0x0d,
  end: 0x0b,
  localGet: 0x20,
  localSet: 0x21,
  localTee: 0x22,
  i32Load: 0x28,
  i32Store: 0x36,
  i32Store8: 0x3a,
  i64Load: 0x29,
  i64Load32U: 0x35,
  i64Store: 0x37,
  i32Const: 0x41,
  i64Const: 0x42,
  i32Eqz: 0x45,
  i32Add: 0x6a,
  i32Sub: 0x6b,
  i32ShrU: 0x76,
  i32GeU: 0x4f,
  i64Add: 0x7c,
  i64Mul: 0x7e,
  i64And: 0x83,
  i64Or: 0x84,
  i64ShrU: 0x88,
  i64ExtendI32U: 0xad,
} as const;

/** SIMD opcodes (emitted as 0xfd followed by the LEB128 of these). */
export const SIMD = {
  v128Load: 0x00,
  v128Store: 0x0b,
  v128Const: 0x0c,
  i8x16Shuffle: 0x0d,
  i32x4Splat: 0x11,
  v128Or: 0x50,
  v128Xor: 0x51,
  i32x4Shl: 0xab,
  i32x4ShrU: 0xad,
  i32x4Add: 0xae,
} as const;

/** Accumulates one function body. */
export class Code {
  readonly bytes: number[] = [];

  op(...b: number[]): this {
    this.bytes.push(...b);
    return this;
  }
  get(i: number): this {
    return this.op(OP.localGet, ...uleb(i));
  }
  set(i: number): this {
    return this.op(OP.localSet, ...uleb(i));
  }
  tee(i: number): this {
    return this.op(OP.localTee, ...uleb(i));
  }
  i32(v: number): this {
    return this.op(OP.i32Const, ...sleb(v));
  }
  /** i64.const for values that fit in 32 signed bits (all this project needs). */
  i64(v: number): this {
    return this.op(OP.i64Const, ...sleb(v));
  }
  /** A memory instruction with alignment hint 1 (always valid) and a constant offset. */
  mem(opcode: number, offset: number): this {
    return this.op(opcode, 0x00, ...uleb(offset));
  }
  simd(opcode: number, ...imm: number[]): this {
    return this.op(0xfd, ...uleb(opcode), ...imm);
  }
  simdMem(opcode: number, offset: number): this {
    return this.simd(opcode, 0x04, ...uleb(offset)); // alignment hint 16
  }
}

function section(id: number, content: number[]): number[] {
  return [id, ...uleb(content.length), ...content];
}

function name(s: string): number[] {
  return [...uleb(s.length), ...Array.from(s, (ch) => ch.charCodeAt(0))];
}

/** One exported function of a module: i32 parameters only, no results. */
export interface FuncDef {
  readonly name: string;
  readonly params: number;
  /** Local declarations as [count, type] groups (after the parameters). */
  readonly locals: [number, number][];
  readonly body: Code;
}

/** A module exporting `funcs` and one memory `memory` of `pages` 64 KiB pages. */
export function buildModule(funcs: FuncDef[], pages: number): Uint8Array {
  const types = funcs.map((f) => [0x60, ...uleb(f.params), ...new Array(f.params).fill(T.i32), 0]);
  const type = section(1, [...uleb(funcs.length), ...types.flat()]);
  const func = section(3, [...uleb(funcs.length), ...funcs.flatMap((_, i) => uleb(i))]);
  const memory = section(5, [1, 0x00, ...uleb(pages)]);
  const exports = funcs.map((f, i) => [...name(f.name), 0x00, ...uleb(i)]);
  exports.push([...name('memory'), 0x02, 0]);
  const exp = section(7, [...uleb(exports.length), ...exports.flat()]);
  const bodies = funcs.map((f) => {
    const localBytes = [...uleb(f.locals.length), ...f.locals.flatMap(([n, t]) => [...uleb(n), t])];
    const fbody = [...localBytes, ...f.body.bytes, OP.end];
    return [...uleb(fbody.length), ...fbody];
  });
  const code = section(10, [...uleb(funcs.length), ...bodies.flat()]);
  return new Uint8Array([0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0, ...type, ...func, ...memory, ...exp, ...code]);
}

/**
 * The slice of the WebAssembly JS API used here. The project compiles against ES2023 + Node
 * types, which do not declare the `WebAssembly` global, so it is declared locally.
 */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: Record<string, unknown> };
}
declare const WebAssembly: WasmApi | undefined;

/** An instantiated module: its exported functions by name and views of its memory. */
export interface WasmCore {
  readonly fns: Record<string, (...args: number[]) => void>;
  readonly mem8: Uint8Array;
  readonly mem32: Uint32Array;
}

/** Instantiates `bytes` (synchronously: modules here are tiny), or null if that fails. */
export function instantiate(bytes: Uint8Array): WasmCore | null {
  try {
    if (typeof WebAssembly !== 'object') return null;
    const inst = new WebAssembly.Instance(new WebAssembly.Module(bytes));
    const e = inst.exports as { memory?: { buffer: ArrayBuffer } } & Record<string, unknown>;
    if (e.memory === undefined) return null;
    const fns: Record<string, (...args: number[]) => void> = {};
    for (const [k, v] of Object.entries(e))
      if (typeof v === 'function') fns[k] = v as (...args: number[]) => void;
    // Memory never grows (no memory.grow), so these views stay valid.
    return { fns, mem8: new Uint8Array(e.memory.buffer), mem32: new Uint32Array(e.memory.buffer) };
  } catch {
    return null;
  }
}
