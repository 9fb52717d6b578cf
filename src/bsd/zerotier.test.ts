// The BSD calls and dgram between two ZeroTierNodes on an ad-hoc network (our own root and planet on loopback
// UDP, src/api/local-world.ts): the whole path — sockets, stack, VL2 frames, VL1 encryption, UDP — over
// IPv4 and 6PLANE IPv6, both directions, plus multicast through ZeroTier's LIKE/GATHER.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { createTestWorld, type TestWorld } from '../api/local-world.ts';
import type { ZeroTierNode } from '../api/zerotier-node.ts';
import * as K from './constants.ts';
import { sockaddr } from './index.ts';

const ADHOC = 'ff0a000000000001';

describe('bsd and dgram between two ZeroTier nodes (IPv4 and 6PLANE)', () => {
  let world: TestWorld;
  let a: ZeroTierNode;
  let b: ZeroTierNode;
  const ip = { a4: '', a6: '', b4: '', b6: '' };

  before(async () => {
    world = await createTestWorld();
    a = await world.startNode();
    b = await world.startNode();
    for (const n of [a, b]) if (!n.online) await new Promise<void>((r) => n.once('online', () => r()));
    const [na, nb] = await Promise.all([a.join(ADHOC), b.join(ADHOC)]);
    const pick = (addrs: readonly string[], v6: boolean) =>
      addrs.find((x) => x.includes(':') === v6)!.split('/')[0];
    ip.a4 = pick(na.addresses, false);
    ip.a6 = pick(na.addresses, true);
    ip.b4 = pick(nb.addresses, false);
    ip.b6 = pick(nb.addresses, true);
    // First contact (WHOIS, ARP/NDP): pings that get through, both ways.
    for (const [from, to] of [
      [a, ip.b4],
      [a, ip.b6],
      [b, ip.a4],
      [b, ip.a6],
    ] as const) {
      let ok = false;
      for (let i = 0; i < 10 && !ok; i++)
        ok = await from.ping(to, { timeout: 1000 }).then(
          () => true,
          () => false,
        );
      assert.ok(ok, `reachable: ${to}`);
    }
  });

  after(async () => {
    a?.bsd.closeAll();
    b?.bsd.closeAll();
    await a?.stop();
    await b?.stop();
    await world?.stop();
  });

  for (const [family, domain, key] of [
    ['IPv4', K.AF_INET, '4'],
    ['IPv6 (6PLANE)', K.AF_INET6, '6'],
  ] as const) {
    it(`bsd TCP ${family}: a client on each node, a dual-stack server on the other, 256 KiB each way`, async () => {
      for (const [client, server, serverIp, clientIp] of [
        [a, b, ip[`b${key}`], ip[`a${key}`]],
        [b, a, ip[`a${key}`], ip[`b${key}`]],
      ] as const) {
        const S = server.bsd;
        const C = client.bsd;
        const srv = S.socket(K.AF_INET6, K.SOCK_STREAM, 0);
        assert.equal(S.bind(srv, '::', 9500), 0);
        assert.equal(S.listen(srv, 8), 0);
        const peer = sockaddr();
        const accepted = S.accept(srv, peer);
        const fd = C.socket(domain, K.SOCK_STREAM, 0);
        assert.equal(await C.connect(fd, serverIp, 9500), 0);
        const sfd = await accepted;
        assert.ok(sfd >= 0);
        assert.equal(peer.address, domain === K.AF_INET ? `::ffff:${clientIp}` : clientIp);
        assert.equal(C.getsockopt(fd, K.SOL_SOCKET, K.SO_DOMAIN), domain);
        const size = 256 << 10;
        const up = randomBytes(size);
        const down = randomBytes(size);
        const sendAll = async (bsd: typeof S, s: number, data: Uint8Array) => {
          assert.equal(await bsd.send(s, data), data.length);
          bsd.shutdown(s, K.SHUT_WR);
        };
        const readAll = async (bsd: typeof S, s: number) => {
          const buf = new Uint8Array(size);
          assert.equal(await bsd.recv(s, buf, K.MSG_WAITALL), size);
          assert.equal(await bsd.recv(s, new Uint8Array(1)), 0);
          return buf;
        };
        const [, , gotUp, gotDown] = await Promise.all([
          sendAll(C, fd, up),
          sendAll(S, sfd, down),
          readAll(S, sfd),
          readAll(C, fd),
        ]);
        assert.ok(Buffer.from(gotUp).equals(up));
        assert.ok(Buffer.from(gotDown).equals(down));
        C.close(fd);
        S.close(sfd);
        S.close(srv);
      }
    });

    it(`bsd ${family}: non-blocking connect to a closed port → POLLERR + SO_ERROR ECONNREFUSED; UDP both ways`, async () => {
      const fd = a.bsd.socket(domain, K.SOCK_STREAM | K.SOCK_NONBLOCK, 0);
      assert.equal(await a.bsd.connect(fd, ip[`b${key}`], 9501), -K.EINPROGRESS);
      const pfd = [{ fd, events: K.POLLOUT, revents: 0 }];
      assert.equal(await a.bsd.poll(pfd, 10_000), 1);
      assert.equal(pfd[0].revents & K.POLLERR, K.POLLERR);
      assert.equal(a.bsd.getsockopt(fd, K.SOL_SOCKET, K.SO_ERROR), K.ECONNREFUSED);
      a.bsd.close(fd);
      const ua = a.bsd.socket(domain, K.SOCK_DGRAM, 0);
      const ub = b.bsd.socket(domain, K.SOCK_DGRAM, 0);
      assert.equal(b.bsd.bind(ub, '', 9502), 0);
      assert.equal(
        await a.bsd.sendto(ua, new TextEncoder().encode('over zerotier'), 0, ip[`b${key}`], 9502),
        13,
      );
      const from = sockaddr();
      const buf = new Uint8Array(64);
      b.bsd.setsockopt(ub, K.SOL_SOCKET, K.SO_RCVTIMEO, 10_000);
      assert.equal(await b.bsd.recvfrom(ub, buf, 0, from), 13);
      assert.equal(from.address, ip[`a${key}`]);
      assert.equal(await b.bsd.sendto(ub, buf.subarray(0, 4), 0, from.address, from.port), 4);
      a.bsd.setsockopt(ua, K.SOL_SOCKET, K.SO_RCVTIMEO, 10_000);
      assert.equal(await a.bsd.recv(ua, buf), 4);
      a.bsd.close(ua);
      b.bsd.close(ub);
    });

    it(`dgram ${family}: messages both ways with rinfo`, async () => {
      const type = domain === K.AF_INET ? 'udp4' : 'udp6';
      const sb = b.dgram.createSocket(type);
      sb.on('message', (m, r) => sb.send(Buffer.concat([Buffer.from('re:'), m]), r.port, r.address));
      sb.bind(9503);
      await once(sb, 'listening');
      const sa = a.dgram.createSocket(type);
      const got = once(sa, 'message');
      sa.send('hi', 9503, ip[`b${key}`]);
      const [m, r] = await got;
      assert.equal(String(m), 're:hi');
      assert.equal(r.address, ip[`b${key}`]);
      assert.equal(r.port, 9503);
      assert.equal(r.family, domain === K.AF_INET ? 'IPv4' : 'IPv6');
      sa.close();
      sb.close();
    });
  }

  it('dgram multicast across ZeroTier: a member on b receives a group datagram from a (IPv4 and IPv6)', async () => {
    for (const [type, group] of [
      ['udp4', '239.10.20.30'],
      ['udp6', 'ff05::4242'],
    ] as const) {
      const member = b.dgram.createSocket(type);
      member.bind(9504);
      await once(member, 'listening');
      member.addMembership(group);
      const sender = a.dgram.createSocket(type);
      sender.bind(0);
      await once(sender, 'listening');
      sender.setMulticastTTL(4);
      // ZeroTier learns members through LIKE/GATHER: resend until the subscription has propagated.
      let got = false;
      member.once('message', () => {
        got = true;
      });
      for (let i = 0; i < 60 && !got; i++) {
        sender.send(`to ${group}`, 9504, group);
        await new Promise((r) => setTimeout(r, 250));
      }
      assert.ok(got, `multicast to ${group} arrived`);
      member.close();
      sender.close();
    }
  });
});
