/**
 * Hole punching through NATs (protocol.md §6.6, §9.4): leaves behind full-cone,
 * address-restricted and port-restricted NATs end up with direct paths to each other after
 * the root's RENDEZVOUS; behind symmetric NATs they keep talking through the root.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UdpNetwork } from '../../src/testing/udp-network.ts';
import { buildTestnet, got, type LeafPlacement, runUntil } from './harness.ts';

type NatType = Extract<LeafPlacement, { kind: 'nat' }>['type'];

function punch(typeA: NatType | 'public', typeB: NatType | 'public', seed: string) {
  const net = new UdpNetwork({ seed });
  const place = (t: NatType | 'public'): LeafPlacement =>
    t === 'public' ? { kind: 'public' } : { kind: 'nat', type: t };
  const { root, leaves } = buildTestnet(net, 2, (i) => place(i === 0 ? typeA : typeB));
  const [a, b] = leaves;
  assert.ok(
    runUntil(net, () => a.node.online && b.node.online, 30_000),
    'both online behind their NATs',
  );
  a.say(b, 'ping');
  assert.ok(
    runUntil(net, () => got(b, a, 'ping'), 10_000),
    'first message (relayed) arrives',
  );
  b.say(a, 'pong');
  assert.ok(
    runUntil(net, () => got(a, b, 'pong'), 10_000),
    'reply arrives',
  );
  const direct = runUntil(net, () => a.directTo(b) && b.directTo(a), 20_000);
  return { net, root, a, b, direct };
}

for (const [ta, tb] of [
  ['full-cone', 'full-cone'],
  ['full-cone', 'port-restricted'],
  ['port-restricted', 'port-restricted'],
  ['address-restricted', 'port-restricted'],
  ['public', 'port-restricted'],
] as const) {
  test(`hole punching: ${ta} ↔ ${tb} gets a direct path`, () => {
    const { net, root, a, b, direct } = punch(ta, tb, `punch-${ta}-${tb}`);
    assert.ok(direct, 'direct both ways');
    // The direct path goes to the NAT's public address, not the private LAN address.
    const p = a.peerInfo(b)?.paths.find((x) => x.active);
    const bPublic = b.host.nat ? b.host.nat.publicIp : b.host.addresses[0];
    assert.ok(p?.address.startsWith(`${bPublic}/`), `path ${p?.address} should be at ${bPublic}`);
    const relayed = root.node.counters.relayed;
    a.say(b, 'direct now');
    assert.ok(runUntil(net, () => got(b, a, 'direct now'), 5000));
    assert.equal(root.node.counters.relayed, relayed, 'not relayed');
  });
}

test('symmetric ↔ symmetric: no direct path, messages keep flowing through the root', () => {
  const { net, root, a, b, direct } = punch('symmetric', 'symmetric', 'punch-symmetric');
  assert.equal(direct, false);
  const relayed = root.node.counters.relayed;
  a.say(b, 'still relayed');
  assert.ok(runUntil(net, () => got(b, a, 'still relayed'), 5000));
  assert.ok(root.node.counters.relayed > relayed);
});
