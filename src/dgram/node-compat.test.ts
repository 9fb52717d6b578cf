// Behaviours from Node's own test/parallel/test-dgram-*.js, one per test (named after the Node file), run
// against our dgram over two in-memory stacks.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { test } from 'node:test';
import { createStackPair, type StackPair } from '../testing/stack-pair.ts';
import { createDgram } from './index.ts';

async function withPair(fn: (p: StackPair) => Promise<void>): Promise<void> {
  const p = createStackPair();
  try {
    await fn(p);
  } finally {
    p.close();
  }
}

test('test-dgram-bind-default-address: bind() listens on 0.0.0.0 / :: with an ephemeral port', async () => {
  await withPair(async (p) => {
    for (const [type, any, family] of [
      ['udp4', '0.0.0.0', 'IPv4'],
      ['udp6', '::', 'IPv6'],
    ] as const) {
      const s = createDgram(p.a).createSocket(type);
      s.bind();
      await once(s, 'listening');
      const a = s.address();
      assert.equal(a.address, any);
      assert.equal(a.family, family);
      assert.ok(a.port > 0);
      s.close();
    }
  });
});

test('test-dgram-implicit-bind: send() before bind() emits listening once', async () => {
  await withPair(async (p) => {
    const target = createDgram(p.b).createSocket('udp4');
    target.bind(0);
    await once(target, 'listening');
    const port = target.address().port;
    const source = createDgram(p.a).createSocket('udp4');
    let listening = 0;
    source.on('listening', () => listening++);
    const got = new Promise<void>((res) => {
      let n = 0;
      target.on('message', () => {
        if (++n === 2) res();
      });
    });
    source.send(Buffer.from('abc'), 0, 3, port, p.b.v4);
    source.send(Buffer.from('def'), 0, 3, port, p.b.v4);
    await got;
    assert.equal(listening, 1);
    source.close();
    target.close();
  });
});

test('test-dgram-close-in-listening: close() inside the listening callback', async () => {
  await withPair(async (p) => {
    const s = createDgram(p.a).createSocket('udp4');
    s.send('x', 9, p.b.v4); // queued while binding
    s.on('listening', () => s.close());
    await once(s, 'close');
  });
});

test('test-dgram-listen-after-bind: the bind callback runs once, on listening', async () => {
  await withPair(async (p) => {
    const s = createDgram(p.a).createSocket('udp4');
    let calls = 0;
    s.bind(() => calls++);
    await once(s, 'listening');
    await new Promise((r) => setImmediate(r));
    assert.equal(calls, 1);
    s.close();
  });
});

test('test-dgram-send-callback-buffer-length / -multi-buffer / connect-send-callback: bytes in the callback', async () => {
  await withPair(async (p) => {
    const t = createDgram(p.b).createSocket('udp4');
    t.bind(0);
    await once(t, 'listening');
    const port = t.address().port;
    const c = createDgram(p.a).createSocket('udp4');
    const buf = Buffer.alloc(256, 'x');
    const n1 = await new Promise<number | undefined>((res) =>
      c.send(buf, 0, 100, port, p.b.v4, (_e, n) => res(n)),
    );
    assert.equal(n1, 100);
    const n2 = await new Promise<number | undefined>((res) =>
      c.send([Buffer.from('hello'), Buffer.from(' world')], port, p.b.v4, (_e, n) => res(n)),
    );
    assert.equal(n2, 11);
    await new Promise<void>((res) => c.connect(port, p.b.v4, () => res()));
    const n3 = await new Promise<number | undefined>((res) => c.send(buf, (_e, n) => res(n)));
    assert.equal(n3, 256);
    const n4 = await new Promise<number | undefined>((res) => c.send(buf, 10, 20, (_e, n) => res(n)));
    assert.equal(n4, 20);
    c.close();
    t.close();
  });
});

test('test-dgram-send-default-host / test-dgram-udp6-send-default-host: no address = loopback of the stack', async () => {
  await withPair(async (p) => {
    for (const [type, lo] of [
      ['udp4', '127.0.0.1'],
      ['udp6', '::1'],
    ] as const) {
      const server = createDgram(p.a).createSocket(type);
      server.bind(0);
      await once(server, 'listening');
      const client = createDgram(p.a).createSocket(type);
      const got = once(server, 'message');
      client.send('to myself', server.address().port);
      const [msg, rinfo] = await got;
      assert.equal(String(msg), 'to myself');
      assert.equal(rinfo.address, lo);
      client.close();
      server.close();
    }
  });
});

