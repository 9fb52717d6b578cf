/**
 * Whole networks in one process (issue 3 "Must show"): a root and 20 leaves come ONLINE;
 * USER_MESSAGEs between leaves first go through the root, then direct after RENDEZVOUS;
 * a cut direct path falls back to the relay and recovers; 5 % loss changes none of it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UdpNetwork } from '../../src/testing/udp-network.ts';
import { buildTestnet, got, runUntil } from './harness.ts';

test('a root and 20 leaves: every leaf comes online, the root knows them all', () => {
  const net = new UdpNetwork({ seed: 'online-20' });
  const { root, leaves } = buildTestnet(net, 20);
  assert.ok(
    runUntil(net, () => leaves.every((l) => l.node.online), 30_000),
    `online: ${leaves.filter((l) => l.node.online).length}/20`,
  );
  for (const l of leaves) {
    assert.ok(l.events.some((e) => e.type === 'online'));
    const r = l.peerInfo(root);
    assert.equal(r?.role, 'planet');
    assert.equal(r?.direct, true);
    assert.equal(r?.version, '1.14.1');
    assert.ok(root.directTo(l), `root has a direct path to ${l.name}`);
  }
  assert.equal(root.node.peers().length, 20);
  assert.equal(root.node.counters.dropped('internal-error'), 0);
});

function messagingScenario(seed: string, loss: number) {
  const net = new UdpNetwork({ seed, defaults: loss > 0 ? { loss } : undefined });
  const { root, leaves } = buildTestnet(net, 20);
  assert.ok(
    runUntil(net, () => leaves.every((l) => l.node.online), 60_000),
    'all online',
  );
  const [a, b] = [leaves[3], leaves[11]];
  const relayedBefore = root.node.counters.relayed;

  // 1. First message: B's identity is unknown to A (WHOIS via the root), no direct path: relayed.
  assert.equal(a.directTo(b), false);
  a.say(b, 'hello 1');
  assert.ok(
    runUntil(net, () => got(b, a, 'hello 1'), 10_000),
    'first message arrives',
  );
  assert.ok(root.node.counters.relayed > relayedBefore, 'the root relayed it');

  // 2. The root united them (RENDEZVOUS); they punch through and learn a direct path.
  assert.ok(root.node.counters.united >= 1, 'root sent RENDEZVOUS');
  assert.ok(
    runUntil(net, () => a.directTo(b) && b.directTo(a), 10_000),
    'direct path after RENDEZVOUS',
  );
  const pa = a.peerInfo(b);
  assert.ok(
    pa?.paths.some((p) => p.active && p.address === `${b.host.addresses[0]}/9993`),
    JSON.stringify(pa),
  );

  // 3. Direct now: messages no longer cross the root.
  const relayedDirect = root.node.counters.relayed;
  for (let i = 0; i < 5; i++) {
    a.say(b, `direct ${i}`);
    b.say(a, `back ${i}`);
    net.clock.advance(1000);
  }
  assert.ok(runUntil(net, () => got(b, a, 'direct 4') && got(a, b, 'back 4'), 10_000));
  if (loss === 0) assert.equal(root.node.counters.relayed, relayedDirect, 'nothing relayed once direct');
  return { net, root, a, b };
}

test('USER_MESSAGE between leaves: relayed first, direct after RENDEZVOUS', () => {
  messagingScenario('relay-then-direct', 0);
});

test('cutting the direct path falls back to the relay, and the direct path recovers', () => {
  const { net, root, a, b } = messagingScenario('cut-restore', 0);
  net.cut(a.host, b.host);
  // Keep talking; within the alive window (19 s) the dead path is abandoned for the relay.
  let i = 0;
  const talk = () => {
    a.say(b, `during cut ${i}`);
    b.say(a, `reply during cut ${i}`);
    i++;
  };
  const relayedAtCut = root.node.counters.relayed;
  assert.ok(
    runUntil(
      net,
      () => {
        if (net.clock.now() % 2000 === 0) talk();
        return !a.directTo(b) && root.node.counters.relayed > relayedAtCut;
      },
      60_000,
    ),
    'falls back to relay',
  );
  const n = i;
  assert.ok(
    runUntil(
      net,
      () => {
        if (net.clock.now() % 2000 === 0) talk();
        return got(b, a, `during cut ${n}`) && got(a, b, `reply during cut ${n}`);
      },
      20_000,
    ),
    'messages flow through the root while cut',
  );
  net.restore(a.host, b.host);
  assert.ok(
    runUntil(
      net,
      () => {
        if (net.clock.now() % 2000 === 0) talk();
        return a.directTo(b) && b.directTo(a);
      },
      120_000,
    ),
    'direct again after restore',
  );
  const relayed = root.node.counters.relayed;
  const m = i;
  runUntil(net, () => got(b, a, `during cut ${m}`), 5000);
  a.say(b, 'after restore');
  assert.ok(runUntil(net, () => got(b, a, 'after restore'), 5000));
  assert.equal(root.node.counters.relayed, relayed, 'direct again: nothing relayed');
});

test('5 % loss on every link: all online, relay then direct, cut and recover', () => {
  const { net, a, b } = messagingScenario('lossy', 0.05);
  net.cut(a.host, b.host);
  let i = 0;
  assert.ok(
    runUntil(
      net,
      () => {
        if (net.clock.now() % 2000 === 0) a.say(b, `lossy cut ${i++}`);
        return !a.directTo(b) && b.messages.some((m) => m.text.startsWith('lossy cut'));
      },
      90_000,
    ),
  );
  net.restore(a.host, b.host);
  assert.ok(
    runUntil(
      net,
      () => {
        if (net.clock.now() % 2000 === 0) a.say(b, `lossy restored ${i++}`);
        return a.directTo(b) && b.directTo(a);
      },
      120_000,
    ),
  );
});

test('a 9 KB USER_MESSAGE crosses the relay and the direct path in 7 fragments', () => {
  const net = new UdpNetwork({ seed: 'big' });
  const { root, leaves } = buildTestnet(net, 2);
  const [a, b] = leaves;
  assert.ok(runUntil(net, () => a.node.online && b.node.online, 20_000));
  // Incompressible payload so LZ4 does not shrink it below one datagram.
  const big = new Uint8Array(9000);
  let x = 12345;
  for (let i = 0; i < big.length; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    big[i] = x >>> 24;
  }
  const sentBefore = a.node.counters.datagramsSent;
  assert.ok(a.node.sendUserMessage(b.node.address, 0x20000n, big, net.clock.now()));
  a.rearm();
  const arrived = () => b.events.filter((e) => e.type === 'user-message' && e.data.length === 9000);
  assert.ok(
    runUntil(net, () => arrived().length === 1, 10_000),
    'relayed in fragments',
  );
  assert.ok(root.node.counters.relayed >= 7, `root relayed ${root.node.counters.relayed}`);
  assert.ok(runUntil(net, () => a.directTo(b), 20_000));
  const relayed = root.node.counters.relayed;
  assert.ok(a.node.sendUserMessage(b.node.address, 0x20000n, big, net.clock.now()));
  a.rearm();
  assert.ok(
    runUntil(net, () => arrived().length === 2, 10_000),
    'direct in fragments',
  );
  assert.equal(root.node.counters.relayed, relayed);
  const e = arrived()[1];
  assert.ok(e.type === 'user-message' && Buffer.from(e.data).equals(Buffer.from(big)));
  assert.ok(a.node.counters.datagramsSent - sentBefore >= 14);
  const tooBig = new Uint8Array(9950);
  for (let i = 0; i < tooBig.length; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    tooBig[i] = x >>> 24;
  }
  assert.throws(() => a.node.sendUserMessage(b.node.address, 1n, tooBig, net.clock.now()), RangeError);
});

test('soak: 20 leaves, 1 % loss, random chatter for 10 minutes — stays online, state stays bounded', () => {
  const net = new UdpNetwork({ seed: 'soak', defaults: { loss: 0.01 } });
  const { root, leaves } = buildTestnet(net, 20);
  assert.ok(runUntil(net, () => leaves.every((l) => l.node.online), 60_000));
  let sent = 0;
  let rnd = 7;
  const next = (n: number) => {
    rnd = (Math.imul(rnd, 1103515245) + 12345) >>> 0;
    return rnd % n;
  };
  const end = net.clock.now() + 10 * 60_000;
  while (net.clock.now() < end) {
    const a = leaves[next(20)];
    const b = leaves[next(20)];
    if (a !== b) {
      a.say(b, `m${sent++}`);
    }
    net.clock.advance(next(3000) + 200);
  }
  net.clock.advance(10_000);
  const delivered = leaves.reduce((n, l) => n + l.messages.length, 0);
  assert.ok(delivered >= sent * 0.9, `delivered ${delivered}/${sent}`);
  for (const l of leaves) {
    assert.ok(l.node.online, `${l.name} online`);
    assert.equal(l.node.counters.dropped('internal-error'), 0);
    assert.equal(l.node.counters.dropped('mac-failed'), 0);
    assert.ok(l.node.whois.size <= 2, `${l.name} pending WHOIS ${l.node.whois.size}`);
  }
  assert.equal(root.node.counters.dropped('internal-error'), 0);
  assert.ok(root.node.unites.size <= 190, 'unite table pruned');
});
