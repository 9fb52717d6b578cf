import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Identity } from '../protocol/identity.ts';
import { World, WorldType } from '../protocol/world.ts';
import { type Io, run } from './idtool.ts';

const vectors = JSON.parse(
  readFileSync(new URL('../../test/vectors/identity-vectors.json', import.meta.url), 'utf8'),
);
const crypto = JSON.parse(
  readFileSync(new URL('../../test/vectors/crypto-vectors.json', import.meta.url), 'utf8'),
);

function capture(now?: number, cwd?: string): Io & { stdout: string; stderr: string } {
  const io = {
    stdout: '',
    stderr: '',
    out(s: string) {
      io.stdout += s;
    },
    err(s: string) {
      io.stderr += s;
    },
    cwd,
    now: now === undefined ? undefined : () => now,
  };
  return io;
}

const dir = mkdtempSync(join(tmpdir(), 'ztsdk-idtool-'));

test('validate: the reference identities pass, altered ones fail with exit 1', async () => {
  for (const v of vectors.identities) {
    const io = capture();
    const arg = v.secret ?? v.public;
    const code = await run(['validate', arg], io);
    if (v.valid) {
      assert.equal(code, 0);
      assert.equal(io.stdout, `${arg} is a valid identity\n`);
    } else {
      assert.equal(code, 1, v.note);
      assert.equal(io.stderr, `${arg} FAILED validation.\n`);
    }
  }
  const io = capture();
  assert.equal(await run(['validate', join(dir, 'missing')], io), 1);
  assert.match(io.stderr, /^Identity argument invalid or file unreadable: /);
});

test('generate writes secret (0600) and public files that validate and agree', async () => {
  const sec = join(dir, 'id.secret');
  const pub = join(dir, 'id.public');
  const io = capture();
  assert.equal(await run(['generate', sec, pub], io), 0);
  assert.equal(io.stdout, `${sec} written\n${pub} written\n`);
  assert.equal(statSync(sec).mode & 0o777, 0o600);
  const s = readFileSync(sec, 'utf8');
  const p = readFileSync(pub, 'utf8');
  assert.ok(!s.endsWith('\n'), 'written without a newline, like the reference');
  assert.ok(s.startsWith(`${p}:`));
  const v = capture();
  assert.equal(await run(['validate', sec], v), 0);
  const g = capture();
  assert.equal(await run(['getpublic', sec], g), 0);
  assert.equal(g.stdout, p);
});

test('sign reproduces the reference signature; verify accepts hex or a file, rejects tampering', async () => {
  const msg = join(dir, 'hello.txt');
  writeFileSync(msg, 'hello world');
  const io = capture();
  assert.equal(await run(['sign', crypto.identities.A, msg], io), 0);
  assert.equal(io.stdout, crypto.values.sig_hello);
  const pubA = crypto.identities.A.split(':').slice(0, 3).join(':');
  const ok = capture();
  assert.equal(await run(['verify', pubA, msg, io.stdout], ok), 0);
  assert.equal(ok.stdout, `${msg} signature valid\n`);
  const sigFile = join(dir, 'sig');
  writeFileSync(sigFile, `${io.stdout}\n`);
  assert.equal(await run(['verify', pubA, msg, sigFile], capture()), 0);
  writeFileSync(msg, 'hello worle');
  const bad = capture();
  assert.equal(await run(['verify', pubA, msg, io.stdout], bad), 1);
  assert.equal(bad.stderr, `${msg} signature check FAILED\n`);
  const noPriv = capture();
  assert.equal(await run(['sign', pubA, msg], noPriv), 1);
  assert.match(noPriv.stderr, /does not contain a private key/);
});

test('signatures by the reference (identity-vectors) verify', async () => {
  for (const s of vectors.signatures) {
    const f = join(dir, 'm.bin');
    writeFileSync(f, Buffer.from(s.messageHex, 'hex'));
    assert.equal(await run(['verify', s.public, f, s.signatureHex], capture()), 0);
  }
});

test('initmoon then genmoon makes a signed moon with the seed as root', async () => {
  const seed = Identity.fromString(crypto.identities.B);
  assert.ok(seed.ok);
  const io = capture();
  assert.equal(await run(['initmoon', seed.value.toString(false)], io), 0);
  const moon = JSON.parse(io.stdout);
  assert.equal(moon.id, seed.value.addressString);
  assert.equal(moon.worldType, 'moon');
  assert.equal(moon.signingKey, moon.updatesMustBeSignedBy);
  assert.deepEqual(Object.keys(moon), [...Object.keys(moon)].sort(), 'keys sorted like the reference');
  moon.roots[0].stableEndpoints = ['10.0.0.2/9993', '10.0.0.1/9993', '2001:db8::1/9993'];
  const json = join(dir, 'moon.json');
  writeFileSync(json, JSON.stringify(moon));
  const g = capture(1700000000000, dir);
  assert.equal(await run(['genmoon', json], g), 0);
  const name = `000000${seed.value.addressString}.moon`;
  assert.equal(g.stdout, `wrote ${name} (signed world with timestamp 1700000000000)\n`);
  const w = World.fromBytes(readFileSync(join(dir, name)));
  assert.ok(w.ok, !w.ok ? w.reason : '');
  assert.equal(w.value.type, WorldType.MOON);
  assert.equal(w.value.id, BigInt(`0x${seed.value.addressString}`));
  assert.equal(w.value.timestamp, 1700000000000);
  assert.ok(w.value.verify());
  assert.ok(w.value.roots[0].identity.equals(seed.value));
  // Sorted like the reference on x86: IPv4 first, same port, addresses by little-endian s_addr.
  assert.deepEqual(
    w.value.roots[0].stableEndpoints.map((e) => e.family),
    [4, 4, 6],
  );
  assert.deepEqual([...w.value.roots[0].stableEndpoints[0].ip], [10, 0, 0, 1]);
});

test('usage and unknown commands exit 1 with the help text', async () => {
  const io = capture();
  assert.equal(await run([], io), 1);
  assert.match(io.stdout, /Usage: ztsdk idtool <command>/);
  assert.equal(await run(['nope'], capture()), 1);
});
