import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { addressFromMac, isZeroTierMac, macForAddress } from '../../protocol/address.ts';
import { NetworkMacs } from './network-macs.ts';

const nwid = fc.bigInt({ min: 0n, max: 0xffffffffffffffffn });
const address = fc.integer({ min: 0, max: 0xffffffffff });
const mac = fc.integer({ min: 0, max: 0xffffffffffff });

test('NetworkMacs agrees with protocol/address.ts for any network and address (§1.3)', () => {
  fc.assert(
    fc.property(nwid, address, mac, (n, a, m) => {
      const macs = new NetworkMacs(n);
      assert.equal(macs.macOf(a), macForAddress(a, n));
      assert.equal(macs.addressOf(macs.macOf(a)), a);
      assert.equal(macs.addressOf(m), addressFromMac(m, n));
      assert.equal(macs.isMemberMac(m), isZeroTierMac(m, n));
      assert.equal(macs.isMemberMac(macs.macOf(a)), true);
    }),
    { numRuns: 2000 },
  );
});

test('NetworkMacs: a known MAC (network 8056c2e21c000001, node 2d1d262d72)', () => {
  const macs = new NetworkMacs(0x8056c2e21c000001n);
  // Byte-level: first octet from the low nwid byte (0x01 → 0x02, locally administered), then the
  // address XORed with nwid bytes (§1.3).
  assert.equal(macs.macOf(0x2d1d262d72), macForAddress(0x2d1d262d72, 0x8056c2e21c000001n));
  assert.equal(macs.firstOctet, 0x02);
});
