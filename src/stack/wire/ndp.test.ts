import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { toHex } from '../../util/bytes.ts';
import { formatMac } from './ethernet.ts';
import { ICMPV6, parseIcmpv6 } from './icmpv6.ts';
import { formatIp } from './ip-address.ts';
import { emitNeighborMessage, OPT_SOURCE_LLADDR, OPT_TARGET_LLADDR, parseNeighborMessage } from './ndp.ts';
import { frame } from './testdata/frames.ts';

describe('ndp', () => {
  const ns = frame('ns');
  const ip = ns.subarray(14);

  it('deconstructs a captured Neighbor Solicitation', () => {
    const m = parseIcmpv6(ip.subarray(40), ip.subarray(8, 24), ip.subarray(24, 40));
    assert.ok(m.ok);
    assert.equal(m.value.type, ICMPV6.NEIGHBOR_SOLICITATION);
    assert.equal(ip[7], 255); // hop limit
    const r = parseNeighborMessage(m.value.body, OPT_SOURCE_LLADDR);
    assert.ok(r.ok);
    assert.equal(formatIp(r.value.target), 'fd00::3');
    assert.equal(formatMac(r.value.lladdr!), '02:00:00:00:00:01');
  });

  it('constructs the exact body', () => {
    const body = ip.subarray(48);
    const r = parseNeighborMessage(body, OPT_SOURCE_LLADDR);
    assert.ok(r.ok);
    assert.equal(toHex(emitNeighborMessage(r.value.target, OPT_SOURCE_LLADDR, r.value.lladdr)), toHex(body));
  });

  it('ignores options of other types; rejects zero-length and truncated options', () => {
    const body = ip.subarray(48);
    const r = parseNeighborMessage(body, OPT_TARGET_LLADDR);
    assert.ok(r.ok);
    assert.equal(r.value.lladdr, null);
    const zero = body.slice();
    zero[17] = 0;
    assert.deepEqual(parseNeighborMessage(zero, 1), { ok: false, reason: 'zero-length-option' });
    assert.deepEqual(parseNeighborMessage(body.subarray(0, 20), 1), {
      ok: false,
      reason: 'truncated-option',
    });
    assert.deepEqual(parseNeighborMessage(body.subarray(0, 15), 1), { ok: false, reason: 'truncated' });
  });

  it('fuzz: never throws, never hangs', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), fc.nat(3), (b, t) => void parseNeighborMessage(b, t)),
    );
  });
});
