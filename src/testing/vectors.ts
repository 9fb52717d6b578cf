/**
 * Test fixture: the parsed `test/vectors/crypto-vectors.json` (identities, keys and wire vectors
 * captured from ZeroTierOne; see the file for its sources) and the identities it names, so that
 * tests share one loader instead of each reading and decoding the file again. Tests only: it
 * reads the file once, at import.
 * @module
 */

import { readFileSync } from 'node:fs';
import { Identity } from '../protocol/identity.ts';

/** The parsed vectors file (`identities`, `values` and whatever else it holds). */
// biome-ignore lint/suspicious/noExplicitAny: parsed JSON whose shape the tests know
export const cryptoVectors: any = JSON.parse(
  readFileSync(new URL('../../test/vectors/crypto-vectors.json', import.meta.url), 'utf8'),
);

/** `cryptoVectors.values`: hex strings by name (`tag`, `coo`, `rev`, `cap`, `com`, …). */
export const vectorValues = cryptoVectors.values as Record<string, string>;

/** Decodes an identity string from the vectors; throws if it does not decode (a broken fixture). */
export function vectorIdentity(s: string): Identity {
  const d = Identity.fromString(s);
  if (!d.ok) throw new Error(`vector identity does not decode: ${d.reason}`);
  return d.value;
}

/** Identity A of the vectors (with its private key): the controller of {@link VECTOR_NWID}. */
export const VECTOR_A: Identity = vectorIdentity(cryptoVectors.identities.A);
/** Identity B of the vectors (with its private key). */
export const VECTOR_B: Identity = vectorIdentity(cryptoVectors.identities.B);
/** The network id the credential vectors use: A's network 1. */
export const VECTOR_NWID = 0x2d1d262d72000001n;

/** The identities of `test/vl1/fixtures/identities.json` (with private keys), decoded on first use. */
let vl1Fixtures: Identity[] | undefined;
/** Identity `i` of the VL1 fixtures (in-process networks and the VL2 benches use them as peers). */
export function vl1FixtureIdentity(i: number): Identity {
  vl1Fixtures ??= (
    JSON.parse(readFileSync(new URL('../../test/vl1/fixtures/identities.json', import.meta.url), 'utf8'))
      .identities as string[]
  ).map(vectorIdentity);
  const id = vl1Fixtures[i];
  if (!id) throw new RangeError(`no VL1 fixture identity ${i}`);
  return id;
}
