#!/usr/bin/env node
// The `ztsdk` command. An installed package runs the compiled CLI in dist/; a source checkout
// (no dist/ yet) runs the TypeScript sources through tsx, a devDependency.
import { existsSync } from 'node:fs';

const built = new URL('../dist/cli/main.js', import.meta.url);
if (existsSync(built)) {
  await import(built.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(new URL('../src/cli/main.ts', import.meta.url).href);
}
