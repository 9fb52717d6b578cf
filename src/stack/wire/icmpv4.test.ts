import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { toHex } from '../../util/bytes.ts';
import { emitIcmpv4, ICMPV4, icmpv4ErrorKind, isIcmpv4Error, parseIcmpv4, UNREACH } from './icmpv4.ts';
import { frame } from './testdata/frames.ts';

describe('icmpv4', () => {
  it('deconstructs and reconstructs a captured echo request', () => {
    const m = frame('icmpv4-echo').subarray(34);
    const r = parseIcmpv4(m);
    assert.ok(r.ok);
    assert.deepEqual(
      [r.value.type, r.value.code, r.value.rest >>> 16, r.value.rest & 0xffff],
      [8, 0, 0x1f77, 1],
    );
    assert.equal(Buffer.from(r.value.body).toString('latin1'), 'ABCD\0\0\0\0');
    assert.equal(toHex(emitIcmpv4(ICMPV4.ECHO_REQUEST, 0, r.value.rest, r.value.body)), toHex(m));
  });

  it('deconstructs a captured port unreachable and maps it', () => {
    const m = frame('icmpv4-port-unreachable').subarray(34);
    const r = parseIcmpv4(m);
    assert.ok(r.ok);
    assert.deepEqual([r.value.type, r.value.code], [ICMPV4.DEST_UNREACHABLE, UNREACH.PORT]);
    assert.equal(icmpv4ErrorKind(r.value.type, r.value.code), 'port-unreachable');
    assert.equal(r.value.body.length, 32);
    assert.equal(toHex(emitIcmpv4(3, 3, 0, r.value.body)), toHex(m));
  });

  it('maps error codes (RFC 1122 §3.2.2.1)', () => {
    assert.equal(icmpv4ErrorKind(3, 0), 'net-unreachable');
    assert.equal(icmpv4ErrorKind(3, 1), 'host-unreachable');
    assert.equal(icmpv4ErrorKind(3, 2), 'protocol-unreachable');
    assert.equal(icmpv4ErrorKind(3, 4), 'frag-needed');
    assert.equal(icmpv4ErrorKind(3, 13), 'admin-prohibited');
    assert.equal(icmpv4ErrorKind(11, 0), 'time-exceeded');
    assert.equal(icmpv4ErrorKind(12, 0), 'parameter-problem');
    assert.equal(icmpv4ErrorKind(0, 0), null);
    assert.ok(isIcmpv4Error(3) && !isIcmpv4Error(8) && !isIcmpv4Error(0));
  });

  it('rejects a bad checksum and truncation', () => {
    const m = frame('icmpv4-echo').subarray(34).slice();
    m[9] ^= 0x40;
    assert.deepEqual(parseIcmpv4(m), { ok: false, reason: 'bad-checksum' });
    assert.deepEqual(parseIcmpv4(m.subarray(0, 7)), { ok: false, reason: 'truncated' });
  });

  it('fuzz: never throws; emit always parses back', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (b) => void parseIcmpv4(b)));
    fc.assert(
      fc.property(
        fc.nat(255),
        fc.nat(255),
        fc.nat(),
        fc.uint8Array({ maxLength: 64 }),
        (t, c, rest, body) => {
          const r = parseIcmpv4(emitIcmpv4(t, c, rest >>> 0, body));
          assert.ok(r.ok);
          assert.deepEqual([r.value.type, r.value.code, r.value.rest], [t, c, rest >>> 0]);
        },
      ),
    );
  });
});
