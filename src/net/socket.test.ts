// net.Socket over two in-memory stacks with real timers (src/testing/stack-pair.ts).
import assert from 'node:assert/strict';
import { once } from 'node:events';
import * as nodeNet from 'node:net';
import { constants } from 'node:os';
import { test } from 'node:test';
import { createStackPair, type StackPair } from '../testing/stack-pair.ts';
import { createNet, type StackServer, type StackSocket } from './index.ts';

function world(opts?: Parameters<typeof createStackPair>[0]) {
  const pair = createStackPair(opts);
  return { pair, A: createNet(pair.a), B: createNet(pair.b) };
}

async function listening(server: StackServer, port = 0, host?: string): Promise<number> {
  server.listen(port, host);
  await once(server, 'listening');
  return (server.address() as { port: number }).port;
}

function pattern(off: number, n: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = ((off + i) * 7 + ((off + i) >>> 11)) & 0xff;
  return b;
}

async function done(pair: StackPair, ...servers: StackServer[]) {
  for (const s of servers) if (s.listening) s.close();
  pair.close();
}

for (const family of ['IPv4', 'IPv6'] as const) {
  test(`${family}: connect, echo, addresses, counters, state, close`, async () => {
    const { pair, A, B } = world();
    const server = B.createServer((s) => s.pipe(s));
    const port = await listening(server, 7000);
    const dst = family === 'IPv4' ? pair.b.v4 : pair.b.v6;
    const src = family === 'IPv4' ? pair.a.v4 : pair.a.v6;
    const c = A.connect({ port, host: dst });
    assert.ok(c instanceof nodeNet.Socket);
    assert.equal(c.connecting, true);
    assert.equal(c.pending, true);
    assert.equal(c.readyState, 'opening');
    const [accepted] = (await Promise.all([once(server, 'connection'), once(c, 'connect')]))[0] as [
      StackSocket,
    ];
    assert.ok(accepted instanceof nodeNet.Socket);
    assert.equal(c.connecting, false);
    assert.equal(c.pending, false);
    assert.equal(c.readyState, 'open');
    assert.equal(c.remoteAddress, dst.replace('fd77::', 'fd77::'));
    assert.equal(c.remotePort, port);
    assert.equal(c.remoteFamily, family);
    assert.equal(c.localAddress, src);
    assert.equal(c.localFamily, family);
    assert.deepEqual(c.address(), { address: src, family, port: c.localPort });
    assert.equal(accepted.remoteAddress, src);
    assert.equal(accepted.remotePort, c.localPort);
    assert.equal(accepted.localPort, port);
    const chunks: Buffer[] = [];
    c.on('data', (d: Buffer) => chunks.push(d));
    c.write('hello ');
    c.end(Buffer.from('world'));
    assert.equal(c.readyState, 'readOnly');
    await once(c, 'end');
    assert.equal(Buffer.concat(chunks).toString(), 'hello world');
    const [hadError] = await once(c, 'close');
    assert.equal(hadError, false);
    assert.equal(c.bytesRead, 11);
    assert.equal(c.bytesWritten, 11);
    assert.equal(c.readyState, 'closed');
    await done(pair, server);
  });
}

/**
 * Writes `size` bytes of {@link pattern} in 64 KiB writes, waiting for 'drain' whenever write() returns false
 * (`onFalse` is told each time), then ends the socket.
 */
function writePattern(s: StackSocket, size: number, onFalse?: () => void): void {
  let sent = 0;
  const pump = () => {
    while (sent < size) {
      const n = Math.min(65536, size - sent);
      const ok = s.write(pattern(sent, n));
      sent += n;
      if (!ok) {
        onFalse?.();
        s.once('drain', pump);
        return;
      }
    }
    s.end();
  };
  pump();
}

