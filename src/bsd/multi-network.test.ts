// node.bsd's case in one process: a BsdSockets over two stacks (two in-memory "networks", 10.77.0.0/24 and
// 10.78.0.0/24), each linked to a peer stack with its own BsdSockets. The listener spans both networks (pull
// mode across them when its accept queue is full), connect and sendto choose by route, and dropping a network
// fails only its connections.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createStackPair, type StackPair } from '../testing/stack-pair.ts';
import type { TcpStackRef } from './binding.ts';
import * as K from './constants.ts';
import { BsdSockets, createBsd, sockaddr } from './index.ts';

/** Moves one side of a pair from 10.77.0.h/24 to 10.78.0.h/24. */
function renumber(p: StackPair): void {
  for (const [side, h] of [
    [p.a, 1],
    [p.b, 2],
  ] as const) {
    side.stack.removeAddress(`10.77.0.${h}`);
    side.stack.addAddress(`10.78.0.${h}`, 24);
  }
}

function twoNetworks() {
  const p1 = createStackPair();
  const p2 = createStackPair();
  renumber(p2);
  const list: TcpStackRef[] = [p1.b, p2.b];
  // b's side of both links as one node: one BsdSockets over both stacks.
  const server = new BsdSockets({
    stacks: () => list,
    now: () => p1.b.now(),
    kick: () => {
      p1.b.kick();
      p2.b.kick();
    },
  });
  return {
    server,
    net1: createBsd(p1.a),
    net2: createBsd(p2.a),
    list,
    close() {
      server.closeAll();
      p1.close();
      p2.close();
    },
  };
}

test('a wildcard listener accepts on both networks, also from the stacks’ queues when its own is full', {
  timeout: 20_000,
}, async () => {
  const w = twoNetworks();
  try {
    const S = w.server;
    const lfd = S.socket(K.AF_INET, K.SOCK_STREAM);
    assert.equal(S.bind(lfd, '0.0.0.0', 9000), 0);
    // Backlog 2: two connections fill our accept queue, the next ones wait in each stack's listener queue
    // (one per network; a third on one network would wait for a SYN retransmission).
    assert.equal(S.listen(lfd, 2), 0);
    const clients: Array<[BsdSockets, number]> = [];
    for (const [bsd, ip] of [
      [w.net1, '10.77.0.2'],
      [w.net2, '10.78.0.2'],
      [w.net1, '10.77.0.2'],
      [w.net2, '10.78.0.2'],
    ] as const) {
      const c = bsd.socket(K.AF_INET, K.SOCK_STREAM);
      assert.equal(await bsd.connect(c, ip, 9000), 0, `connect ${ip}`);
      clients.push([bsd, c]);
    }
    const peers: string[] = [];
    for (let i = 0; i < 4; i++) {
      const from = sockaddr();
      const fd = await S.accept(lfd, from);
      assert.ok(fd >= 0);
      peers.push(from.address);
      const local = sockaddr();
      assert.equal(S.getsockname(fd, local), 0);
      assert.equal(local.address.slice(0, 8), from.address.slice(0, 8), 'accepted on the peer’s network');
    }
    assert.deepEqual(peers.sort(), ['10.77.0.1', '10.77.0.1', '10.78.0.1', '10.78.0.1']);
    for (const [bsd, c] of clients) bsd.close(c);
  } finally {
    w.close();
  }
});

test('connect and sendto choose by route; dropping a network fails its connections only', {
  timeout: 20_000,
}, async () => {
  const w = twoNetworks();
  try {
    const S = w.server;
    const l1 = w.net1.socket(K.AF_INET, K.SOCK_STREAM);
    const l2 = w.net2.socket(K.AF_INET, K.SOCK_STREAM);
    for (const [bsd, l] of [
      [w.net1, l1],
      [w.net2, l2],
    ] as const) {
      assert.equal(bsd.bind(l, '0.0.0.0', 9100), 0);
      assert.equal(bsd.listen(l, 4), 0);
    }
    const c1 = S.socket(K.AF_INET, K.SOCK_STREAM);
    const c2 = S.socket(K.AF_INET, K.SOCK_STREAM);
    const a1 = w.net1.accept(l1);
    const a2 = w.net2.accept(l2);
    assert.equal(await S.connect(c1, '10.77.0.1', 9100), 0);
    assert.equal(await S.connect(c2, '10.78.0.1', 9100), 0);
    assert.ok((await a1) >= 0 && (await a2) >= 0);
    const c3 = S.socket(K.AF_INET, K.SOCK_STREAM);
    assert.equal(await S.connect(c3, '10.79.0.1', 9100), -K.ENETUNREACH);
    // Datagrams: each network's peer hears the one sent to it.
    const u1 = w.net1.socket(K.AF_INET, K.SOCK_DGRAM);
    const u2 = w.net2.socket(K.AF_INET, K.SOCK_DGRAM);
    assert.equal(w.net1.bind(u1, '', 9200), 0);
    assert.equal(w.net2.bind(u2, '', 9200), 0);
    const us = S.socket(K.AF_INET, K.SOCK_DGRAM);
    assert.equal(await S.sendto(us, new Uint8Array([1]), 0, '10.77.0.1', 9200), 1);
    assert.equal(await S.sendto(us, new Uint8Array([2]), 0, '10.78.0.1', 9200), 1);
    const buf = new Uint8Array(4);
    assert.equal(await w.net1.recv(u1, buf), 1);
    assert.equal(buf[0], 1);
    assert.equal(await w.net2.recv(u2, buf), 1);
    assert.equal(buf[0], 2);
    // Network 2 goes away: its connection fails, network 1's still works.
    S.dropStack(w.list[1].stack);
    w.list.splice(1, 1);
    assert.equal(await S.recv(c2, buf), -K.ENETDOWN);
    assert.equal(await S.send(c1, new Uint8Array([7])), 1);
    assert.equal(await S.sendto(us, new Uint8Array([3]), 0, '10.78.0.1', 9200), -K.ENETUNREACH);
  } finally {
    w.close();
  }
});
