import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { Identity } from '../protocol/identity.ts';
import { type InetAddress, parseInetAddress } from '../protocol/inet-address.ts';
import { ExpectingReplies } from './expecting-replies.ts';
import { decodePeerCache, encodePeerCache } from './peer-cache.ts';
import { SourceRateGate, TokenBucket } from './rate-limit.ts';

const a = (s: string) => parseInetAddress(s) as InetAddress;
const B = Identity.fromString(
  '83edc7390e:0:f5330cf1568521bd7300ae4f15de470bc06433116fa0a43c66cb808a590ca411e5afdbf58eb64a55060b91c612fae1bc4ecbe21200c84f450a0eb19d7d1b2716',
);

test('expecting replies: matches the top 32 bits of recent wire IDs, forgets after 32 per bucket', () => {
  const e = new ExpectingReplies();
  const id = Uint8Array.of(0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4);
  assert.equal(e.expecting(0xdeadbeef00000000n), false);
  e.expect(id);
  assert.equal(e.expecting(0xdeadbeef01020304n), true);
  assert.equal(e.expecting(0xdeadbeefffffffffn), true, 'only the top 32 bits count (as 1.14)');
  assert.equal(e.expecting(0xdeadbeee01020304n), false);
  // 32 more IDs in the same bucket (same low byte of the top half) push it out.
  for (let i = 0; i < 32; i++) e.expect(Uint8Array.of(i, 0, 0, 0xef, 0, 0, 0, 0));
  assert.equal(e.expecting(0xdeadbeef01020304n), false);
});

test('peer cache record round-trips (§7.4) and its decoder never throws', () => {
  assert.ok(B.ok);
  const rec = {
    identity: B.value,
    protocolVersion: 12,
    versionMajor: 1,
    versionMinor: 14,
    versionRevision: 1,
    paths: [a('20.0.0.1/9993'), a('2001:db8::1/9993')],
  };
  const bytes = encodePeerCache(rec);
  assert.equal(bytes[0], 2);
  assert.equal(bytes.length, 1 + 71 + 8 + 2 + 7 + 19);
  const d = decodePeerCache(bytes);
  assert.ok(d.ok);
  assert.ok(d.value.identity.equals(B.value));
  assert.deepEqual(d.value.paths, rec.paths);
  assert.equal(d.value.protocolVersion, 12);
  assert.equal(decodePeerCache(bytes.subarray(0, 50)).ok, false);
  assert.equal(decodePeerCache(Uint8Array.of(3, ...bytes.subarray(1))).ok, false);
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), (b) => {
      decodePeerCache(b);
    }),
  );
});

test('identity-validation gate: one per 2 s per /24 bucket, fixed memory', () => {
  const g = new SourceRateGate();
  assert.equal(g.allow(a('20.1.2.3/1'), 0), true);
  assert.equal(g.allow(a('20.1.2.99/7'), 1999), false, 'same /24');
  assert.equal(g.allow(a('20.1.2.99/7'), 2000), true);
  let other = 0;
  for (let i = 0; i < 256; i++) if (g.allow(a(`20.1.${i === 2 ? 3 : i}.1/1`), 2500)) other++;
  assert.ok(other > 0 && other <= 64, `at most one per bucket (${other})`);
  assert.equal(g.bucket(a('2001:db8::1/1')), g.bucket(a('2001:db8::ffff/2')), 'IPv6: per /64');
});

test('global identity-check budget: bursts of 8, then 3 per second', () => {
  const b = new TokenBucket();
  let n = 0;
  for (let i = 0; i < 20; i++) if (b.take(1000)) n++;
  assert.equal(n, 8);
  assert.equal(b.take(1100), false);
  assert.equal(b.take(1400), true, '0.4 s later: 1.2 tokens');
  assert.equal(b.take(1400), false);
  n = 0;
  for (let t = 2000; t < 12000; t += 10) if (b.take(t)) n++;
  assert.ok(n >= 29 && n <= 31, `10 s at 3/s: ${n}`);
});

test('nextDeadline is finite from the start and poll moves it forward by the 5 s tick', async () => {
  const { Node } = await import('./node.ts');
  const { World, WorldType } = await import('../protocol/world.ts');
  const id = Identity.fromString(
    '2d1d262d72:0:b7109beac7387611eb39cfe09003c01150182f13a8fb633602431da291c12b40124b1c1c4dfadb75f2b1362dd64f675d19434b456dbfbd211add770af906352b:8495a026cc61b1605757d126b87f257de786def689404ddd445fc924b686ad46ab74b6e1add3e40a7f86da7419bb1bc30abb5f7f5ffa84563437995ff6dc1f0a',
  );
  assert.ok(id.ok);
  const planet = new World({
    type: WorldType.PLANET,
    id: 1n,
    timestamp: 1,
    updatesMustBeSignedBy: new Uint8Array(64),
    roots: [],
  });
  let i = 0;
  const node = new Node(
    { identity: id.value, planet, random: (n) => new Uint8Array(n).fill(++i & 0xff), now: 50_000 },
    { send: () => {}, event: () => {} },
  );
  assert.equal(node.nextDeadline(), 50_000);
  node.addLocalSocket(0, a('0.0.0.0/9993'));
  node.poll(50_000);
  assert.equal(node.nextDeadline(), 55_000);
  assert.throws(
    () =>
      new Node(
        { identity: id.value.publicOnly(), planet, random: () => new Uint8Array(8), now: 0 },
        { send: () => {}, event: () => {} },
      ),
    TypeError,
  );
});
