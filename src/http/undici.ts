/**
 * undici, loaded on first use. Importing it costs ≈ 22 MB of RSS and ≈ 5 MB of heap (measured on
 * Node 20: a bare process 41 MB, after `import 'undici'` 63 MB), which is more than a whole idle
 * node with one network should take (issue 6: ≤ 60 MB). Most nodes never call `fetch`, so the SDK
 * loads undici only when a dispatcher or `fetch` is first asked for. `createRequire` keeps that
 * synchronous (a dispatcher is returned by a getter); undici is a CommonJS package, so this is the
 * same instance `import 'undici'` gives the application.
 * @module
 */

import { createRequire } from 'node:module';

/** The parts of undici the SDK uses. */
export type Undici = typeof import('undici');

let cached: Undici | undefined;

/** Returns the undici module, loading it on the first call. */
export function loadUndici(): Undici {
  cached ??= createRequire(import.meta.url)('undici') as Undici;
  return cached;
}
