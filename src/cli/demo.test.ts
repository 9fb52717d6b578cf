import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

test('ztsdk demo (npm start) runs a private world to completion over loopback UDP', () => {
  const bin = fileURLToPath(new URL('../../bin/ztsdk.js', import.meta.url));
  const out = execFileSync(process.execPath, [bin, 'demo', '--json'], { encoding: 'utf8', timeout: 120_000 });
  const steps = out
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  const by = (name: string) => steps.find((s) => s.step === name);
  assert.deepEqual(
    steps.map((s) => s.step),
    ['planet', 'root', 'nodes', 'online', 'first-message', 'direct', 'rtt', 'throughput', 'done'],
  );
  assert.match(by('planet').root, /^[0-9a-f]{10}$/);
  assert.match(by('direct').path, /^direct \(127\.0\.0\.1\/\d+\)$/);
  assert.equal(by('rtt').answered, 20);
  assert.ok(by('rtt').medianMs > 0);
  assert.equal(by('throughput').received, by('throughput').sent, 'every message of the burst arrived');
});
