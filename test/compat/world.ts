// A two-stack world for the compatibility tests: net + http modules on each side.
import { readFileSync } from 'node:fs';
import { createHttp } from '../../src/http/index.ts';
import { createNet } from '../../src/net/index.ts';
import { createStackPair } from '../../src/testing/stack-pair.ts';

/** The self-signed test certificate (CN and SAN zt.test, IP 10.77.0.2 and fd77::2; 100 years). */
export const cert = readFileSync(new URL('./fixtures/cert.pem', import.meta.url));
/** Its private key (P-256). */
export const key = readFileSync(new URL('./fixtures/key.pem', import.meta.url));

/** Two stacks (a = client side, b = server side), their net and http modules. */
export function world() {
  const pair = createStackPair();
  const netA = createNet(pair.a);
  const netB = createNet(pair.b);
  const httpA = createHttp(netA, { tls: { ca: cert } });
  const httpB = createHttp(netB);
  return {
    pair,
    netA,
    netB,
    httpA,
    httpB,
    async close() {
      await httpA.close();
      await httpB.close();
      pair.close();
    },
  };
}