test('20 MB each way byte-exact with backpressure (write() false + drain, slow reader)', async () => {
  const { pair, A, B } = world();
  const size = 20 << 20;
  let serverGot = 0;
  let serverBad = 0;
  let sawFalse = false;
  // allowHalfOpen: each side ends only when it has sent everything (else an early FIN would end it).
  let serverEnded!: () => void;
  const serverDone = new Promise<void>((r) => {
    serverEnded = r;
  });
  const server = B.createServer({ allowHalfOpen: true }, (s) => {
    // The server reads everything only by its own 'end': the client may close first (its FIN is
    // acknowledged once it arrives, while the server's stream may still hold bytes to deliver).
    s.once('end', () => serverEnded());
    // Slow reader at first: paused for a while, so the client must see write() === false.
    s.pause();
    setTimeout(() => s.resume(), 300);
    s.on('data', (d: Buffer) => {
      const want = pattern(serverGot, d.length);
      if (!want.equals(d)) serverBad++;
      serverGot += d.length;
    });
    // Send 20 MB back with manual backpressure handling.
    writePattern(s, size);
  });
  const port = await listening(server);
  const c = A.connect({ port, host: pair.b.v4, allowHalfOpen: true });
  let clientGot = 0;
  let clientBad = 0;
  c.on('data', (d: Buffer) => {
    if (!pattern(clientGot, d.length).equals(d)) clientBad++;
    clientGot += d.length;
  });
  c.once('connect', () =>
    writePattern(c, size, () => {
      sawFalse = true;
    }),
  );
  await once(c, 'close');
  await serverDone;
  assert.equal(clientGot, size);
  assert.equal(clientBad, 0);
  assert.equal(serverGot, size);
  assert.equal(serverBad, 0);
  assert.ok(sawFalse, 'write() never returned false');
  await done(pair, server);
});

test('a paused reader closes the TCP window: the sender stalls, then everything arrives', async () => {
  const { pair, A, B } = world({ tcp: { sendBufferSize: 256 << 10, receiveBufferSize: 256 << 10 } });
  let accepted: StackSocket | null = null;
  const server = B.createServer({ pauseOnConnect: true }, (s) => {
    accepted = s;
  });
  const port = await listening(server);
  const c = A.connect(port, pair.b.v4);
  await once(c, 'connect');
  // 2 MB: more than both TCP buffers (256 KiB each) and the streams' high-water marks together.
  let sent = 0;
  const chunk = Buffer.alloc(65536, 1);
  for (let i = 0; i < 32; i++) {
    c.write(chunk);
    sent += chunk.length;
  }
  // Let the data flow as far as it can.
  await new Promise((r) => setTimeout(r, 300));
  assert.ok(accepted);
  const s = accepted as StackSocket;
  const stats = s.tcpStats();
  assert.ok(stats);
  // The receiver's window is (nearly) closed: less than one segment (SWS avoidance keeps a sliver).
  assert.ok(stats.receiveWindow < stats.mss, `window ${stats.receiveWindow}`);
  assert.ok(c.writableLength > 1 << 20, `sender still has data queued: ${c.writableLength}`);
  assert.ok(stats.bytesReceived <= 512 << 10, `received ${stats.bytesReceived}`);
  let got = 0;
  s.on('data', (d: Buffer) => {
    got += d.length;
  });
  s.resume(); // pauseOnConnect: paused explicitly, so a 'data' listener alone does not resume
  c.end();
  await once(s, 'end');
  assert.equal(got, sent);
  await done(pair, server);
});

test('half-close with allowHalfOpen: the side that got FIN can still write', async () => {
  const { pair, A, B } = world();
  const server = B.createServer({ allowHalfOpen: true }, (s) => {
    const got: Buffer[] = [];
    s.on('data', (d: Buffer) => got.push(d));
    s.on('end', () => {
      // Peer finished sending; we answer afterwards, then end.
      s.end(`got ${Buffer.concat(got).length} bytes`);
    });
  });
  const port = await listening(server);
  const c = A.connect({ port, host: pair.b.v4, allowHalfOpen: true });
  c.end(Buffer.alloc(1000, 3));
  const chunks: Buffer[] = [];
  c.on('data', (d: Buffer) => chunks.push(d));
  await once(c, 'end');
  assert.equal(Buffer.concat(chunks).toString(), 'got 1000 bytes');
  await once(c, 'close');
  await done(pair, server);
});

