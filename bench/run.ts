/**
 * `npm run bench [filter...]`: runs every `bench/*.bench.ts` in its own process, one after
 * the other (never in parallel: the machine has two cores and the numbers must not fight).
 * Each bench prints its own table; results are recorded by hand in BENCHMARKS.md.
 * A filter runs the benches whose file name starts with it (`api` → `api.bench.ts`, not
 * `sockets-api.bench.ts`; `vl2` → `vl2`, `vl2-network`, `vl2-flood`); a filter that starts no
 * file name runs those that contain it (`kernel` → `stack-kernel`, `tcp-kernel`).
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const dir = new URL('.', import.meta.url).pathname;
const filters = process.argv.slice(2);
const all = readdirSync(dir).filter((f) => f.endsWith('.bench.ts'));
const matches = (f: string, s: string) =>
  all.some((x) => x.startsWith(s)) ? f.startsWith(s) : f.includes(s);
const files = all.filter((f) => filters.length === 0 || filters.some((s) => matches(f, s))).sort();
let failed = 0;
for (const f of files) {
  console.log(`\n## ${f}`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(dir, f)], { stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
