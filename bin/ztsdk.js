#!/usr/bin/env node
// The `ztsdk` command. In a source checkout (src/ present: it is not published) the TypeScript
// sources run through tsx, a devDependency, so a stale dist/ never shadows edits; an installed
// package runs the compiled CLI in dist/.
import { existsSync } from 'node:fs';

const source = new URL('../src/cli/main.ts', import.meta.url);
if (existsSync(source)) {
  const { register } = await import('tsx/esm/api');
  register();
  await import(source.href);
} else {
  await import(new URL('../dist/cli/main.js', import.meta.url).href);
}
