/**
 * Kernel-peer tests of UDP broadcast and IPv4/IPv6 multicast membership, with Linux as the other end,
 * and of the gratuitous ARP we send when an address is added. See harness.ts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Stack } from '../../src/stack/stack.ts';
import { parseIp } from '../../src/stack/wire/ip-address.ts';
import type { KernelPeer, StackDriver } from './harness.ts';
import { kernelSkipReason, kernelSubnet, macText, startStackPeer, stopStackPeer } from './harness.ts';

const skip = kernelSkipReason();
const subnet = kernelSubnet(97, 97);
const { LINUX4, prefix4, prefix6 } = subnet;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('kernel peer: Linux ⇄ stack (broadcast, multicast, gratuitous ARP)', { skip: skip ?? false }, () => {
  let peer: KernelPeer;
  let stack: Stack;
  let driver: StackDriver;
  const ip = (s: string) => parseIp(s)!;

  before(async () => {
    ({ peer, stack, driver } = await startStackPeer(subnet));
  });

  after(() => stopStackPeer(driver, peer));

  /** Runs a Linux sender repeatedly until `got` is non-empty (UDP gives no delivery signal). */
  async function sendUntil(argv: string[], input: string, got: () => boolean): Promise<void> {
    for (let i = 0; i < 20 && !got(); i++) {
      await peer.exec(argv, { input, timeoutMs: 5000 });
      await sleep(50);
    }
  }

  it('Linux UDP broadcast to the subnet reaches our socket (SO_BROADCAST on Linux)', async () => {
    const s = stack.udp.open(4);
    s.bind(undefined, 7200);
    const got: string[] = [];
    s.onMessage = (d) => got.push(Buffer.from(d).toString());
    await sendUntil(
      ['socat', '-u', '-', `UDP4-DATAGRAM:${prefix4}.255:7200,broadcast`],
      'to-all\n',
      () => got.length > 0,
    );
    s.close();
    assert.equal(got[0], 'to-all\n');
  });

  it('Linux multicast to 239.1.2.3 reaches us only after we join the group', async () => {
    const s = stack.udp.open(4);
    s.bind(undefined, 7201);
    const got: string[] = [];
    s.onMessage = (d) => got.push(Buffer.from(d).toString());
    const argv = ['socat', '-u', '-', `UDP4-DATAGRAM:239.1.2.3:7201,ip-multicast-if=${LINUX4}`];
    const before = stack.counters().ethernet.dropped['not-subscribed'] ?? 0;
    await peer.exec(argv, { input: 'early\n' });
    await sleep(100);
    assert.deepEqual(got, []);
    assert.ok((stack.counters().ethernet.dropped['not-subscribed'] ?? 0) > before, 'filtered by MAC');
    s.addMembership(ip('239.1.2.3'));
    await sendUntil(argv, 'member\n', () => got.length > 0);
    s.close();
    assert.equal(got[0], 'member\n');
  });

  it('Linux IPv6 multicast to ff15::1234 reaches a member socket', async () => {
    const s = stack.udp.open(6);
    s.bind(undefined, 7202);
    s.addMembership(ip('ff15::1234'));
    const got: string[] = [];
    s.onMessage = (d) => got.push(Buffer.from(d).toString());
    await sendUntil(['socat', '-u', '-', 'UDP6-DATAGRAM:[ff15::1234]:7202'], 'six\n', () => got.length > 0);
    s.close();
    assert.equal(got[0], 'six\n');
  });

  for (const fam of [4, 6] as const) {
    it(`our IPv${fam} multicast reaches a Linux socket that joined the group`, async () => {
      const group = fam === 4 ? '239.1.2.4' : 'ff15::4321';
      const port = 7210 + fam;
      const join =
        fam === 4
          ? `UDP4-RECV:${port},ip-add-membership=${group}:${LINUX4}`
          : `UDP6-RECV:${port},ipv6-join-group=[${group}]:${peer.tap}`;
      const listener = peer.spawn(['socat', '-u', join, 'STDOUT']);
      let out = '';
      listener.stdout?.on('data', (d) => {
        out += String(d);
      });
      const s = stack.udp.open(fam);
      for (let i = 0; i < 50 && !out.includes('group-hello'); i++) {
        assert.equal(s.send(Buffer.from('group-hello\n'), ip(group), port), true);
        driver.kick();
        await sleep(50);
      }
      s.close();
      listener.kill();
      assert.match(out, /group-hello/);
    });
  }

  it('adding an address sends a gratuitous ARP that Linux learns', async () => {
    const extra = `${prefix4}.77`;
    // Linux must already have an entry for the address to update it from a gratuitous ARP request
    // (arp_accept=0 updates but does not create); make one that points elsewhere, then announce.
    await peer.exec([
      'ip',
      'neigh',
      'replace',
      extra,
      'lladdr',
      '02:00:00:00:00:99',
      'dev',
      peer.tap,
      'nud',
      'stale',
    ]);
    stack.addAddress(extra, 24);
    driver.kick();
    let shown = '';
    for (let i = 0; i < 40; i++) {
      shown = (await peer.exec(['ip', 'neigh', 'show', extra])).stdout;
      if (shown.includes(macText(peer.ourMac))) break;
      await sleep(50);
    }
    assert.match(shown, new RegExp(macText(peer.ourMac)));
    const r = await peer.exec(['ping', '-c', '1', '-W', '2', extra]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    stack.removeAddress(extra);
  });

  it('IPv6 address added later answers NDP and ping at once', async () => {
    const extra = `${prefix6}::77`;
    stack.addAddress(extra, 64);
    driver.kick();
    const r = await peer.exec(['ping', '-6', '-c', '1', '-W', '2', extra]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    stack.removeAddress(extra);
    const gone = await peer.exec(['ping', '-6', '-c', '1', '-W', '1', extra]);
    assert.notEqual(gone.code, 0, 'a removed address no longer answers');
  });
});