test('allowHalfOpen false (default): a FIN from the peer ends our side too', async () => {
  const { pair, A, B } = world();
  let serverSock: StackSocket | null = null;
  const server = B.createServer((s) => {
    serverSock = s;
    s.resume();
  });
  const port = await listening(server);
  const c = A.connect({ port, host: pair.b.v4, allowHalfOpen: true });
  c.resume();
  await once(c, 'connect');
  c.end();
  // The server did not call end(), yet we get its FIN.
  await once(c, 'end');
  assert.ok(serverSock);
  assert.equal((serverSock as StackSocket).writableEnded, true);
  await done(pair, server);
});

test('resetAndDestroy sends RST: the peer gets ECONNRESET with syscall read', async () => {
  const { pair, A, B } = world();
  const server = B.createServer((s) => {
    s.on('data', () => s.resetAndDestroy());
  });
  const port = await listening(server);
  const c = A.connect(port, pair.b.v4);
  c.write('x');
  const [err] = await once(c, 'error');
  assert.equal(err.code, 'ECONNRESET');
  assert.equal(err.syscall, 'read');
  assert.equal(err.errno, -constants.errno.ECONNRESET);
  const [hadError] = await once(c, 'close');
  assert.equal(hadError, true);
  await done(pair, server);
});

test('ECONNREFUSED: code, errno, syscall, address, port; close(hadError)', async () => {
  const { pair, A } = world();
  for (const host of [pair.b.v4, pair.b.v6]) {
    const c = A.connect(4444, host);
    const [err] = await once(c, 'error');
    assert.equal(err.code, 'ECONNREFUSED');
    assert.equal(err.syscall, 'connect');
    assert.equal(err.address, host);
    assert.equal(err.port, 4444);
    assert.ok(err.errno < 0);
    assert.equal(err.message, `connect ECONNREFUSED ${host}:4444`);
    const [hadError] = await once(c, 'close');
    assert.equal(hadError, true);
  }
  await done(pair);
});

test('ENETUNREACH without a route, EHOSTUNREACH when ARP fails, ENOTFOUND for a bad name', async () => {
  const { pair, A } = world();
  const c = A.connect(80, '192.0.2.1');
  const [err] = await once(c, 'error');
  assert.equal(err.code, 'ENETUNREACH');
  assert.equal(err.syscall, 'connect');
  assert.equal(err.address, '192.0.2.1');
  const h = A.connect(80, '10.77.0.99'); // on-link, nobody answers ARP (about 3 s)
  const [errH] = await once(h, 'error');
  assert.equal(errH.code, 'EHOSTUNREACH');
  assert.equal(errH.port, 80);
  const d = A.connect(80, 'no-such-host.example');
  const [err2] = await once(d, 'error');
  assert.equal(err2.code, 'ENOTFOUND');
  assert.equal(err2.syscall, 'getaddrinfo');
  await done(pair);
});

test('ETIMEDOUT when SYNs are lost (connect timeout)', async () => {
  // Drop IPv4 TCP frames only (EtherType 0x0800, protocol byte 23): ARP still resolves.
  const isTcp4 = (f: Uint8Array) => f[12] === 0x08 && f[13] === 0 && f[23] === 6;
  const { pair, A } = world({ tcp: { connectTimeout: 400, minRto: 50 }, drop: (_d, f) => isTcp4(f) });
  const c = A.connect(80, pair.b.v4);
  const [err] = await once(c, 'error');
  assert.equal(err.code, 'ETIMEDOUT');
  assert.equal(err.syscall, 'connect');
  assert.equal(err.address, pair.b.v4);
  assert.equal(err.port, 80);
  await done(pair);
});

test('setTimeout emits timeout only (socket stays open); activity restarts it', async () => {
  const { pair, A, B } = world();
  const server = B.createServer((s) => s.pipe(s));
  const port = await listening(server);
  const c = A.connect(port, pair.b.v4);
  await once(c, 'connect');
  let timeouts = 0;
  c.setTimeout(100, () => timeouts++);
  assert.equal(c.timeout, 100);
  await once(c, 'timeout');
  assert.equal(c.destroyed, false);
  c.write('still here');
  const [d] = await once(c, 'data');
  assert.equal(String(d), 'still here');
  c.setTimeout(0);
  c.end();
  await once(c, 'close');
  assert.ok(timeouts >= 1);
  await done(pair, server);
});

