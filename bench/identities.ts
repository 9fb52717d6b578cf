/**
 * Identities the VL2 benchmarks use: A and B from test/vectors/crypto-vectors.json (B is a
 * controller there) and a fourth one from the VL1 fixtures.
 */
import { readFileSync } from 'node:fs';
import type { Identity as IdentityT } from '../src/protocol/identity.ts';
import { Identity } from '../src/protocol/identity.ts';

function parse(s: string): IdentityT {
  const d = Identity.fromString(s);
  if (!d.ok) throw new Error(d.reason);
  return d.value;
}

const cv = JSON.parse(readFileSync(new URL('../test/vectors/crypto-vectors.json', import.meta.url), 'utf8'));
const fixtures = JSON.parse(
  readFileSync(new URL('../test/vl1/fixtures/identities.json', import.meta.url), 'utf8'),
);

/** Vector identity A (with its secret). */
export const VECTOR_A = parse(cv.identities.A);
/** Vector identity B (with its secret), a controller in the VL2 benches. */
export const VECTOR_B = parse(cv.identities.B);
/** The fourth identity of test/vl1/fixtures/identities.json. */
export const FIXTURE_PEER = parse(fixtures.identities[3]);
