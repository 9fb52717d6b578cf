#!/usr/bin/env node
// The `ztsdk` command. An installed package runs the compiled CLI in dist/; a source checkout
// (no dist/ yet) runs the TypeScript sources through tsx, a devDependency.
import { existsSync } from 'node:fs';
import { register } from 'node:module';
import { pathToFileURL } from 'node:url';

const built = new URL('../dist/cli/main.js', import.meta.url);
if (existsSync(built)) {
  await import(built.href);
} else {
  register('tsx/esm', pathToFileURL('./'));
  await import(new URL('../src/cli/main.ts', import.meta.url).href);
}
