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

describe('node.net / http / fetch / dgram / bsd between two nodes', () => {
  let world: TestWorld;
  let a: ZeroTierNode;
  let b: ZeroTierNode;
  let bV4 = '';
  let bV6 = '';
  let aV4 = '';

  before(async () => {
    world = await createTestWorld();
    a = await world.startNode();
    b = await world.startNode();
    for (const n of [a, b]) if (!n.online) await new Promise<void>((r) => n.once('online', () => r()));
    const [na, nb] = await Promise.all([a.join(ADHOC_V4), b.join(ADHOC_V4)]);
    aV4 = na.addresses.find((x) => !x.includes(':'))!.split('/')[0];
    bV4 = nb.addresses.find((x) => !x.includes(':'))!.split('/')[0];
    bV6 = nb.addresses.find((x) => x.includes(':'))!.split('/')[0];
    // First contact (WHOIS, ARP/NDP) before the socket tests: a ping that gets through.
    for (const ip of [bV4, bV6]) {
      let ok = false;
      for (let i = 0; i < 10 && !ok; i++)
        ok = await a.ping(ip, { timeout: 1000 }).then(
          () => true,
          () => false,
        );
      assert.ok(ok, `b reachable at ${ip}`);
    }
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
