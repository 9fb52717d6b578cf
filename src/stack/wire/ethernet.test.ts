import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { toHex } from '../../util/bytes.ts';
import {
  ETHERTYPE_IPV4,
  EthernetView,
  formatMac,
  isGroupMac,
  macKey,
  multicastMacFor,
  parseMac,
  writeEthernetHeader,
} from './ethernet.ts';
import { parseIp } from './ip-address.ts';
import { frame } from './testdata/frames.ts';

describe('ethernet', () => {
  it('deconstructs a captured frame', () => {
    const f = frame('icmpv4-echo');
    const r = EthernetView.check(f);
    assert.ok(r.ok);
    assert.equal(formatMac(r.value.dst), '02:00:00:00:00:02');
    assert.equal(formatMac(r.value.src), '02:00:00:00:00:01');
    assert.equal(r.value.ethertype, ETHERTYPE_IPV4);
    assert.equal(r.value.payload.length, f.length - 14);
  });

  it('constructs the exact header bytes', () => {
    const f = frame('icmpv4-echo');
    const b = new Uint8Array(14);
    writeEthernetHeader(b, 0, parseMac('02:00:00:00:00:02'), parseMac('02:00:00:00:00:01'), 0x0800);
    assert.equal(toHex(b), toHex(f.subarray(0, 14)));
  });

  it('rejects a truncated header', () => {
    assert.deepEqual(EthernetView.check(new Uint8Array(13)), { ok: false, reason: 'truncated' });
  });

  it('maps IP multicast groups to MACs (RFC 1112 §6.4, RFC 2464 §7)', () => {
    assert.equal(formatMac(multicastMacFor(parseIp('239.255.130.7')!)), '01:00:5e:7f:82:07');
    assert.equal(formatMac(multicastMacFor(parseIp('ff02::1:ff00:3')!)), '33:33:ff:00:00:03');
    assert.ok(isGroupMac(multicastMacFor(parseIp('224.0.0.1')!)));
    assert.ok(!isGroupMac(parseMac('02:00:00:00:00:01')));
  });

  it('macKey is injective over random MACs', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 6, maxLength: 6 }),
        fc.uint8Array({ minLength: 6, maxLength: 6 }),
        (a, b) => {
          assert.equal(macKey(a) === macKey(b), toHex(a) === toHex(b));
          assert.ok(Number.isSafeInteger(macKey(a)));
        },
      ),
    );
  });

  it('parseMac rejects junk and round-trips formatMac', () => {
    assert.throws(() => parseMac('02:00:00:00:00'), TypeError);
    assert.throws(() => parseMac('zz:00:00:00:00:00'), TypeError);
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 6, maxLength: 6 }), (m) => {
        assert.deepEqual(parseMac(formatMac(m)), m);
      }),
    );
  });

  it('fuzz: check never throws', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (b) => {
        const r = EthernetView.check(b);
        if (r.ok) void [r.value.dst, r.value.src, r.value.ethertype, r.value.payload];
      }),
    );
  });
});
