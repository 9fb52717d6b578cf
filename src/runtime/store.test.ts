import assert from 'node:assert/strict';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { FileStore, isValidKey, MemoryStore, type StateStore, StoreError } from './store.ts';

const root = mkdtempSync(join(tmpdir(), 'ztsdk-store-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const freshDir = () => join(root, `s${n++}`);
const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array | undefined) => (b === undefined ? undefined : new TextDecoder().decode(b));

// The behaviour both stores share.
function contract(name: string, make: () => StateStore) {
  describe(`${name}: StateStore contract`, () => {
    it('get of an absent key is undefined; put then get round-trips; delete removes', async () => {
      const s = make();
      assert.equal(await s.get('planet'), undefined);
      await s.put('planet', bytes('world'));
      assert.equal(text(await s.get('planet')), 'world');
      await s.put('planet', bytes('newer'));
      assert.equal(text(await s.get('planet')), 'newer');
      await s.delete('planet');
      assert.equal(await s.get('planet'), undefined);
      await s.delete('planet'); // absent is fine
    });

    it('lists keys under a directory prefix, sorted, and nothing else', async () => {
      const s = make();
      assert.deepEqual(await s.list('peers.d/'), []);
      await s.put('peers.d/bbbbbbbbbb.peer', bytes('b'));
      await s.put('peers.d/aaaaaaaaaa.peer', bytes('a'));
      await s.put('moons.d/0000000000000001.moon', bytes('m'));
      await s.put('identity.public', bytes('p'));
      assert.deepEqual(await s.list('peers.d/'), ['peers.d/aaaaaaaaaa.peer', 'peers.d/bbbbbbbbbb.peer']);
      assert.deepEqual(await s.list('moons.d'), ['moons.d/0000000000000001.moon']);
    });

    it('the last of several un-awaited writes wins', async () => {
      const s = make();
      const ps: Promise<void>[] = [];
      for (let i = 0; i < 20; i++) ps.push(s.put('peers.d/aaaaaaaaaa.peer', bytes(`v${i}`)));
      ps.push(s.delete('peers.d/aaaaaaaaaa.peer'));
      ps.push(s.put('peers.d/aaaaaaaaaa.peer', bytes('last')));
      await Promise.all(ps);
      assert.equal(text(await s.get('peers.d/aaaaaaaaaa.peer')), 'last');
    });

    it('keeps its own copy of written data', async () => {
      const s = make();
      const b = bytes('abc');
      const p = s.put('planet', b);
      b[0] = 0x7a;
      await p;
      assert.equal(text(await s.get('planet')), 'abc');
    });

    it('rejects keys that could escape the store', async () => {
      const s = make();
      for (const k of [
        '../x',
        'a/../../x',
        '/etc/passwd',
        'a/b/c',
        '',
        '.',
        '..',
        'peers.d/..',
        'x.tmp-1234',
      ])
        await assert.rejects(s.put(k, bytes('x')), TypeError, k);
      await assert.rejects(s.list('../'), TypeError);
    });
  });
}

contract('FileStore', () => new FileStore(freshDir()));
contract('MemoryStore', () => new MemoryStore());

describe('isValidKey', () => {
  it('accepts the reference layout names', () => {
    for (const k of [
      'identity.secret',
      'identity.public',
      'planet',
      'moons.d/000000deadbeef00.moon',
      'peers.d/89e92ceee5.peer',
      'networks.d/8056c2e21c000001.conf',
    ])
      assert.equal(isValidKey(k), true, k);
  });
});

describe('FileStore specifics', () => {
  it('uses the reference layout on disk and writes secrets 0600', async () => {
    const dir = freshDir();
    const s = new FileStore(dir);
    await s.put('identity.secret', bytes('secret'));
    await s.put('identity.public', bytes('public'));
    await s.put('peers.d/aaaaaaaaaa.peer', bytes('peer'));
    assert.equal(readFileSync(join(dir, 'identity.secret'), 'utf8'), 'secret');
    assert.equal(readFileSync(join(dir, 'peers.d', 'aaaaaaaaaa.peer'), 'utf8'), 'peer');
    assert.equal(statSync(join(dir, 'identity.secret')).mode & 0o777, 0o600);
    // Rewriting a secret keeps it 0600 (a fresh file replaces the old one).
    await s.put('identity.secret', bytes('secret2'));
    assert.equal(statSync(join(dir, 'identity.secret')).mode & 0o777, 0o600);
    // No temp files are left behind.
    assert.deepEqual(readdirSync(dir).sort(), ['identity.public', 'identity.secret', 'peers.d']);
  });

  it('reads files the reference (or a user) put there, and skips leftovers when listing', async () => {
    const dir = freshDir();
    mkdirSync(join(dir, 'moons.d'), { recursive: true });
    writeFileSync(join(dir, 'moons.d', '0000000000000001.moon'), 'm');
    writeFileSync(join(dir, 'moons.d', '0000000000000002.moon.tmp-abcdef'), 'partial');
    mkdirSync(join(dir, 'moons.d', 'subdir'));
    const s = new FileStore(dir);
    assert.deepEqual(await s.list('moons.d/'), ['moons.d/0000000000000001.moon']);
    assert.equal(text(await s.get('moons.d/0000000000000001.moon')), 'm');
  });

  it('an unreadable entry gives a StoreError naming the file, not a crash', async () => {
    const dir = freshDir();
    mkdirSync(join(dir, 'planet'), { recursive: true }); // a directory where a file should be
    const s = new FileStore(dir);
    await assert.rejects(s.get('planet'), (e: unknown) => {
      assert.ok(e instanceof StoreError);
      assert.equal(e.key, 'planet');
      assert.equal(e.code, 'EISDIR');
      assert.match(e.message, /cannot read state file .*planet: EISDIR/);
      return true;
    });
    await assert.rejects(s.put('planet', bytes('x')), StoreError);
  });

  it('a write into an unwritable directory rejects with a StoreError', async (t) => {
    if (process.getuid?.() === 0) {
      t.skip('running as root: permissions do not apply');
      return;
    }
    const dir = freshDir();
    mkdirSync(dir);
    chmodSync(dir, 0o500);
    const s = new FileStore(dir);
    await assert.rejects(s.put('planet', bytes('x')), { name: 'StoreError', code: 'EACCES' });
    chmodSync(dir, 0o700);
  });

  it('a store whose path is a file fails clearly', async () => {
    const file = join(root, `file${n++}`);
    writeFileSync(file, 'x');
    const s = new FileStore(file);
    await assert.rejects(s.put('planet', bytes('x')), StoreError);
    await assert.rejects(s.get('planet'), StoreError);
  });
});

describe('MemoryStore specifics', () => {
  it('reports every change to onChange, deletions as null, and starts from initial entries', async () => {
    const seen: [string, string | null][] = [];
    const s = new MemoryStore([['identity.public', bytes('p')]], (k, d) => seen.push([k, d && text(d)!]));
    assert.equal(text(await s.get('identity.public')), 'p');
    await s.put('planet', bytes('w'));
    await s.delete('planet');
    await s.delete('planet'); // absent: no event
    assert.deepEqual(seen, [
      ['planet', 'w'],
      ['planet', null],
    ]);
    assert.deepEqual(
      s.entries().map(([k]) => k),
      ['identity.public'],
    );
  });
});
