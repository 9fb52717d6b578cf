// Property tests: the rules engine, the filters and NDP emulation never throw on hostile input
// (any rule bytes, any frame), and their outputs stay within their contracts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { sixPlaneInet } from '../../protocol/address.ts';
import { emptyNetworkConfig } from '../../protocol/netconf.ts';
import { decodeRules, type Rule } from '../../protocol/rules.ts';
import { parseIcmpv6 } from '../../stack/wire/icmpv6.ts';
import { emulateNeighborAdvertisement } from './ndp-emulation.ts';
import { createRulesContext, evaluateRules } from './rules-engine.ts';
import { filterIncoming, filterOutgoing } from './rules-filter.ts';
import { icmp6, tcp4, tcp6, udp4, udp6 } from './test-frames.ts';

const NWID = 0x8056c2e21c000001n;
const ME = 0x2d1d262d72;
const VERDICTS = new Set(['NO_MATCH', 'DROP', 'REDIRECT', 'ACCEPT', 'SUPER_ACCEPT']);

/** Rule lists decoded from arbitrary bytes, with a bias towards real type bytes and canonical lengths. */
const LEN = [
  0, 0, 14, 14, 14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5, 5, 2, 1, 1, 6, 6, 5, 5, 17,
  17, 3, 1, 2, 3, 4, 4, 8, 4, 4, 8, 8, 8, 8, 8, 8, 8, 19,
];
const ruleBytes = fc
  .tuple(fc.integer({ min: 0, max: 63 }), fc.boolean(), fc.boolean(), fc.uint8Array({ maxLength: 19 }))
  .map(([t, not, or, v]) => {
    const len = LEN[t] ?? v.length;
    const val = new Uint8Array(len);
    val.set(v.subarray(0, len));
    return Uint8Array.from([t | (not ? 0x80 : 0) | (or ? 0x40 : 0), len, ...val]);
  });
const rules = fc.array(ruleBytes, { maxLength: 24 }).map((parts) => {
  const d = decodeRules(Uint8Array.from(parts.flatMap((p) => [...p])));
  return d.ok ? d.value : ([] as Rule[]);
});

const realFrames = [
  udp4('10.0.0.1', '10.0.0.2', 1, 53),
  tcp4('10.0.0.1', '10.0.0.2', 1000, 22, 0x12),
  udp6('fd00::1', 'fd00::2', 5, 6),
  tcp6('fd00::1', 'fd00::2', 5, 6, 0x02),
  icmp6('fd00::1', 'fd00::2', 128, 0),
];
const frame = fc.oneof(
  fc.uint8Array({ maxLength: 120 }),
  fc.tuple(fc.constantFrom(...realFrames), fc.nat(), fc.nat(255)).map(([f, at, v]) => {
    const g = Uint8Array.from(f);
    g[at % g.length] = v;
    return g.subarray(0, Math.max(0, g.length - (at % 7)));
  }),
);
const etherType = fc.constantFrom(0x0800, 0x86dd, 0x0806, 0x8100, 0);
const addr = fc.constantFrom(ME, 0x1122334455, 0x0102030405, 0);

describe('VL2 fuzz', () => {
  it('evaluateRules never throws and returns a verdict', () => {
    fc.assert(
      fc.property(
        rules,
        frame,
        etherType,
        fc.boolean(),
        addr,
        addr,
        fc.nat(),
        (rs, f, et, inbound, src, dst, seed) => {
          const c = emptyNetworkConfig(NWID, ME);
          c.flags = seed & 0xe;
          c.tags = [{ id: seed % 3, value: seed } as never];
          const ctx = createRulesContext(
            c,
            { tags: [{ id: 1, value: seed >>> 1 }], capabilities: [], coos: [] },
            inbound,
            {
              ztSource: src,
              ztDest: dst,
              macSource: 0x020000000001,
              macDest: seed % 2 ? 0xffffffffffff : 0x020000000002,
              etherType: et,
              frame: f,
            },
            () => seed >>> 0,
          );
          const v = evaluateRules(rs, ctx);
          assert.ok(VERDICTS.has(v));
          assert.ok(ctx.ccLength <= f.length);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('filters never throw; accept is 0/1/2 (1 at most outbound); copies never exceed the frame', () => {
    fc.assert(
      fc.property(rules, rules, frame, etherType, fc.boolean(), (base, capRules, f, et, inbound) => {
        const c = emptyNetworkConfig(NWID, ME);
        c.rules = base;
        c.capabilities = [{ id: 1, rules: capRules } as never];
        const peer = { tags: [], capabilities: [{ id: 2, rules: capRules }], coos: [] };
        const fr = {
          ztSource: inbound ? 0x1122334455 : ME,
          ztDest: inbound ? ME : 0x1122334455,
          macSource: 1,
          macDest: 2,
          etherType: et,
          frame: f,
        };
        const d = inbound ? filterIncoming(c, peer, fr) : filterOutgoing(c, peer, fr);
        assert.ok(d.accept === 0 || d.accept === 1 || (inbound && d.accept === 2));
        for (const x of d.extFrames) assert.ok(x.length <= f.length && x.to !== 0);
      }),
      { numRuns: 2000 },
    );
  });

  it('NDP emulation never throws; whatever it returns carries a valid ICMPv6 checksum', () => {
    const cfg = { networkId: NWID, issuedTo: ME, flags: 0x4, staticIps: [sixPlaneInet(NWID, ME)] };
    const six = sixPlaneInet(NWID, ME).ip;
    const nsLike = fc
      .tuple(fc.uint8Array({ minLength: 78, maxLength: 100 }), fc.uint8Array({ minLength: 5, maxLength: 5 }))
      .map(([b, a]) => {
        b[0] |= 1;
        b[12] = 0x86;
        b[13] = 0xdd;
        b[14 + 6] = 58;
        b[14 + 40] = 135;
        b.set(six.subarray(0, 5), 14 + 48);
        b.set(a, 14 + 53);
        return b;
      });
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 100 }), nsLike), (f) => {
        const na = emulateNeighborAdvertisement(cfg, f);
        if (na === null) return;
        const p = na.frame.subarray(14);
        assert.ok(parseIcmpv6(p.subarray(40), p.subarray(8, 24), p.subarray(24, 40)).ok);
      }),
      { numRuns: 2000 },
    );
  });
});
