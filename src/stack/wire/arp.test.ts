import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { toHex } from '../../util/bytes.ts';
import { ARP_LEN, ARP_REPLY, ARP_REQUEST, emitArp, parseArp } from './arp.ts';
import { formatMac } from './ethernet.ts';
import { formatIp } from './ip-address.ts';
import { frame } from './testdata/frames.ts';

describe('arp', () => {
  const body = () => frame('arp-request').subarray(14);

  it('deconstructs a captured Linux request', () => {
    const r = parseArp(body());
    assert.ok(r.ok);
    assert.equal(r.value.operation, ARP_REQUEST);
    assert.equal(formatMac(r.value.senderMac), '3e:6f:4f:c8:50:97');
    assert.equal(formatIp(r.value.senderIp), '10.77.0.1');
    assert.equal(formatMac(r.value.targetMac), '00:00:00:00:00:00');
    assert.equal(formatIp(r.value.targetIp), '10.77.0.2');
  });

  it('constructs the exact bytes back', () => {
    const r = parseArp(body());
    assert.ok(r.ok);
    const b = new Uint8Array(ARP_LEN);
    emitArp(r.value, b);
    assert.equal(toHex(b), toHex(body()));
  });

  it('rejects truncated and foreign packets', () => {
    assert.equal(parseArp(body().subarray(0, 27)).ok, false);
    const bad = body().slice();
    bad[1] = 6; // IEEE 802 hardware type
    assert.deepEqual(parseArp(bad), { ok: false, reason: 'bad-htype' });
    const op = body().slice();
    op[7] = 3; // RARP request
    assert.deepEqual(parseArp(op), { ok: false, reason: 'bad-operation' });
  });

  it('round-trips any reply', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 6, maxLength: 6 }),
        fc.uint8Array({ minLength: 4, maxLength: 4 }),
        fc.uint8Array({ minLength: 6, maxLength: 6 }),
        fc.uint8Array({ minLength: 4, maxLength: 4 }),
        (sm, si, tm, ti) => {
          const b = new Uint8Array(ARP_LEN);
          emitArp({ operation: ARP_REPLY, senderMac: sm, senderIp: si, targetMac: tm, targetIp: ti }, b);
          const r = parseArp(b);
          assert.ok(r.ok);
          assert.deepEqual(
            [r.value.senderMac, r.value.senderIp, r.value.targetMac, r.value.targetIp],
            [sm, si, tm, ti],
          );
        },
      ),
    );
  });

  it('fuzz: never throws', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 40 }), (b) => void parseArp(b)));
  });
});
