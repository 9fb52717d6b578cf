/**
 * Makes sure `dist/` (the compiled package, `npm run build`) is at least as new as `src/`, so that
 * benchmarks of "what users run" do not measure a stale build. Builds with `tsc -p
 * tsconfig.build.json` when `dist/index.js` is missing or older than any non-test file of `src/`,
 * and says so on stdout.
 */

import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = new URL('..', import.meta.url).pathname;

/** Newest modification time (ms) of the files under `dir` that the build compiles. */
function newestSource(dir: string): { mtime: number; file: string } {
  let best = { mtime: 0, file: '' };
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name === 'testing') continue; // excluded by tsconfig.build.json
      const n = newestSource(p);
      if (n.mtime > best.mtime) best = n;
    } else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts')) {
      const m = statSync(p).mtimeMs;
      if (m > best.mtime) best = { mtime: m, file: p };
    }
  }
  return best;
}

/** Builds dist/ when stale; returns the `file:` URL of `dist/index.js`. */
export function ensureDist(): string {
  const index = join(root, 'dist', 'index.js');
  const src = newestSource(join(root, 'src'));
  const built = existsSync(index) ? statSync(index).mtimeMs : 0;
  if (built < src.mtime) {
    console.log(
      built === 0
        ? 'dist/ is missing: building it (npm run build)...'
        : `dist/ is older than ${src.file.slice(root.length)}: rebuilding it (npm run build)...`,
    );
    const r = spawnSync(
      process.execPath,
      [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
      {
        cwd: root,
        stdio: ['ignore', 'pipe', 'inherit'],
        encoding: 'utf8',
      },
    );
    // tsc still emits on type errors (noEmitOnError is off); other people's half-written files must
    // not stop a benchmark, but the output says so.
    if (r.status !== 0)
      console.log(`tsc reported type errors (exit ${r.status}); dist/ was emitted anyway:\n${r.stdout}`);
    if (!existsSync(index)) throw new Error('build produced no dist/index.js');
  } else {
    console.log('dist/ is up to date with src/ (compiled package measured, plain node, no tsx)');
  }
  return pathToFileURL(index).href;
}
