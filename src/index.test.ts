import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import * as sdk from './index.ts';

test('the public entry exports every layer it documents', () => {
  for (const name of [
    'Identity',
    'World',
    'WorldType',
    'defaultPlanet',
    'Node',
    'NodeRunner',
    'FileStore',
    'MemoryStore',
    'EthernetPort',
    'Stack',
  ]) {
    assert.ok(name in sdk, name);
  }
  assert.equal(sdk.defaultPlanet().roots.length, 4);
});

test('examples/private-world.ts runs as documented', () => {
  const file = fileURLToPath(new URL('../examples/private-world.ts', import.meta.url));
  const out = execFileSync(process.execPath, ['--import', 'tsx', file], {
    encoding: 'utf8',
    timeout: 90_000,
  });
  assert.match(out, /^b got "hello from a" \(root [0-9a-f]{10}, a [0-9a-f]{10}, b [0-9a-f]{10}\)\n$/);
});
