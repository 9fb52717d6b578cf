import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { StackRef } from '../net/route-choice.ts';
import { Stack } from '../stack/stack.ts';
import { formatIp, IPV4_ANY, parseIp } from '../stack/wire/ip-address.ts';
import { MultiUdp } from './udp-endpoint.ts';

const ip = (s: string) => parseIp(s) as Uint8Array;

/** Two unlinked stacks (10/8 and 11/8): datagrams to a stack's own address loop back inside it. */
function twoStacks(): { A: StackRef; B: StackRef; drain(): void } {
  const mk = (mac: number, address: string): StackRef => ({
    stack: new Stack({
      mac: new Uint8Array([2, 0, 0, 0, 0, mac]),
      mtu: 2800,
      onFrame: () => {},
      addresses: [{ address, prefixLength: 8 }],
    }),
  });
  const A = mk(1, '10.0.0.1');
  const B = mk(2, '11.0.0.1');
  let now = 0;
  return {
    A,
    B,
    drain() {
      now += 1;
      A.stack.poll(now);
      B.stack.poll(now);
    },
  };
}

test('MultiUdp: a wildcard bind holds one port on every stack and hears both; sends go by route', () => {
  const { A, B, drain } = twoStacks();
  const m = new MultiUdp(() => [A, B], 4);
  assert.equal(m.bind(), true);
  const port = m.localPort;
  assert.ok(port > 0);
  assert.equal(A.stack.udp.socketsOn(port).length, 1);
  assert.equal(B.stack.udp.socketsOn(port).length, 1);
  const heard: string[] = [];
  m.onMessage = (data, info) =>
    heard.push(`${new TextDecoder().decode(data)}@${formatIp(info.localAddress)}`);
  for (const [ref, to] of [
    [A, '10.0.0.1'],
    [B, '11.0.0.1'],
  ] as const) {
    const s = ref.stack.udp.open(4);
    assert.equal(s.send(new TextEncoder().encode('hi'), ip(to), port), true);
  }
  drain();
  assert.deepEqual(heard.sort(), ['hi@10.0.0.1', 'hi@11.0.0.1']);
  const out = () => [A, B].map((r) => r.stack.counters().udp.out);
  const before = out();
  assert.equal(m.send(new Uint8Array(3), ip('11.2.3.4'), 9), true);
  assert.deepEqual(out(), [before[0], before[1] + 1], 'left through B');
  assert.equal(m.send(new Uint8Array(3), ip('192.0.2.1'), 9), 'no-route');
  m.close();
  assert.equal(A.stack.udp.socketsOn(port).length + B.stack.udp.socketsOn(port).length, 0);
});

test('MultiUdp: a port taken on one stack fails a fixed bind and leaves nothing bound', () => {
  const { A, B } = twoStacks();
  const taken = B.stack.udp.open(4);
  assert.equal(taken.bind(IPV4_ANY, 5000), true);
  const m = new MultiUdp(() => [A, B], 4);
  assert.equal(m.bind(IPV4_ANY, 5000), 'address-in-use');
  assert.equal(A.stack.udp.socketsOn(5000).length, 0);
  assert.equal(m.bind(ip('10.0.0.1'), 5000), true, "A's address: A only");
  assert.equal(m.send(new Uint8Array(1), ip('11.0.0.9'), 9), 'no-route', 'pinned to A');
  assert.equal(m.bind(), 'already-bound');
  assert.equal(new MultiUdp(() => [A, B], 4).bind(ip('12.0.0.1'), 0), 'address-not-available');
});

test('MultiUdp: options reach every stack socket; connect hears one network; dropStack', () => {
  const { A, B, drain } = twoStacks();
  const m = new MultiUdp(() => [A, B], 4);
  m.ttl = 9;
  assert.equal(m.bind(), true);
  m.broadcast = true;
  for (const r of [A, B]) {
    const s = r.stack.udp.socketsOn(m.localPort)[0];
    assert.equal(s.ttl, 9);
    assert.equal(s.broadcast, true);
  }
  const heard: string[] = [];
  m.onMessage = (_d, info) => heard.push(formatIp(info.localAddress));
  const peerA = A.stack.udp.open(4);
  assert.equal(peerA.bind(IPV4_ANY, 7000), true);
  assert.equal(m.connect(ip('10.0.0.1'), 7000), true);
  assert.equal(formatIp(m.remoteAddress!), '10.0.0.1');
  const fromB = B.stack.udp.open(4);
  fromB.send(new Uint8Array(1), ip('11.0.0.1'), m.localPort);
  peerA.send(new Uint8Array(1), ip('10.0.0.1'), m.localPort);
  drain();
  assert.deepEqual(heard, ['10.0.0.1'], 'the other network is not heard while connected');
  m.dropStack(A.stack);
  assert.equal(m.remoteAddress, null, 'the peer was on the dropped network');
  assert.equal(m.stackCount, 1);
  assert.equal(A.stack.udp.socketsOn(m.localPort).length, 0, 'unbound on A');
  assert.equal(B.stack.udp.socketsOn(m.localPort).length, 1, 'still bound on B');
});

test('MultiUdp: a network joined after bind is added when a send routes there, with the groups joined', () => {
  const { A, B } = twoStacks();
  let list: StackRef[] = [A];
  const m = new MultiUdp(() => list, 4);
  assert.equal(m.bind(), true);
  const group = ip('239.1.2.3');
  m.addMembership(group);
  assert.equal(m.send(new Uint8Array(1), ip('11.0.0.5'), 9), 'no-route', 'B is not joined yet');
  list = [A, B];
  assert.equal(m.send(new Uint8Array(1), ip('11.0.0.5'), 9), true);
  assert.equal(m.stackCount, 2);
  const onB = B.stack.udp.socketsOn(m.localPort)[0];
  assert.ok(onB, 'bound on B at the same port');
  assert.deepEqual(onB.memberships.map(formatIp), ['239.1.2.3']);
  assert.equal(m.dropMembership(ip('239.9.9.9')), false);
  assert.equal(m.dropMembership(group), true);
  assert.equal(onB.memberships.length, 0);
  assert.equal(A.stack.udp.socketsOn(m.localPort)[0].memberships.length, 0);
  m.close();
});

test('MultiUdp: multicast leaves through the first network, or the one of IP_MULTICAST_IF', () => {
  const { A, B } = twoStacks();
  const m = new MultiUdp(() => [A, B], 4);
  assert.equal(m.bind(), true);
  const out = () => [A, B].map((r) => r.stack.counters().udp.out);
  const group = ip('239.1.2.3');
  let before = out();
  assert.equal(m.send(new Uint8Array(1), group, 9), true);
  assert.deepEqual(out(), [before[0] + 1, before[1]]);
  assert.equal(m.setMulticastInterface(ip('11.0.0.1')), true);
  before = out();
  assert.equal(m.send(new Uint8Array(1), group, 9), true);
  assert.deepEqual(out(), [before[0], before[1] + 1]);
  assert.equal(m.setMulticastInterface(ip('12.0.0.1')), false, 'no network has it');
  assert.equal(m.setMulticastInterface(IPV4_ANY), true);
  before = out();
  assert.equal(m.send(new Uint8Array(1), group, 9), true);
  assert.deepEqual(out(), [before[0] + 1, before[1]], 'the wildcard: the first network again');
  m.close();
});
