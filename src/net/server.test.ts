// net.Server surface over the in-memory stack pair.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { test } from 'node:test';
import { createStackPair } from '../testing/stack-pair.ts';
import { createNet, type StackSocket } from './index.ts';

function world() {
  const pair = createStackPair();
  return { pair, A: createNet(pair.a), B: createNet(pair.b) };
}

test('listen(port, host, backlog, cb), address(), listening, EADDRINUSE, close(cb)', async () => {
  const { pair, B } = world();
  const s1 = B.createServer();
  assert.equal(s1.listening, false);
  assert.equal(s1.address(), null);
  let cbCalled = false;
  s1.listen(8080, pair.b.v4, 10, () => {
    cbCalled = true;
  });
  await once(s1, 'listening');
  assert.ok(cbCalled);
  assert.equal(s1.listening, true);
  assert.deepEqual(s1.address(), { address: pair.b.v4, family: 'IPv4', port: 8080 });
  const s2 = B.createServer();
  s2.listen({ port: 8080 });
  const [err] = await once(s2, 'error');
  assert.equal(err.code, 'EADDRINUSE');
  assert.equal(err.syscall, 'listen');
  assert.equal(err.port, 8080);
  assert.equal(s2.listening, false);
  // A different port on the same host is fine; an address we do not have is not.
  const s3 = B.createServer().listen(0, pair.b.v6);
  await once(s3, 'listening');
  assert.equal(s3.address()?.family, 'IPv6');
  assert.equal(s3.address()?.address, pair.b.v6);
  const s4 = B.createServer().listen(9000, '10.77.0.200');
  const [err4] = await once(s4, 'error');
  assert.equal(err4.code, 'EADDRNOTAVAIL');
  const closeErr = await new Promise<Error | undefined>((r) => s1.close((e) => r(e)));
  assert.equal(closeErr, undefined);
  assert.equal(s1.listening, false);
  const [notRunning] = await new Promise<[Error | undefined]>((r) => s1.close((e) => r([e])));
  assert.equal((notRunning as Error & { code: string }).code, 'ERR_SERVER_NOT_RUNNING');
  s3.close();
  pair.close();
});

test('port 0 picks distinct ephemeral ports; any-address listener reports ::', async () => {
  const { pair, B } = world();
  const ports = new Set<number>();
  const servers = [];
  for (let i = 0; i < 5; i++) {
    const s = B.createServer().listen(0);
    await once(s, 'listening');
    const a = s.address();
    assert.ok(a);
    assert.equal(a.address, '::');
    assert.equal(a.family, 'IPv6');
    assert.ok(a.port >= 49152 && a.port <= 65535);
    ports.add(a.port);
    servers.push(s);
  }
  assert.equal(ports.size, 5);
  for (const s of servers) s.close();
  pair.close();
});

test('getConnections, close() waits for open connections before close', async () => {
  const { pair, A, B } = world();
  const accepted: StackSocket[] = [];
  const server = B.createServer((s) => {
    accepted.push(s);
    s.resume();
  });
  server.listen(0);
  await once(server, 'listening');
  const port = server.address()?.port as number;
  const clients = [A.connect(port, pair.b.v4), A.connect(port, pair.b.v6), A.connect(port, pair.b.v4)];
  await Promise.all(clients.map((c) => once(c, 'connect')));
  while (accepted.length < 3) await once(server, 'connection');
  const n = await new Promise<number>((r) => server.getConnections((_e, k) => r(k)));
  assert.equal(n, 3);
  let closed = false;
  server.close(() => {
    closed = true;
  });
  // New connections are refused at once, existing ones keep working.
  const late = A.connect(port, pair.b.v4);
  const [err] = await once(late, 'error');
  assert.equal(err.code, 'ECONNREFUSED');
  assert.equal(closed, false);
  for (const c of clients) c.end();
  await once(server, 'close');
  assert.equal(closed, true);
  pair.close();
});

test('maxConnections: extra connections are reset and reported with drop', async () => {
  const { pair, A, B } = world();
  const server = B.createServer((s) => s.resume());
  server.maxConnections = 1;
  server.listen(0);
  await once(server, 'listening');
  const port = server.address()?.port as number;
  const c1 = A.connect(port, pair.b.v4);
  await once(server, 'connection');
  const c2 = A.connect(port, pair.b.v4);
  const c2err = once(c2, 'error');
  const [drop] = await once(server, 'drop');
  assert.equal(drop.remoteAddress, pair.a.v4);
  assert.equal(drop.localPort, port);
  assert.equal(drop.remotePort, c2.localPort);
  const [err] = await c2err;
  assert.equal(err.code, 'ECONNRESET');
  c1.destroy();
  server.close();
  pair.close();
});

test('listen({ signal }) closes when aborted', async () => {
  const { pair, B } = world();
  const ac = new AbortController();
  const server = B.createServer().listen({ port: 0, signal: ac.signal });
  await once(server, 'listening');
  ac.abort();
  await once(server, 'close');
  assert.equal(server.listening, false);
  // An already-aborted signal never listens.
  const s2 = B.createServer().listen({ port: 0, signal: AbortSignal.abort() });
  assert.equal(s2.listening, false);
  pair.close();
});

test('bad ports throw synchronously (ERR_SOCKET_BAD_PORT)', () => {
  const { pair, A, B } = world();
  assert.throws(() => B.createServer().listen(70000), { code: 'ERR_SOCKET_BAD_PORT' });
  assert.throws(() => A.connect(-1, pair.b.v4), { code: 'ERR_SOCKET_BAD_PORT' });
  assert.throws(() => new A.Socket().connect({ path: '/tmp/x' } as never), TypeError);
  pair.close();
});
