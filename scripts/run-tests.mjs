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
// --test-force-exit: a test file whose failed test leaked a socket or timer must still end (else the whole
// run would wait forever); node ≥ 20.14.
const args = [
  '--import',
  'tsx',
  '--test',
  '--test-force-exit',
  '--test-concurrency=2',
  '--test-reporter=spec',
  ...chosen,
];
const child = spawn(process.execPath, args, { cwd: root, stdio: 'inherit' });
child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 1)));