test('setNoDelay / setKeepAlive reach the TCP connection; ref/unref hold the loop', async () => {
  const { pair, A, B } = world();
  const server = B.createServer((s) => s.resume());
  const port = await listening(server);
  const holdsListening = pair.b.driver.holdCount;
  assert.equal(holdsListening, 1);
  server.unref();
  assert.equal(pair.b.driver.holdCount, 0);
  server.ref();
  const c = A.connect(port, pair.b.v4);
  assert.equal(pair.a.driver.holdCount, 1);
  await once(c, 'connect');
  const conn = (c as unknown as { _conn: { noDelay: boolean; keepAlive: boolean; keepAliveDelay: number } })
    ._conn;
  c.setNoDelay(true);
  assert.equal(conn.noDelay, true);
  c.setNoDelay(false);
  assert.equal(conn.noDelay, false);
  c.setKeepAlive(true, 5000);
  assert.equal(conn.keepAlive, true);
  assert.equal(conn.keepAliveDelay, 5000);
  c.unref();
  assert.equal(pair.a.driver.holdCount, 0);
  c.ref();
  assert.equal(pair.a.driver.holdCount, 1);
  c.destroy();
  await once(c, 'close');
  assert.equal(pair.a.driver.holdCount, 0);
  await done(pair, server);
});

test('destroy(err) emits error then close(true); writes after destroy fail', async () => {
  const { pair, A, B } = world();
  const server = B.createServer((s) => s.resume());
  const port = await listening(server);
  const c = A.connect(port, pair.b.v4);
  await once(c, 'connect');
  const events: string[] = [];
  c.on('error', (e) => events.push(`error:${e.message}`));
  c.on('close', (h) => events.push(`close:${h}`));
  const closed = new Promise((r) => c.on('close', r));
  c.destroy(new Error('boom'));
  await closed;
  assert.deepEqual(events, ['error:boom', 'close:true']);
  await done(pair, server);
});

test('new Socket() + connect(port, host) (the pg path) and connect via lookup', async () => {
  const { pair, A, B } = world();
  const server = B.createServer((s) => s.end('hi'));
  const port = await listening(server);
  const s = new A.Socket();
  s.connect(port, pair.b.v4);
  const [d] = await once(s, 'data');
  assert.equal(String(d), 'hi');
  const lookedUp: string[] = [];
  const s2 = A.connect({
    port,
    host: 'b.example',
    lookup: (h, _o, cb) => {
      lookedUp.push(h);
      cb(null, pair.b.v6, 6);
    },
  });
  const [d2] = await once(s2, 'data');
  assert.equal(String(d2), 'hi');
  assert.deepEqual(lookedUp, ['b.example']);
  assert.equal(s2.remoteAddress, pair.b.v6);
  await done(pair, server);
});

test('destroy() with unread data resets (RFC 2525 §2.17); end() closes cleanly with FIN', async () => {
  const { pair, A, B } = world();
  const server = B.createServer({ pauseOnConnect: true }, (s) => {
    // Never reads: the client's data stays unread in the TCP buffer, then we destroy.
    setTimeout(() => s.destroy(), 100);
  });
  const port = await listening(server);
  const c = A.connect(port, pair.b.v4);
  c.write(Buffer.alloc(1000));
  c.resume();
  const [err] = await once(c, 'error');
  assert.equal(err.code, 'ECONNRESET');
  // A peer that reads everything and ends gets a clean close on both sides.
  const server2 = B.createServer((s) => {
    s.resume();
    s.on('end', () => s.end());
  });
  const port2 = await listening(server2);
  const c2 = A.connect(port2, pair.b.v4);
  c2.resume();
  c2.end(Buffer.alloc(1000));
  const [hadError] = await once(c2, 'close');
  assert.equal(hadError, false);
  await done(pair, server, server2);
});
