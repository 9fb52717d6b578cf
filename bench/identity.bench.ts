/**
 * Identity benchmarks: memory-hard hash / validation, generation, and the C25519 operations
 * used per peer (agree once, sign/verify per credential). Run: `npm run bench identity`.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { agree, sign, verify } from '../src/crypto/c25519.ts';
import { identityHash } from '../src/crypto/identity-hash.ts';
import { salsaBlocks, salsaState } from '../src/crypto/salsa20.ts';
import { Identity } from '../src/protocol/identity.ts';
import { Reader } from '../src/util/result.ts';
import { report, timePerCall } from './measure.ts';

const cv = JSON.parse(readFileSync(new URL('../test/vectors/crypto-vectors.json', import.meta.url), 'utf8'));
const parse = (s: string): Identity => {
  const d = Identity.fromString(s);
  if (!d.ok) throw new Error(d.reason);
  return d.value;
};
const A = parse(cv.identities.A);
const B = parse(cv.identities.B);

// Validation = one memory-hard hash plus a compare; fresh objects so the cached result is not reused.
const pubA = A.toString();
report(
  'identity validation (locallyValidate)',
  timePerCall(() => parse(pubA).locallyValidate(), { ms: 4000, batch: 4 }) / 1000,
  'ms',
  '<= 40 ms',
);
report(
  'identity hash alone',
  timePerCall(() => identityHash(A.publicKey), { ms: 2000, batch: 4 }) / 1000,
  'ms',
);
// The floor: the hash runs 163840 Salsa20/20 blocks (§2.3), in bulk; the rest is overhead on top.
const st = salsaState(new Uint8Array(32), new Uint8Array(8));
const ks = new Uint32Array(16 * 1024);
const salsaFloor = () => {
  for (let i = 0; i < 160; i++) salsaBlocks(20, st, ks, 0, 1024);
};
report(
  '  floor: 163840 Salsa20/20 blocks (salsaBlocks)',
  timePerCall(salsaFloor, { ms: 2000, batch: 4 }) / 1000,
  'ms',
);

// Generation: the number of hashes is geometric (p = 17/256, mean ~15), so report mean and
// median over many runs, and the time per attempt (hash + X25519 key derivation).
const N = Number(process.env.GEN_RUNS ?? 30);
const times: number[] = [];
let attempts = 0;
for (let i = 0; i < N; i++) {
  const t0 = performance.now();
  const it = Identity.generateSteps((n) => randomBytes(n));
  attempts++;
  while (!it.next().done) attempts++;
  times.push(performance.now() - t0);
}
times.sort((a, b) => a - b);
const total = times.reduce((a, b) => a + b, 0);
report(`identity generation, mean of ${N}`, total / N, 'ms');
report(`identity generation, median of ${N}`, times[N >> 1], 'ms');
report(`  attempts per generation (mean; expected ~15)`, attempts / N, '');
report(`  time per attempt`, total / attempts, 'ms');

const msg = randomBytes(200);
const sig = sign(A.privateKey!, A.publicKey, msg);
report(
  'sign (200-byte message)',
  timePerCall(() => sign(A.privateKey!, A.publicKey, msg)),
  'us',
);
report(
  'verify (200-byte message)',
  timePerCall(() => verify(A.publicKey, msg, sig)),
  'us',
);
report(
  'agree (X25519 + SHA-512)',
  timePerCall(() => agree(A.privateKey!, B.publicKey)),
  'us',
);
const bin = A.toBytes();
report(
  'Identity.decode (71-byte public form)',
  timePerCall(() => Identity.decode(new Reader(bin)), { batch: 1000 }),
  'us',
);
report(
  'Identity.fromString (secret form)',
  timePerCall(() => Identity.fromString(cv.identities.A), { batch: 1000 }),
  'us',
);
