import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import fc from 'fast-check';
import { fromHex, toHex } from '../util/bytes.ts';
import {
  decodeAuthInfo,
  decodeRequestMetadata,
  defaultRequestMetadata,
  encodeAuthInfo,
  encodeRequestMetadata,
} from './netconf-metadata.ts';

const lab = JSON.parse(
  readFileSync(new URL('../../test/vectors/lab-capture-1-netconf.json', import.meta.url), 'utf8'),
);

test('request metadata: 1.14.1 defaults reproduce the lab capture bytes exactly', () => {
  const bytes = encodeRequestMetadata(defaultRequestMetadata('linux/x86_64'));
  assert.equal(toHex(bytes), lab.requestMetadata);
  const d = decodeRequestMetadata(fromHex(lab.requestMetadata));
  assert.ok(d.ok);
  assert.deepEqual(d.value, defaultRequestMetadata('linux/x86_64'));
});

test('request metadata: optional auth token; capacity', () => {
  const m = { ...defaultRequestMetadata('darwin/arm64'), authToken: 'token:s3cr=t' };
  const d = decodeRequestMetadata(encodeRequestMetadata(m));
  assert.ok(d.ok);
  assert.deepEqual(d.value, m);
  assert.throws(() => encodeRequestMetadata(defaultRequestMetadata('x'.repeat(900))), RangeError);
  assert.deepEqual(decodeRequestMetadata(new Uint8Array(2000).fill(0x41)), {
    ok: false,
    reason: 'too-large',
  });
});

test('auth info v0 and v1 round-trip; v0 writes only aV and aU', () => {
  const v0 = {
    version: 0,
    authenticationUrl: 'https://my.zerotier.com/sso?x=1',
    issuerUrl: '',
    centralEndpointUrl: '',
    nonce: '',
    state: '',
    clientId: '',
    ssoProvider: '',
  };
  const b0 = encodeAuthInfo(v0);
  assert.equal(new TextDecoder().decode(b0), 'aV=0000000000000000\naU=https://my.zerotier.com/sso?x\\e1');
  const d0 = decodeAuthInfo(b0);
  assert.ok(d0.ok);
  assert.deepEqual(d0.value, v0);
  const v1 = {
    version: 1,
    authenticationUrl: '',
    issuerUrl: 'https://issuer',
    centralEndpointUrl: 'https://central',
    nonce: 'n0',
    state: 'st',
    clientId: 'cid',
    ssoProvider: 'keycloak',
  };
  const d1 = decodeAuthInfo(encodeAuthInfo(v1));
  assert.ok(d1.ok);
  assert.deepEqual(d1.value, v1);
});

test('fuzz: metadata and auth-info decoders never throw', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 1100 }), (b) => {
      decodeRequestMetadata(b);
      decodeAuthInfo(b);
    }),
    { numRuns: 1000 },
  );
});
