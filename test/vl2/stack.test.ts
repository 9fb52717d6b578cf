/**
 * Our user-space stacks on two of our nodes, over an ad-hoc IPv4 network (protocol.md §1.2, no
 * controller): each Ethernet port is bound to a `Stack` (src/link/stack-binding.ts). A ping to the
 * peer's IPv4 address goes through ARP as a multicast to the ARP group (§1.4, gathered from the
 * root); a ping to its 6PLANE address is resolved by NDP emulation (§9.11) without any NS on the
 * wire. Both first pings are answered.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bindStack } from '../../src/link/stack-binding.ts';
import { adHocIpv4Address, sixPlaneAddress } from '../../src/protocol/address.ts';
import { Stack } from '../../src/stack/stack.ts';
import { UdpNetwork } from '../../src/testing/udp-network.ts';
import { buildTestnet } from '../vl1/harness.ts';
import { runUntil, Vl2Node } from './harness.ts';

describe('stacks on an ad-hoc network: ping over IPv4 (ARP) and 6PLANE (NDP emulation)', () => {
  const NWID = 0xff0a000000000001n;
  const net = new UdpNetwork({ seed: 'vl2-stacks' });
  const tn = buildTestnet(net, 2);
  const root = new Vl2Node(tn.root, net);
  const [a, b] = tn.leaves.map((l) => new Vl2Node(l, net, { deferred: true }));
  const all = [root, a, b];
  assert.ok(runUntil(net, all, () => a.sim.node.online && b.sim.node.online, 30_000));
  const stacks = [a, b].map((n) => {
    const port = n.vl2.join(NWID, net.clock.now()).port;
    const stack = new Stack({ mac: port.mac, mtu: port.mtu, onFrame: (f) => port.send(f) });
    bindStack(port, stack, () => net.clock.now());
    n.pollers.push((now) => stack.poll(now));
    return stack;
  });
  const replies: string[] = [];
  stacks[0].onEchoReply = (_src, _id, seq) => replies.push(`reply ${seq}`);
  runUntil(net, all, () => false, 2_000); // LIKEs reach the root

  it('the first ping to b’s IPv4 is answered (ARP request multicast to its ARP group)', () => {
    assert.equal(stacks[0].ping(adHocIpv4Address(10, b.address), 7, 1), true);
    assert.ok(
      runUntil(net, all, () => replies.includes('reply 1'), 10_000),
      JSON.stringify(replies),
    );
  });

  it('the first ping to b’s 6PLANE address is answered; the NS never left a', () => {
    const mcBefore = a.sim.node.counters.sent.MULTICAST_FRAME ?? 0;
    assert.equal(stacks[0].ping(sixPlaneAddress(NWID, b.address), 7, 2), true);
    assert.ok(
      runUntil(net, all, () => replies.includes('reply 2'), 10_000),
      JSON.stringify(replies),
    );
    assert.equal(a.sim.node.counters.sent.MULTICAST_FRAME ?? 0, mcBefore, 'no multicast NS sent');
  });
});