test('test-dgram-custom-lookup: the lookup option resolves names for bind, send and connect', async () => {
  await withPair(async (p) => {
    const names: string[] = [];
    const lookup = (
      host: string,
      _o: { family?: number },
      cb: (e: Error | null, a: string, f: number) => void,
    ) => {
      names.push(host);
      if (host === 'peer.zt') cb(null, p.b.v4, 4);
      else {
        const e = Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
        cb(e, '', 0);
      }
    };
    const server = createDgram(p.b).createSocket('udp4');
    server.bind(7100);
    await once(server, 'listening');
    const c = createDgram(p.a).createSocket({ type: 'udp4', lookup });
    const got = once(server, 'message');
    c.send('by name', 7100, 'peer.zt');
    assert.equal(String((await got)[0]), 'by name');
    const err = await new Promise<Error | null>((res) => c.send('x', 7100, 'nowhere.zt', (e) => res(e)));
    assert.equal((err as Error & { code: string }).code, 'ENOTFOUND');
    assert.deepEqual(names, ['peer.zt', 'nowhere.zt']);
    // Without a lookup, names other than localhost fail with ENOTFOUND.
    const plain = createDgram(p.a).createSocket('udp4');
    const e2 = await new Promise<Error | null>((res) => plain.send('x', 7100, 'peer.zt', (e) => res(e)));
    assert.equal((e2 as Error & { code: string; syscall: string }).syscall, 'getaddrinfo');
    for (const s of [server, c, plain]) s.close();
  });
});

test('test-dgram-setTTL / test-dgram-multicast-setTTL: values returned, bad types throw ERR_INVALID_ARG_TYPE', async () => {
  await withPair(async (p) => {
    const s = createDgram(p.a).createSocket('udp4');
    s.bind(0);
    await once(s, 'listening');
    assert.equal(s.setTTL(16), 16);
    assert.equal(s.handle.ttl, 16);
    assert.throws(() => s.setTTL('foo' as unknown as number), { code: 'ERR_INVALID_ARG_TYPE' });
    assert.throws(() => s.setTTL(1000), { code: 'EINVAL', message: 'setTTL EINVAL' });
    assert.equal(s.setMulticastTTL(16), 16);
    assert.equal(s.handle.multicastTtl, 16);
    assert.equal(s.setMulticastLoopback(false), false);
    assert.equal(s.handle.multicastLoopback, false);
    s.close();
  });
});

test('test-dgram-error-message-address: the error names the address and port', async () => {
  await withPair(async (p) => {
    const s = createDgram(p.a).createSocket('udp4');
    s.bind(1234, '10.50.50.50');
    const [e] = (await once(s, 'error')) as [Error & { code: string; address: string; port: number }];
    assert.equal(e.message, 'bind EADDRNOTAVAIL 10.50.50.50:1234');
    assert.equal(e.address, '10.50.50.50');
    assert.equal(e.port, 1234);
    s.close();
  });
});

test('test-dgram-create-socket-handle-fd: bind({ fd }) is refused (no OS descriptors)', async () => {
  await withPair(async (p) => {
    const s = createDgram(p.a).createSocket('udp4');
    assert.throws(() => s.bind({ fd: 3 }), { code: 'ERR_FEATURE_UNAVAILABLE_ON_PLATFORM' });
    s.close();
  });
});

test('test-dgram-async-dispose: Symbol.asyncDispose closes the socket once', async () => {
  await withPair(async (p) => {
    const s = createDgram(p.a).createSocket('udp4');
    s.bind(0);
    await once(s, 'listening');
    let closes = 0;
    s.on('close', () => closes++);
    await s[Symbol.asyncDispose]();
    await s[Symbol.asyncDispose]();
    assert.equal(closes, 1);
    assert.throws(() => s.address(), { code: 'ERR_SOCKET_DGRAM_NOT_RUNNING' });
  });
});
