// Node's http (server and client agent) and https over our sockets, IPv4 and IPv6.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import * as http from 'node:http';
import { test } from 'node:test';
import * as tls from 'node:tls';
import { cert, key, world } from './world.ts';

function body(res: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (d: Buffer) => chunks.push(d));
    res.on('end', () => resolve(Buffer.concat(chunks).toString()));
    res.on('error', reject);
  });
}

for (const fam of ['IPv4', 'IPv6'] as const) {
  test(`http: server + agent client, ${fam}, keep-alive reuses one connection, POST body`, async () => {
    const w = world();
    const seenPorts = new Set<number>();
    const server = w.httpB.createServer((req, res) => {
      seenPorts.add(req.socket.remotePort as number);
      const chunks: Buffer[] = [];
      req.on('data', (d: Buffer) => chunks.push(d));
      req.on('end', () => {
        res.setHeader('x-remote', String(req.socket.remoteAddress));
        res.end(`${req.method} ${req.url} ${Buffer.concat(chunks).length}`);
      });
    });
    assert.ok(server instanceof http.Server);
    server.listen(80);
    await once(server, 'listening');
    assert.equal(server.listening, true);
    const host = fam === 'IPv4' ? w.pair.b.v4 : `[${w.pair.b.v6}]`;
    for (let i = 0; i < 3; i++) {
      const res = await new Promise<http.IncomingMessage>((r) => w.httpA.get(`http://${host}/x${i}`, {}, r));
      assert.equal(res.statusCode, 200);
      assert.equal(res.headers['x-remote'], fam === 'IPv4' ? w.pair.a.v4 : w.pair.a.v6);
      assert.equal(await body(res), `GET /x${i} 0`);
    }
    assert.equal(seenPorts.size, 1, 'keep-alive agent reused its socket');
    const big = Buffer.alloc(3 << 20, 7);
    const req = w.httpA.request(`http://${host}/upload`, { method: 'POST' });
    req.end(big);
    const [res] = await once(req, 'response');
    assert.equal(await body(res), `POST /upload ${big.length}`);
    await new Promise<void>((r) => server.close(() => r()));
    assert.equal(server.listening, false);
    await w.close();
  });
}

test('plain http.request with createConnection (no agent) works too', async () => {
  const w = world();
  const server = w.httpB.createServer((_req, res) => res.end('ok'));
  server.listen(8080);
  await once(server, 'listening');
  const req = http.request({
    host: w.pair.b.v4,
    port: 8080,
    path: '/',
    createConnection: (o: { host?: string; port?: number }) => w.netA.connect(Number(o.port), o.host),
  } as http.RequestOptions);
  req.end();
  const [res] = await once(req, 'response');
  assert.equal(await body(res), 'ok');
  server.close();
  await w.close();
});

test('https: Node https.Server over our sockets, client via the https agent (verified cert)', async () => {
  const w = world();
  const server = w.httpB.createHttpsServer({ key, cert }, (req, res) => {
    res.end(`secure ${(req.socket as tls.TLSSocket).encrypted === true}`);
  });
  server.listen(443);
  await once(server, 'listening');
  for (const host of [w.pair.b.v4, `[${w.pair.b.v6}]`]) {
    const res = await new Promise<http.IncomingMessage>((r) => w.httpA.get(`https://${host}/`, {}, r));
    assert.equal(await body(res), 'secure true');
  }
  // A client that does not trust the cert fails the handshake.
  const sock = w.netA.connect(443, w.pair.b.v4);
  const t = tls.connect({ socket: sock, servername: 'zt.test' });
  const [err] = await once(t, 'error');
  assert.match(String(err.code), /SELF_SIGNED|UNABLE_TO_VERIFY|DEPTH_ZERO/);
  server.close();
  await w.close();
});

test('tls: tls.connect({ socket }) and new TLSSocket(sock, { isServer: true }) echo', async () => {
  const w = world();
  const ctx = tls.createSecureContext({ key, cert });
  const server = w.netB.createServer((s) => {
    const t = new tls.TLSSocket(s, { isServer: true, secureContext: ctx });
    t.on('data', (d: Buffer) => t.write(Buffer.from(d.toString().toUpperCase())));
    t.on('end', () => t.end());
  });
  server.listen(993);
  await once(server, 'listening');
  const t = tls.connect({ socket: w.netA.connect(993, w.pair.b.v4), ca: cert, servername: 'zt.test' });
  await once(t, 'secureConnect');
  assert.equal(t.authorized, true);
  t.write('hello tls');
  const [d] = await once(t, 'data');
  assert.equal(String(d), 'HELLO TLS');
  t.end();
  await once(t, 'close');
  server.close();
  await w.close();
});

test('http.Server keepAliveTimeout closes an idle keep-alive socket (through socket.setTimeout)', async () => {
  const w = world();
  const server = w.httpB.createServer((_req, res) => res.end('ok'));
  server.keepAliveTimeout = 150;
  server.listen(80);
  await once(server, 'listening');
  // A raw client: one keep-alive request, then idle; the server must end the connection itself.
  const c = w.netA.connect(80, w.pair.b.v4);
  const chunks: Buffer[] = [];
  c.on('data', (d: Buffer) => chunks.push(d));
  c.write('GET / HTTP/1.1\r\nHost: zt.test\r\nConnection: keep-alive\r\n\r\n');
  await once(c, 'end'); // we never end: only the server's idle timer can
  assert.match(Buffer.concat(chunks).toString(), /^HTTP\/1\.1 200 OK[\s\S]*\r\n\r\nok$/);
  const s = c;
  await once(s, 'close');
  server.close();
  await w.close();
});
