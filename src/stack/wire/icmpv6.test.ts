import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { toHex } from '../../util/bytes.ts';
import { emitIcmpv6, ICMPV6, icmpv6ErrorKind, isIcmpv6Error, parseIcmpv6 } from './icmpv6.ts';
import { parseIp } from './ip-address.ts';
import { frame } from './testdata/frames.ts';

const A = parseIp('fd00::1')!;
const B = parseIp('fd00::2')!;

describe('icmpv6', () => {
  it('deconstructs and reconstructs a captured echo request (pseudo-header checksum)', () => {
    const m = frame('icmpv6-echo').subarray(54);
    const r = parseIcmpv6(m, A, B);
    assert.ok(r.ok);
    assert.deepEqual(
      [r.value.type, r.value.rest >>> 16, r.value.rest & 0xffff],
      [ICMPV6.ECHO_REQUEST, 0x1f9b, 1],
    );
    assert.equal(toHex(emitIcmpv6(128, 0, r.value.rest, r.value.body, A, B)), toHex(m));
  });

  it('fails the checksum when the pseudo-header differs', () => {
    const m = frame('icmpv6-echo').subarray(54);
    assert.deepEqual(parseIcmpv6(m, B, A).ok, true); // addresses swapped: same sum
    assert.deepEqual(parseIcmpv6(m, A, parseIp('fd00::3')!), { ok: false, reason: 'bad-checksum' });
    assert.deepEqual(parseIcmpv6(m.subarray(0, 7), A, B), { ok: false, reason: 'truncated' });
  });

  it('maps errors (RFC 4443 §3)', () => {
    assert.equal(icmpv6ErrorKind(1, 4), 'port-unreachable');
    assert.equal(icmpv6ErrorKind(1, 0), 'net-unreachable');
    assert.equal(icmpv6ErrorKind(1, 3), 'host-unreachable');
    assert.equal(icmpv6ErrorKind(1, 1), 'admin-prohibited');
    assert.equal(icmpv6ErrorKind(2, 0), 'frag-needed');
    assert.equal(icmpv6ErrorKind(3, 1), 'time-exceeded');
    assert.equal(icmpv6ErrorKind(4, 1), 'protocol-unreachable');
    assert.equal(icmpv6ErrorKind(4, 0), 'parameter-problem');
    assert.equal(icmpv6ErrorKind(128, 0), null);
    assert.ok(isIcmpv6Error(1) && !isIcmpv6Error(128));
  });

  it('fuzz: never throws; emit parses back', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (b) => void parseIcmpv6(b, A, B)));
    fc.assert(
      fc.property(fc.nat(255), fc.uint8Array({ maxLength: 100 }), (t, body) => {
        assert.ok(parseIcmpv6(emitIcmpv6(t, 0, 7, body, A, B), A, B).ok);
      }),
    );
  });
});
