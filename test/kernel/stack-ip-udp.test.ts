/**
 * Kernel-peer tests of the stack's link, IP, ICMP and UDP layers: Linux (in a network namespace, on a TAP)
 * is the peer. See harness.ts. Skips, saying why, where TAP devices or namespaces are unavailable.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Stack } from '../../src/stack/stack.ts';
import type { UdpSocket } from '../../src/stack/udp.ts';
import { formatIp, linkLocalFromMac, parseIp } from '../../src/stack/wire/ip-address.ts';
import type { KernelPeer, StackDriver } from './harness.ts';
import { kernelSkipReason, kernelSubnet, macText, startStackPeer, stopStackPeer } from './harness.ts';

const skip = kernelSkipReason();
const subnet = kernelSubnet(98, 0);
const { LINUX4, OURS4, LINUX6, OURS6 } = subnet;

describe('kernel peer: Linux ⇄ stack (ARP, IPv4, IPv6, NDP, ICMP, UDP)', { skip: skip ?? false }, () => {
  let peer: KernelPeer;
  let stack: Stack;
  let driver: StackDriver;
  const ip = (s: string) => parseIp(s)!;

  before(async () => {
    ({ peer, stack, driver } = await startStackPeer(subnet));
  });

  after(() => stopStackPeer(driver, peer));

  it('Linux pings our IPv4 address (we answer ARP and echo)', async () => {
    const r = await peer.exec(['ping', '-c', '3', '-i', '0.2', '-W', '2', OURS4]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /3 received/);
    const neigh = await peer.exec(['ip', 'neigh', 'show', OURS4]);
    assert.match(neigh.stdout, new RegExp(macText(peer.ourMac)));
    assert.ok(stack.counters().arp.out >= 1);
  });

  it('Linux pings our IPv6 global and link-local addresses (we answer NDP and echo)', async () => {
    const r = await peer.exec(['ping', '-6', '-c', '3', '-i', '0.2', '-W', '2', OURS6]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /3 received/);
    const ll = formatIp(linkLocalFromMac(peer.ourMac));
    const r2 = await peer.exec(['ping', '-6', '-c', '2', '-i', '0.2', '-W', '2', `${ll}%${peer.tap}`]);
    assert.equal(r2.code, 0, r2.stdout + r2.stderr);
    const neigh = await peer.exec(['ip', '-6', 'neigh', 'show', OURS6]);
    assert.match(neigh.stdout, new RegExp(macText(peer.ourMac)));
    assert.ok(stack.counters().ndp.in >= 1);
  });

  it('Linux pings with -s 5000: we reassemble its fragments and fragment our reply (IPv4 and IPv6)', async () => {
    const before = stack.counters();
    const r = await peer.exec(['ping', '-c', '2', '-i', '0.2', '-W', '2', '-s', '5000', OURS4]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /2 received/);
    const r6 = await peer.exec(['ping', '-6', '-c', '2', '-i', '0.2', '-W', '2', '-s', '5000', OURS6]);
    assert.equal(r6.code, 0, r6.stdout + r6.stderr);
    const c = stack.counters();
    assert.equal(c.reassembly.out - before.reassembly.out, 4);
    assert.ok(c.fragmentation.out - before.fragmentation.out >= 8);
  });

  it('maximum-size pings (-s 65000, 24 fragments each way) are reassembled on both sides', async () => {
    const before = stack.counters().reassembly.out;
    const r = await peer.exec(['ping', '-c', '1', '-W', '3', '-s', '65000', OURS4]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const r6 = await peer.exec(['ping', '-6', '-c', '1', '-W', '3', '-s', '65000', OURS6]);
    assert.equal(r6.code, 0, r6.stdout + r6.stderr);
    assert.equal(stack.counters().reassembly.out - before, 2);
    // One byte more than an IPv4 datagram can carry: Linux refuses to send it, so nothing to check here but
    // that our reassembly bound (65515 bytes of payload) is what IPv4 allows.
    assert.equal(stack.iface.reassembly4.size, 0);
  });

  it('we ping Linux (IPv4 and IPv6): our ARP request and NS are answered', async () => {
    const got: string[] = [];
    stack.onEchoReply = (src, _id, seq) => got.push(`${formatIp(src)}#${seq}`);
    stack.ping(LINUX4, 0x77, 1, new Uint8Array(32));
    stack.ping(LINUX6, 0x77, 2, new Uint8Array(32));
    driver.kick();
    for (let i = 0; i < 100 && got.length < 2; i++) await new Promise((r) => setTimeout(r, 30));
    assert.deepEqual(got.sort(), [`${LINUX4}#1`, `${LINUX6}#2`].sort());
  });

  for (const fam of [4, 6] as const) {
    const OURS = fam === 4 ? OURS4 : OURS6;
    const LINUX = fam === 4 ? LINUX4 : LINUX6;
    const sockAddr = (a: string) => (fam === 4 ? a : `[${a}]`);

    it(`UDP/IPv${fam}: Linux socat → our echo socket → back to Linux`, async () => {
      const s: UdpSocket = stack.udp.open(fam);
      assert.equal(s.bind(undefined, 7000 + fam), true);
      s.onMessage = (d, info) => {
        s.send(Buffer.concat([Buffer.from('echo:'), d]), info.address, info.port);
        driver.kick();
      };
      try {
        const r = await peer.exec(
          ['socat', '-t', '2', '-T', '3', '-', `UDP:${sockAddr(OURS)}:${7000 + fam}`],
          {
            input: 'hello kernel\n',
          },
        );
        assert.equal(r.stdout, 'echo:hello kernel\n', r.stderr);
      } finally {
        s.close();
      }
    });

    it(`UDP/IPv${fam}: our socket → Linux socat listener`, async () => {
      const port = 7100 + fam;
      const listener = peer.spawn([
        'socat',
        '-u',
        `UDP${fam === 6 ? '6' : '4'}-RECV:${port},bind=${sockAddr(LINUX)}`,
        'STDOUT',
      ]);
      let out = '';
      listener.stdout?.on('data', (d) => {
        out += String(d);
      });
      const s = stack.udp.open(fam);
      // socat needs a moment to bind; resend until it shows up (UDP gives no other signal).
      for (let i = 0; i < 50 && !out.includes('from-stack'); i++) {
        s.send(Buffer.from('from-stack\n'), ip(LINUX), port);
        driver.kick();
        await new Promise((r) => setTimeout(r, 50));
      }
      s.close();
      listener.kill();
      assert.match(out, /from-stack/);
    });

    it(`UDP/IPv${fam}: a closed port gives Linux ECONNREFUSED (our ICMP port unreachable)`, async () => {
      const before = stack.counters();
      const r = await peer.exec(['socat', '-t', '2', '-T', '3', '-', `UDP:${sockAddr(OURS)}:7999`], {
        input: 'anyone?\n',
      });
      assert.match(r.stderr, /Connection refused/);
      const c = stack.counters();
      const icmp = fam === 4 ? 'icmpv4' : 'icmpv6';
      assert.ok(c[icmp].out > before[icmp].out);
      assert.ok((c.udp.dropped['no-socket'] ?? 0) > (before.udp.dropped['no-socket'] ?? 0));
    });

    it(`UDP/IPv${fam}: a connected socket of ours sees Linux's port unreachable`, async () => {
      const s = stack.udp.open(fam);
      const errs: string[] = [];
      s.onError = (k) => errs.push(k);
      s.connect(ip(LINUX), 7998);
      s.send(Buffer.from('x'));
      driver.kick();
      for (let i = 0; i < 100 && errs.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
      s.close();
      assert.deepEqual(errs, ['port-unreachable']);
    });
  }

  it('counters show no unexpected drops of Linux traffic', () => {
    const c = stack.counters();
    for (const layer of ['ipv4', 'ipv6', 'icmpv4', 'icmpv6', 'arp'] as const)
      for (const reason of ['bad-checksum', 'truncated'])
        assert.equal(c[layer].dropped[reason] ?? 0, 0, `${layer} dropped ${reason}`);
  });
});
