import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

test('ztsdk demo (npm start) runs a private world: join, ping both ways v4/v6, HTTP and a bulk download', () => {
  const bin = fileURLToPath(new URL('../../bin/ztsdk.js', import.meta.url));
  const out = execFileSync(process.execPath, [bin, 'demo', '--json'], { encoding: 'utf8', timeout: 240_000 });
  const steps = out
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  const by = (name: string) => steps.find((s) => s.step === name);
  assert.deepEqual(
    [...new Set(steps.map((s) => s.step))],
    [
      'planet',
      'root',
      'nodes',
      'online',
      'joined',
      'addresses',
      'ping',
      'path',
      'http',
      'throughput',
      'done',
    ],
  );
  assert.match(by('planet').root, /^[0-9a-f]{10}$/);
  const addrs = steps.filter((s) => s.step === 'addresses');
  assert.equal(addrs.length, 2);
  for (const a of addrs) {
    assert.ok(
      a.addresses.some((x: string) => /^10\.\d+\.\d+\.\d+\/8$/.test(x)),
      'ad-hoc IPv4 /8',
    );
    assert.ok(
      a.addresses.some((x: string) => /^fc[0-9a-f:]+\/40$/.test(x)),
      '6PLANE /40',
    );
  }
  const pings = steps.filter((s) => s.step === 'ping');
  assert.equal(pings.length, 4, 'both ways, IPv4 and IPv6');
  for (const p of pings) assert.ok(p.medianMs > 0);
  const http = steps.filter((s) => s.step === 'http');
  assert.equal(http.length, 2);
  for (const h of http) {
    assert.equal(h.status, 200);
    assert.match(h.body, /^hello from [0-9a-f]{10} over ZeroTier, you are /);
  }
  assert.equal(by('throughput').bytes, 32 * 1024 * 1024);
});
