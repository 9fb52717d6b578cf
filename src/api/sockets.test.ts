/**
 * The node-level socket modules between two ZeroTierNodes on an ad-hoc network over loopback UDP
 * with our own root: an http server on b fetched from a (undici `node.fetch`, `http.request` with
 * `node.http.agent`), over IPv4 and 6PLANE IPv6; net echo; dgram both ways; BSD calls; and
 * everything closed by `stop()`.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fetch as undiciFetch } from 'undici';
import { WebSocket, WebSocketServer } from 'ws';
import * as K from '../bsd/constants.ts';
import { sockaddr } from '../bsd/sockets.ts';
import type { ZtError } from '../errors.ts';
import { createTestWorld, type TestWorld } from './local-world.ts';
import type { ZeroTierNode } from './zerotier-node.ts';

const ADHOC_V4 = 'ff0a000000000001';

/** A self-signed certificate for 'localhost' made with openssl, or null when openssl is missing. */
function selfSigned(): { key: string; cert: string } | null {
  const dir = mkdtempSync(join(tmpdir(), 'zt-cert-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    return {
      key: readFileSync(join(dir, 'key.pem'), 'utf8'),
      cert: readFileSync(join(dir, 'cert.pem'), 'utf8'),
    };
  } catch {
    return null;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The first address of a family in `addrs` (`ip/prefix` strings), without its prefix. */
const addrOf = (addrs: string[], v6: boolean) => addrs.find((x) => x.includes(':') === v6)!.split('/')[0];

/** Two nodes on a fresh world, online and joined to each of `networks` (per network: a's and b's addresses). */
async function twoNodes(networks: string[]) {
  const world = await createTestWorld();
  const a = await world.startNode();
  const b = await world.startNode();
  for (const n of [a, b]) if (!n.online) await new Promise<void>((r) => n.once('online', () => r()));
  const joined: Array<{ a: string[]; b: string[] }> = [];
  for (const id of networks) {
    const [na, nb] = await Promise.all([a.join(id), b.join(id)]);
    joined.push({ a: na.addresses, b: nb.addresses });
  }
  return { world, a, b, joined };
}

/** First contact (WHOIS, ARP/NDP) before the socket tests: a ping from `from` to each of `ips` that gets through. */
async function reach(from: ZeroTierNode, ips: string[]): Promise<void> {
  for (const ip of ips) {
    let ok = false;
    for (let i = 0; i < 10 && !ok; i++)
      ok = await from.ping(ip, { timeout: 1000 }).then(
        () => true,
        () => false,
      );
    assert.ok(ok, `reachable at ${ip}`);
  }
}

describe('node.net / http / fetch / dgram / bsd between two nodes', () => {
  let world: TestWorld;
  let a: ZeroTierNode;
  let b: ZeroTierNode;
  let bV4 = '';
  let bV6 = '';
  let aV4 = '';

  before(async () => {
    let joined: Array<{ a: string[]; b: string[] }>;
    ({ world, a, b, joined } = await twoNodes([ADHOC_V4]));
    aV4 = addrOf(joined[0].a, false);
    bV4 = addrOf(joined[0].b, false);
    bV6 = addrOf(joined[0].b, true);
    await reach(a, [bV4, bV6]);
  });

  after(async () => {
    await a?.stop();
    await b?.stop();
    await world?.stop();
  });

  it('an http server on b is fetched from a (fetch and http.request), IPv4 and IPv6', async () => {
    const server = b.http.createServer((req, res) => {
      res.setHeader('content-type', 'text/plain');
      res.end(`hello ${req.url} from ${req.socket.remoteAddress}`);
    });
    assert.ok(server instanceof http.Server);
    await new Promise<void>((r) => server.listen(8080, () => r()));
    assert.equal((server.address() as { port: number } | null)?.port, 8080);
    try {
      const r4 = await a.fetch(`http://${bV4}:8080/v4`);
      assert.equal(r4.status, 200);
      assert.equal(await r4.text(), `hello /v4 from ${aV4}`);
      const r6 = await a.fetch(`http://[${bV6}]:8080/v6`);
      assert.equal(r6.status, 200);
      assert.match(await r6.text(), /^hello \/v6 from fc/);
      const body = await new Promise<string>((resolve, reject) => {
        const req = http.get({ host: bV4, port: 8080, path: '/agent', agent: a.http.agent }, (res) => {
          let s = '';
          res.setEncoding('utf8');
          res.on('data', (d) => {
            s += d;
          });
          res.on('end', () => resolve(s));
        });
        req.on('error', reject);
      });
      assert.equal(body, `hello /agent from ${aV4}`);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  // TLS over our TCP through ZeroTier (Node's TLSSocket over a StackSocket, which emits 'connect' for
  // accepted sockets so the server side starts its handshake).
  it('https (self-signed, TLS over our TCP): https.request with node.https agent and fetch with a dispatcher', {
    timeout: 15_000,
  }, async (t) => {
    const cert = selfSigned();
    if (!cert) {
      t.skip('openssl not available to make a test certificate');
      return;
    }
    const server = b.https.createServer(cert, (req, res) => res.end(`secure ${req.url}`));
    assert.ok(server instanceof https.Server);
    await new Promise<void>((r) => server.listen(8443, () => r()));
    try {
      const agent = a.https.createAgent({ rejectUnauthorized: false });
      const body = await new Promise<string>((resolve, reject) => {
        https
          .get({ host: bV4, port: 8443, path: '/agent', agent }, (res) => {
            let s = '';
            res.on('data', (d) => {
              s += d;
            });
            res.on('end', () => resolve(s));
          })
          .on('error', reject);
      });
      assert.equal(body, 'secure /agent');
      agent.destroy();
      const dispatcher = a.createDispatcher({ rejectUnauthorized: false });
      const res = await undiciFetch(`https://[${bV6}]:8443/fetch`, { dispatcher });
      assert.equal(await res.text(), 'secure /fetch');
      // Without the override the self-signed certificate is refused.
      await assert.rejects(a.fetch(`https://${bV4}:8443/`));
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  it('ws: a WebSocket server on b, a client on a through node.http.agent', async () => {
    const server = b.http.createServer();
    const wss = new WebSocketServer({ server });
    wss.on('connection', (ws) => ws.on('message', (m) => ws.send(`echo ${m}`)));
    await new Promise<void>((r) => server.listen(8081, () => r()));
    try {
      const ws = new WebSocket(`ws://${bV4}:8081/`, { agent: a.http.agent });
      const reply = await new Promise<string>((resolve, reject) => {
        ws.on('open', () => ws.send('hi'));
        ws.on('message', (m) => resolve(String(m)));
        ws.on('error', reject);
      });
      assert.equal(reply, 'echo hi');
      ws.close();
    } finally {
      wss.close();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  it('net: echo over TCP, 1 MB each way; ECONNREFUSED on a closed port', async () => {
    const server = b.net.createServer((s) => s.pipe(s));
    await new Promise<void>((r) => server.listen(7, () => r()));
    const data = Buffer.alloc(1 << 20, 7);
    data.write('the start');
    const got = await new Promise<Buffer>((resolve, reject) => {
      const parts: Buffer[] = [];
      const c = a.net.connect(7, bV4, () => c.end(data));
      c.on('data', (d: Buffer) => parts.push(d));
      c.on('end', () => resolve(Buffer.concat(parts)));
      c.on('error', reject);
    });
    assert.equal(got.length, data.length);
    assert.ok(got.equals(data));
    await new Promise<void>((r) => server.close(() => r()));
    const err = await new Promise<Error & { code?: string }>((resolve) => {
      const c = a.net.connect({ port: 9, host: bV4 });
      c.on('error', resolve);
    });
    assert.equal(err.code, 'ECONNREFUSED');
  });

  it('dgram: messages both ways with rinfo', async () => {
    const sb = b.dgram.createSocket('udp4');
    const sa = a.dgram.createSocket('udp4');
    await new Promise<void>((r) => sb.bind(5353, () => r()));
    await new Promise<void>((r) => sa.bind(0, () => r()));
    sb.on('message', (msg, rinfo) =>
      sb.send(Buffer.concat([Buffer.from('re: '), msg]), rinfo.port, rinfo.address),
    );
    const reply = new Promise<[Buffer, { address: string; port: number }]>((r) =>
      sa.once('message', (m, ri) => r([m, ri])),
    );
    sa.send('ping', 5353, bV4);
    const [msg, rinfo] = await reply;
    assert.equal(msg.toString(), 're: ping');
    assert.equal(rinfo.address, bV4);
    assert.equal(rinfo.port, 5353);
    sa.close();
    sb.close();
  });

  it('bsd: socket/bind/listen/accept on b, connect/send/recv on a', async () => {
    const B = b.bsd;
    const A = a.bsd;
    const lfd = B.socket(K.AF_INET, K.SOCK_STREAM);
    assert.ok(lfd >= 0);
    assert.equal(B.bind(lfd, '0.0.0.0', 7070), 0);
    assert.equal(B.listen(lfd, 4), 0);
    const cfd = A.socket(K.AF_INET, K.SOCK_STREAM);
    const accepted = B.accept(lfd, sockaddr());
    assert.equal(await A.connect(cfd, bV4, 7070), 0);
    const sfd = await accepted;
    assert.ok(sfd >= 0);
    assert.equal(await A.send(cfd, new TextEncoder().encode('bsd hello')), 9);
    const buf = new Uint8Array(64);
    const n = await B.recv(sfd, buf);
    assert.equal(new TextDecoder().decode(buf.subarray(0, n)), 'bsd hello');
    const peer = sockaddr();
    assert.equal(B.getpeername(sfd, peer), 0);
    assert.equal(peer.address, aV4);
    for (const [s, fd] of [
      [A, cfd],
      [B, sfd],
      [B, lfd],
    ] as const)
      assert.equal(s.close(fd), 0);
  });

  it('without a joined network the modules answer ERR_ZT_NOT_JOINED; stop closes servers', async () => {
    const c = await world.startNode();
    try {
      assert.throws(
        () => c.net.connect(80, '10.1.2.3'),
        (e: ZtError) => e.code === 'ERR_ZT_NOT_JOINED',
      );
      assert.throws(
        () => c.dgram.createSocket('udp4'),
        (e: ZtError) => e.code === 'ERR_ZT_NOT_JOINED',
      );
      const srv = c.net.createServer();
      const err = await new Promise<ZtError>((r) => srv.listen(80).once('error', r));
      assert.equal(err.code, 'ERR_ZT_NOT_JOINED');
    } finally {
      await c.stop();
    }
    const server = a.net.createServer();
    await new Promise<void>((r) => server.listen(0, () => r()));
    assert.ok((server.address()?.port ?? 0) > 0);
    const closed = new Promise<void>((r) => server.once('close', () => r()));
    await a.stop();
    await closed;
    assert.equal(server.listening, false);
  });
});

describe('node.dgram / node.bsd / node.net on a node with two networks choose the network by route', () => {
  const NET1 = ADHOC_V4; // 10.0.0.0/8
  const NET2 = 'ff0b000000000001'; // 11.0.0.0/8
  /** Per test: a lost datagram or connection fails the test instead of hanging the run. */
  const T = 20_000;
  let world: TestWorld;
  let a: ZeroTierNode;
  let b: ZeroTierNode;
  /** IPv4 of a and b on each network: [net1, net2]. */
  const aIp: string[] = [];
  const bIp: string[] = [];
  /** UDP datagrams each of a's networks sent so far. */
  const udpOut = () => [NET1, NET2].map((id) => a.network(id)!.stack.counters().udp.out);

  before(async () => {
    let joined: Array<{ a: string[]; b: string[] }>;
    ({ world, a, b, joined } = await twoNodes([NET1, NET2]));
    for (const j of joined) {
      aIp.push(addrOf(j.a, false));
      bIp.push(addrOf(j.b, false));
    }
    assert.ok(aIp[0].startsWith('10.') && aIp[1].startsWith('11.'), `a: ${aIp}`);
    await reach(a, bIp);
  });

  after(async () => {
    await a?.stop();
    await b?.stop();
    await world?.stop();
  });

  it('dgram: a wildcard socket receives on both networks; sends leave through the routing one', {
    timeout: T,
  }, async () => {
    const sb = b.dgram.createSocket('udp4');
    await new Promise<void>((r) => sb.bind(5454, () => r()));
    const got: Array<[string, string]> = [];
    sb.on('message', (msg, rinfo) => {
      got.push([msg.toString(), rinfo.address]);
      sb.send(msg, rinfo.port, rinfo.address);
    });
    const sa = a.dgram.createSocket('udp4');
    await new Promise<void>((r) => sa.bind(0, () => r()));
    for (const [i, ip] of bIp.entries()) {
      const before = udpOut();
      const echo = new Promise<string>((r) => sa.once('message', (m, ri) => r(`${m} ${ri.address}`)));
      sa.send(`to net${i + 1}`, 5454, ip);
      assert.equal(await echo, `to net${i + 1} ${ip}`);
      const after = udpOut();
      assert.equal(after[i] - before[i], 1, `one datagram out on net${i + 1}`);
      assert.equal(after[1 - i] - before[1 - i], 0, `nothing on net${2 - i}`);
    }
    // The source address is the sending network's: b saw a's address on each network.
    assert.deepEqual(got, [
      ['to net1', aIp[0]],
      ['to net2', aIp[1]],
    ]);
    sa.close();
    sb.close();
  });

  it('dgram: a socket bound to an address uses that network only; no route is ENETUNREACH', {
    timeout: T,
  }, async () => {
    const sb = b.dgram.createSocket('udp4');
    await new Promise<void>((r) => sb.bind(5455, bIp[1], () => r()));
    assert.equal(sb.address().address, bIp[1]);
    const got: string[] = [];
    sb.on('message', (msg) => got.push(msg.toString()));
    const sent = (s: typeof sb, ip: string, text: string) =>
      new Promise<string | null>((r) =>
        s.send(text, 5455, ip, (err) => r(err ? String((err as ZtError).code) : null)),
      );
    const wild = a.dgram.createSocket('udp4');
    assert.equal(await sent(wild, bIp[0], 'not here'), null, 'sent on net1, where b has no such socket');
    assert.equal(await sent(wild, bIp[1], 'here'), null);
    const deadline = Date.now() + 3000;
    while (got.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(got, ['here']);
    assert.equal(await sent(wild, '192.0.2.1', 'nowhere'), 'ENETUNREACH');
    // a socket bound to a's net2 address sends on net2 only (its address would be foreign on net1).
    const sa = a.dgram.createSocket('udp4');
    await new Promise<void>((r) => sa.bind(0, aIp[1], () => r()));
    assert.equal(await sent(sa, bIp[1], 'bound'), null);
    assert.equal(await sent(sa, bIp[0], 'other network'), 'ENETUNREACH');
    while (got.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(got, ['here', 'bound']);
    await assert.rejects(
      new Promise<void>((ok, fail) => {
        const s = a.dgram.createSocket('udp4');
        s.once('error', (e) => {
          s.close();
          fail(e);
        });
        s.bind(0, '10.250.250.250', () => {
          s.close();
          ok();
        });
      }),
      (e: Error & { code?: string }) => e.code === 'EADDRNOTAVAIL',
    );
    for (const s of [sa, sb, wild]) s.close();
  });

  it('bsd: a wildcard listener accepts on both networks; connect goes by route; ENETUNREACH otherwise', {
    timeout: T,
  }, async () => {
    const A = a.bsd;
    const B = b.bsd;
    const lfd = B.socket(K.AF_INET, K.SOCK_STREAM);
    assert.equal(B.bind(lfd, '0.0.0.0', 7171), 0);
    assert.equal(B.listen(lfd, 4), 0);
    for (const [i, ip] of bIp.entries()) {
      const cfd = A.socket(K.AF_INET, K.SOCK_STREAM);
      const accepted = B.accept(lfd, sockaddr());
      assert.equal(await A.connect(cfd, ip, 7171), 0, `connect ${ip}`);
      const sfd = await accepted;
      assert.ok(sfd >= 0);
      const peer = sockaddr();
      assert.equal(B.getpeername(sfd, peer), 0);
      assert.equal(peer.address, aIp[i], `accepted from a's net${i + 1} address`);
      const local = sockaddr();
      assert.equal(A.getsockname(cfd, local), 0);
      assert.equal(local.address, aIp[i]);
      assert.equal(await A.send(cfd, new TextEncoder().encode(`hi ${i}`)), 4);
      const buf = new Uint8Array(16);
      const n = await B.recv(sfd, buf);
      assert.equal(new TextDecoder().decode(buf.subarray(0, n)), `hi ${i}`);
      A.close(cfd);
      B.close(sfd);
    }
    B.close(lfd);
    // A listener bound to b's net2 address does not listen on net1.
    const l2 = B.socket(K.AF_INET, K.SOCK_STREAM);
    assert.equal(B.bind(l2, bIp[1], 7172), 0);
    assert.equal(B.listen(l2, 4), 0);
    const c1 = A.socket(K.AF_INET, K.SOCK_STREAM);
    assert.equal(await A.connect(c1, bIp[0], 7172), -K.ECONNREFUSED);
    A.close(c1);
    B.close(l2);
    const c2 = A.socket(K.AF_INET, K.SOCK_STREAM);
    assert.equal(await A.connect(c2, '192.0.2.1', 80), -K.ENETUNREACH);
    A.close(c2);
    // Datagrams: sendto picks the network; a wildcard receiver hears both.
    const ub = B.socket(K.AF_INET, K.SOCK_DGRAM);
    assert.equal(B.bind(ub, '', 5456), 0);
    const ua = A.socket(K.AF_INET, K.SOCK_DGRAM);
    for (const [i, ip] of bIp.entries()) {
      assert.equal(await A.sendto(ua, new TextEncoder().encode(`d${i}`), 0, ip, 5456), 2);
      const from = sockaddr();
      const buf = new Uint8Array(8);
      B.setsockopt(ub, K.SOL_SOCKET, K.SO_RCVTIMEO, 3000);
      const n = await B.recvfrom(ub, buf, 0, from);
      assert.equal(new TextDecoder().decode(buf.subarray(0, n)), `d${i}`);
      assert.equal(from.address, aIp[i]);
    }
    assert.equal(await A.sendto(ua, new Uint8Array(1), 0, '192.0.2.1', 9), -K.ENETUNREACH);
    // IP_MULTICAST_IF picks a network by its address.
    assert.equal(A.setsockopt(ua, K.IPPROTO_IP, K.IP_MULTICAST_IF, aIp[1]), 0);
    assert.equal(A.setsockopt(ua, K.IPPROTO_IP, K.IP_MULTICAST_IF, '192.0.2.9'), -K.EADDRNOTAVAIL);
    const mcOut = udpOut();
    assert.equal(await A.sendto(ua, new Uint8Array(1), 0, '239.1.2.3', 9), 1);
    assert.deepEqual(udpOut(), [mcOut[0], mcOut[1] + 1], 'multicast left through net2');
    A.close(ua);
    B.close(ub);
  });

  it('net: connect by route, ENETUNREACH for an address no network routes', { timeout: T }, async () => {
    const err = await new Promise<Error & { code?: string }>((resolve) => {
      const c = a.net.connect({ port: 80, host: '192.0.2.1' });
      c.on('error', resolve);
    });
    assert.equal(err.code, 'ENETUNREACH');
    // A server bound to b's net2 address listens there only.
    const server = b.net.createServer((s) => s.end('net2'));
    await new Promise<void>((r) => server.listen(7174, bIp[1], () => r()));
    const outcome = (host: string) =>
      new Promise<string>((resolve) => {
        const c = a.net.connect(7174, host);
        c.on('data', (d) => resolve(d.toString()));
        c.on('error', (e: Error & { code?: string }) => resolve(String(e.code)));
      });
    assert.equal(await outcome(bIp[1]), 'net2');
    assert.equal(await outcome(bIp[0]), 'ECONNREFUSED');
    await new Promise<void>((r) => server.close(() => r()));
  });

  it('leaving a network: wildcard dgram and bsd sockets keep the other one; its connections fail', {
    timeout: T,
  }, async () => {
    const sb = b.dgram.createSocket('udp4');
    await new Promise<void>((r) => sb.bind(5457, () => r()));
    sb.on('message', (msg, rinfo) => sb.send(msg, rinfo.port, rinfo.address));
    // A bsd connection into b over net2, and b's wildcard listener.
    const A = a.bsd;
    const B = b.bsd;
    const lfd = B.socket(K.AF_INET, K.SOCK_STREAM);
    assert.equal(B.bind(lfd, '0.0.0.0', 7173), 0);
    assert.equal(B.listen(lfd, 4), 0);
    const c2 = A.socket(K.AF_INET, K.SOCK_STREAM);
    const acc2 = B.accept(lfd);
    assert.equal(await A.connect(c2, bIp[1], 7173), 0);
    const s2 = await acc2;
    assert.ok(s2 >= 0);
    assert.equal(b.leave(NET2), true);
    assert.equal(await B.recv(s2, new Uint8Array(4)), -K.ENETDOWN, "b's net2 connection is gone");
    const sa = a.dgram.createSocket('udp4');
    const echo = new Promise<string>((r) => sa.once('message', (m) => r(m.toString())));
    sa.send('still', 5457, bIp[0]);
    assert.equal(await echo, 'still');
    const c1 = A.socket(K.AF_INET, K.SOCK_STREAM);
    const acc1 = B.accept(lfd);
    assert.equal(await A.connect(c1, bIp[0], 7173), 0, 'the listener still listens on net1');
    assert.ok((await acc1) >= 0);
    for (const fd of [c1, c2]) A.close(fd);
    B.closeAll();
    sa.close();
    sb.close();
  });
});
