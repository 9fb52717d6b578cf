import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { LinkConditions } from './link-conditions.ts';
import type { NatType } from './nat.ts';
import { type SimHost, type SimUdpSocket, UdpNetwork } from './udp-network.ts';

const natTypes: NatType[] = ['full-cone', 'address-restricted', 'port-restricted', 'symmetric'];

const conditions: fc.Arbitrary<LinkConditions> = fc.record(
  {
    loss: fc.double({ min: 0, max: 1, noNaN: true }),
    delayMs: fc.integer({ min: 0, max: 50 }),
    jitterMs: fc.integer({ min: 0, max: 50 }),
    reorder: fc.double({ min: 0, max: 1, noNaN: true }),
    duplicate: fc.double({ min: 0, max: 1, noNaN: true }),
    bandwidthBps: fc.integer({ min: 10_000, max: 10_000_000 }),
    queueLimitBytes: fc.integer({ min: 0, max: 20_000 }),
    mtu: fc.integer({ min: 0, max: 2000 }),
  },
  { requiredKeys: [] },
);

const op = fc.oneof(
  fc.record({
    k: fc.constant('send' as const),
    from: fc.nat(),
    to: fc.nat(),
    v6: fc.boolean(),
    pub: fc.boolean(),
    size: fc.integer({ min: 0, max: 1500 }),
    ttl: fc.integer({ min: 1, max: 4 }),
  }),
  fc.record({ k: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 100 }) }),
  fc.record({ k: fc.constant('cut' as const), a: fc.nat(), b: fc.nat(), restore: fc.boolean() }),
  fc.record({ k: fc.constant('link' as const), a: fc.nat(), b: fc.nat(), c: conditions }),
  fc.record({ k: fc.constant('host' as const), a: fc.nat(), c: fc.option(conditions) }),
  fc.record({ k: fc.constant('move' as const), a: fc.nat(), nat: fc.option(fc.nat(2)) }),
  fc.record({ k: fc.constant('reboot' as const), nat: fc.nat(2) }),
);

test('property: every datagram is delivered or dropped exactly once (plus its duplicates)', () => {
  fc.assert(
    fc.property(
      fc.integer(),
      fc.array(fc.constantFrom(...natTypes), { minLength: 3, maxLength: 3 }),
      fc.array(fc.option(fc.nat(2)), { minLength: 2, maxLength: 6 }),
      fc.option(conditions),
      fc.array(op, { maxLength: 60 }),
      (seed, natTypesOf, natOf, defaults, ops) => {
        const net = new UdpNetwork({ seed, defaults: defaults ?? undefined });
        const hosts: SimHost[] = [];
        const socks: SimUdpSocket[] = [];
        const sentPayloads = new Set<string>();
        let received = 0;
        const nats = natTypesOf
          .slice(0, 2)
          .map((type, i) => net.addNat(`n${i}`, { type, publicIp: `203.0.113.${i + 1}` }));
        // The third NAT sits behind the first (double NAT).
        nats.push(net.addNat('n2', { type: natTypesOf[2], publicIp: '10.0.0.200', behind: nats[0] }));
        const placement = (i: number, nat: number | null) => ({
          addresses: [nat !== null ? `10.0.0.${i + 2}` : `192.0.2.${i + 1}`, `2001:db8::${i + 1}`],
          behind: nat !== null ? nats[nat] : undefined,
        });
        natOf.forEach((nat, i) => {
          const firewall = i % 3 === 2 ? { type: 'address-restricted' as const, timeoutMs: 50 } : undefined;
          const h = net.addHost(`h${i}`, { ...placement(i, nat), firewall });
          hosts.push(h);
          const s = h.bind(9993);
          s.onMessage = (data, from) => {
            received++;
            assert.ok(sentPayloads.has(Buffer.from(data).toString('hex')), 'payload was sent by someone');
            assert.ok(from.port >= 1 && from.port <= 65535);
          };
          socks.push(s);
          // Everyone talks to h0 first so NATs have mappings to exercise.
          if (i > 0) s.send(new Uint8Array([0xff, i]), { ip: '192.0.2.1', port: 9993 });
          sentPayloads.add(Buffer.from([0xff, i]).toString('hex'));
        });
        let n = 0;
        for (const o of ops) {
          if (o.k === 'send') {
            const from = socks[o.from % socks.length];
            const to = hosts[o.to % hosts.length];
            const ip = o.v6
              ? `2001:db8::${(o.to % hosts.length) + 1}`
              : o.pub
                ? to.publicIp(4)!
                : to.addresses[0];
            const data = new Uint8Array(Math.max(4, o.size));
            new DataView(data.buffer).setUint32(0, n++);
            sentPayloads.add(Buffer.from(data).toString('hex'));
            from.send(data, { ip, port: 9993 }, { ttl: o.ttl });
          } else if (o.k === 'advance') net.advance(o.ms);
          else if (o.k === 'cut') {
            const a = hosts[o.a % hosts.length];
            const b = hosts[o.b % hosts.length];
            if (o.restore) net.restore(a, b);
            else net.cut(a, b);
          } else if (o.k === 'link') net.setLink(hosts[o.a % hosts.length], hosts[o.b % hosts.length], o.c);
          else if (o.k === 'host') hosts[o.a % hosts.length].conditions = o.c ?? undefined;
          else if (o.k === 'move')
            net.moveHost(hosts[o.a % hosts.length], placement(o.a % hosts.length, o.nat));
          else nats[o.nat].reboot();
        }
        net.clock.runAll();
        const s = net.stats;
        assert.equal(s.sent + s.duplicated, s.delivered + net.droppedTotal);
        assert.equal(s.delivered, received);
        assert.equal(net.clock.pending, 0);
      },
    ),
    { numRuns: 150 },
  );
});

test('property: on perfect public links every datagram arrives once, in order', () => {
  fc.assert(
    fc.property(
      fc.integer(),
      fc.array(fc.tuple(fc.nat(3), fc.nat(3), fc.integer({ min: 0, max: 5 })), { maxLength: 100 }),
      fc.integer({ min: 0, max: 30 }),
      (seed, sends, jitterMs) => {
        const net = new UdpNetwork({ seed, defaults: { delayMs: 5, jitterMs } });
        const got = new Map<string, number[]>();
        const socks = [0, 1, 2, 3].map((i) => {
          const s = net.addHost(`h${i}`, { addresses: [`192.0.2.${i + 1}`] }).bind(9993);
          s.onMessage = (d, from) => {
            const key = `${from.ip}>${i}`;
            const list = got.get(key) ?? [];
            list.push(new DataView(d.buffer, d.byteOffset).getUint32(0));
            got.set(key, list);
          };
          return s;
        });
        const expected = new Map<string, number[]>();
        sends.forEach(([a, b, wait], n) => {
          const data = new Uint8Array(4);
          new DataView(data.buffer).setUint32(0, n);
          socks[a].send(data, { ip: `192.0.2.${b + 1}`, port: 9993 });
          const key = `192.0.2.${a + 1}>${b}`;
          expected.set(key, [...(expected.get(key) ?? []), n]);
          net.advance(wait);
        });
        net.clock.runAll();
        assert.deepEqual(got, expected);
      },
    ),
  );
});
