import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { Stack } from '../stack/stack.ts';
import { parseIp } from '../stack/wire/ip-address.ts';
import { chooseLocal, chooseRoute, routePrefix, type StackRef } from './route-choice.ts';

const ip = (s: string) => parseIp(s) as Uint8Array;

function stack(
  mac: number,
  addresses: Array<[string, number]>,
  routes: Array<[string, number, string?]> = [],
): StackRef {
  return {
    stack: new Stack({
      mac: new Uint8Array([2, 0, 0, 0, 0, mac]),
      mtu: 2800,
      onFrame: () => {},
      addresses: addresses.map(([address, prefixLength]) => ({ address, prefixLength })),
      routes: routes.map(([prefix, prefixLength, via]) => ({ prefix, prefixLength, via })),
    }),
  };
}

// Three networks: 10/8; 11/8 with a more specific route into 10.1/16; a ULA /64 only.
const A = stack(1, [['10.0.0.1', 8]]);
const B = stack(2, [['11.0.0.1', 8]], [['10.1.0.0', 16, '11.0.0.254']]);
const C = stack(3, [['fd00::1', 64]]);
const all = [A, B, C];

test('chooseRoute: longest prefix across stacks, own addresses, routeless destinations, no route', () => {
  assert.equal(chooseRoute(all, ip('10.2.3.4')), A);
  assert.equal(chooseRoute(all, ip('10.1.2.3')), B, 'the /16 route beats the /8 subnet');
  assert.equal(chooseRoute(all, ip('11.9.9.9')), B);
  assert.equal(chooseRoute(all, ip('fd00::77')), C);
  assert.equal(chooseRoute(all, ip('11.0.0.1')), B, 'our own address: its stack');
  assert.equal(chooseRoute([A, B], ip('10.1.0.1')), B);
  for (const s of ['127.0.0.1', '::1', '224.1.2.3', 'ff02::1', '255.255.255.255', 'fe80::1'])
    assert.equal(chooseRoute([B, A], ip(s)), B, `${s}: the first stack`);
  assert.equal(chooseRoute(all, ip('192.0.2.1')), null);
  assert.equal(chooseRoute(all, ip('2001:db8::1')), null);
  assert.equal(chooseRoute([], ip('127.0.0.1')), null);
  assert.equal(chooseRoute([A], ip('11.0.0.5')), null, 'one stack: does it route at all');
});

test('chooseLocal: the stack with the address, all for wildcard and multicast, null for a foreign one', () => {
  assert.equal(chooseLocal(all, null), 'all');
  assert.equal(chooseLocal(all, ip('0.0.0.0')), 'all');
  assert.equal(chooseLocal(all, ip('::')), 'all');
  assert.equal(chooseLocal(all, ip('239.1.2.3')), 'all');
  assert.equal(chooseLocal(all, ip('11.0.0.1')), B);
  assert.equal(chooseLocal(all, ip('fd00::1')), C);
  assert.equal(chooseLocal([B, A], ip('127.0.0.1')), B);
  assert.equal(chooseLocal(all, ip('10.0.0.2')), null);
});

test('routePrefix: subnets and routes of the right family', () => {
  assert.equal(routePrefix(B.stack, ip('10.1.2.3')), 16);
  assert.equal(routePrefix(B.stack, ip('11.1.2.3')), 8);
  assert.equal(routePrefix(A.stack, ip('fd00::1')), -1);
  assert.equal(routePrefix(C.stack, ip('fd00::1:2')), 64);
});

test('property: the chosen stack has the longest prefix of all (ties: the earliest)', () => {
  // First octets around the tables (10, 11: covered; 12, 192: not), the rest random.
  const octet = fc.integer({ min: 0, max: 255 });
  fc.assert(
    fc.property(fc.tuple(fc.constantFrom(10, 11, 12, 192), octet, octet, octet), (bytes) => {
      const dst = new Uint8Array(bytes);
      const got = chooseRoute(all, dst);
      const lens = all.map((r) => routePrefix(r.stack, dst));
      const best = Math.max(...lens);
      if (best < 0) assert.equal(got, null);
      else assert.equal(got, all[lens.indexOf(best)]);
    }),
  );
});
