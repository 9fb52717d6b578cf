#!/usr/bin/env node
// Restores lockfile entries for platform-specific optional packages that `npm install` leaves out
// when the registry it can reach only carries some platforms' builds (the package registry of this
// project's machines serves Linux builds only). Without them `npm ci` refuses the lockfile as "out
// of sync". Each entry carries its os/cpu/libc, so npm skips it on other platforms without fetching.
// Run after `npm install` changes the lock: `node scripts/lock-platforms.mjs`.
import { readFileSync, writeFileSync } from 'node:fs';

const PLATFORM = {
  'android-arm64': { os: ['android'], cpu: ['arm64'] },
  'android-x64': { os: ['android'], cpu: ['x64'] },
  'darwin-arm64': { os: ['darwin'], cpu: ['arm64'] },
  'darwin-x64': { os: ['darwin'], cpu: ['x64'] },
  'linux-arm64': { os: ['linux'], cpu: ['arm64'], libc: ['glibc'] },
  'linux-arm64-musl': { os: ['linux'], cpu: ['arm64'], libc: ['musl'] },
  'linux-x64': { os: ['linux'], cpu: ['x64'], libc: ['glibc'] },
  'linux-x64-musl': { os: ['linux'], cpu: ['x64'], libc: ['musl'] },
  'win32-arm64': { os: ['win32'], cpu: ['arm64'] },
  'win32-x64': { os: ['win32'], cpu: ['x64'] },
};

const path = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(path, 'utf8'));
let added = 0;
for (const [key, entry] of Object.entries(lock.packages)) {
  for (const [dep, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const at = `node_modules/${dep}`;
    if (lock.packages[at]) continue;
    const m = /-((?:android|darwin|linux|win32)-(?:arm64|x64)(?:-musl)?)$/.exec(dep);
    if (!m || !PLATFORM[m[1]]) {
      console.error(
        `lock-platforms: ${dep} (optional dependency of ${key || 'the root'}) is missing and is not a known platform package`,
      );
      process.exitCode = 1;
      continue;
    }
    lock.packages[at] = {
      version,
      ...(entry.dev ? { dev: true } : {}),
      optional: true,
      ...PLATFORM[m[1]],
      ...(entry.license ? { license: entry.license } : {}),
      ...(entry.engines ? { engines: entry.engines } : {}),
    };
    added++;
  }
}
lock.packages = Object.fromEntries(
  Object.entries(lock.packages).sort(([a], [b]) =>
    a === '' ? -1 : b === '' ? 1 : a < b ? -1 : a > b ? 1 : 0,
  ),
);
writeFileSync(path, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`lock-platforms: ${added} platform entr${added === 1 ? 'y' : 'ies'} added`);
