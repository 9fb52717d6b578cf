#!/usr/bin/env node
// Runs every *.test.ts under src/ and test/ with node:test through tsx.
// Node 20 has no glob support in `--test`, so the files are collected here.
// Usage: node scripts/run-tests.mjs [filter-substring ...]
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const filters = process.argv.slice(2);
const files = [];
function walk(dir) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'vectors' || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (name.endsWith('.test.ts')) files.push(relative(root, p));
  }
}
for (const d of ['src', 'test']) walk(join(root, d));
files.sort();
const chosen = filters.length ? files.filter((f) => filters.some((s) => f.includes(s))) : files;
if (chosen.length === 0) {
  console.error('run-tests: no test files matched');
  process.exit(1);
}
// No --test-force-exit: with --test-concurrency > 1 it can silently drop test verdicts (the summary then
// counts fewer tests and still exits 0; nodejs/node#64833, seen here). A hang is loud instead: each test has
// a timeout, and a watchdog ends the whole run (exit 1, saying so) if a file never finishes, e.g. because a
// failed test leaked a socket or timer.
const RUN_TIMEOUT_MIN = Number(process.env.TEST_RUN_TIMEOUT_MIN ?? 25);
const args = [
  '--import',
  'tsx',
  '--test',
  '--test-concurrency=2',
  '--test-timeout=300000',
  '--test-reporter=spec',
  ...chosen,
];
const child = spawn(process.execPath, args, { cwd: root, stdio: 'inherit', detached: true });
const watchdog = setTimeout(() => {
  console.error(
    `run-tests: no end after ${RUN_TIMEOUT_MIN} min (a file leaked a handle?): stopping, failing the run`,
  );
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    child.kill('SIGKILL');
  }
  process.exit(1);
}, RUN_TIMEOUT_MIN * 60_000);
watchdog.unref();
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    try {
      process.kill(-child.pid, sig);
    } catch {
      // already gone
    }
    process.exit(1);
  });
}
child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 1)));
