/** Tiny timing helpers shared by the benchmarks (warm-up, then best-of-N batches). */

/** Runs `fn` in batches for about `ms` after a warm-up and returns the best mean time per call in microseconds. */
export function timePerCall(fn: () => void, opts: { ms?: number; batch?: number } = {}): number {
  const ms = opts.ms ?? 1000;
  const batch = opts.batch ?? 100;
  for (let i = 0; i < batch * 3; i++) fn();
  let best = Number.POSITIVE_INFINITY;
  const until = performance.now() + ms;
  while (performance.now() < until) {
    const t0 = performance.now();
    for (let i = 0; i < batch; i++) fn();
    const per = ((performance.now() - t0) * 1000) / batch;
    if (per < best) best = per;
  }
  return best;
}

/** Prints one result row: `name  value unit  (target)`. */
export function report(name: string, value: number, unit: string, target?: string): void {
  const v = value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2);
  console.log(`${name.padEnd(48)} ${v.padStart(9)} ${unit}${target ? `   (target ${target})` : ''}`);
}
