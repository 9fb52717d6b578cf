// dgram over two stacks on an in-memory segment (src/testing/stack-pair.ts): Node's dgram contract, IPv4 and IPv6.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { test } from 'node:test';
import { createStackPair as createTestPair, type StackPair as TestPair } from '../testing/stack-pair.ts';
import { createDgram, type RemoteInfo, type Socket } from './index.ts';

async function withPair(fn: (p: TestPair) => Promise<void>): Promise<void> {
  const p = createTestPair();
  try {
    await fn(p);
  } finally {
    p.close();
  }
}

function nextMessage(s: Socket): Promise<[Buffer, RemoteInfo]> {
  return once(s, 'message') as Promise<[Buffer, RemoteInfo]>;
}

async function bound(s: Socket, port?: number, address?: string): Promise<void> {
  s.bind(port, address);
  await once(s, 'listening');
}

for (const [type, fam] of [
  ['udp4', 'v4'],
  ['udp6', 'v6'],
] as const) {
  test(`${type}: datagrams both ways with rinfo, echo`, async () => {
    await withPair(async (p) => {
      const server = createDgram(p.b).createSocket(type);
      server.on('message', (msg, rinfo) =>
        server.send(Buffer.concat([Buffer.from('echo:'), msg]), rinfo.port, rinfo.address),
      );
      await bound(server, 7000);
      assert.deepEqual(server.address(), {
        address: type === 'udp4' ? '0.0.0.0' : '::',
        family: type === 'udp4' ? 'IPv4' : 'IPv6',
        port: 7000,
      });
      const client = createDgram(p.a).createSocket(type);
      const got = nextMessage(client);
      const sent = await new Promise<number>((res, rej) =>
        client.send('hello', 7000, p.b[fam], (err, n) => (err ? rej(err) : res(n ?? -1))),
      );
      assert.equal(sent, 5);
      const [msg, rinfo] = await got;
      assert.equal(msg.toString(), 'echo:hello');
      assert.deepEqual(rinfo, {
        address: p.b[fam],
        family: type === 'udp4' ? 'IPv4' : 'IPv6',
        port: 7000,
        size: 10,
      });
      // Implicit bind gave the client an ephemeral port.
      assert.ok(client.address().port >= 49152);
      client.close();
      server.close();
      await once(server, 'close');
    });
  });
}

test('udp6 dual stack: IPv4 datagrams arrive with v4-mapped addresses; ipv6Only refuses them', async () => {
  await withPair(async (p) => {
    const d = createDgram(p.b);
    const s6 = d.createSocket('udp6');
    await bound(s6, 7001);
    const c = createDgram(p.a).createSocket('udp4');
    const got = nextMessage(s6);
    c.send('x', 7001, p.b.v4);
    const [, rinfo] = await got;
    assert.equal(rinfo.address, `::ffff:${p.a.v4}`);
    assert.equal(rinfo.family, 'IPv6');
    // And a udp6 client reaches an IPv4 peer through a v4-mapped (or plain IPv4) destination.
    const s4 = createDgram(p.a).createSocket('udp4');
    await bound(s4, 7002);
    const got4 = nextMessage(s4);
    s6.send('y', 7002, p.a.v4);
    const [m4, r4] = await got4;
    assert.equal(m4.toString(), 'y');
    assert.equal(r4.address, p.b.v4);
    const only = d.createSocket({ type: 'udp6', ipv6Only: true });
    const err = new Promise<Error>((res) => only.send('z', 7002, `::ffff:${p.a.v4}`, (e) => res(e as Error)));
    assert.equal(((await err) as Error & { code: string }).code, 'ENETUNREACH');
    for (const s of [s6, c, s4, only]) s.close();
  });
});

test('pre-bind send queue: sends before listening go out in order after the implicit bind', async () => {
  await withPair(async (p) => {
    const server = createDgram(p.b).createSocket('udp4');
    await bound(server, 7003);
    const got: string[] = [];
    server.on('message', (m) => got.push(m.toString()));
    const c = createDgram(p.a).createSocket('udp4');
    for (let i = 0; i < 5; i++) c.send(`m${i}`, 7003, p.b.v4);
    assert.throws(() => c.address(), { code: 'EBADF', syscall: 'getsockname' });
    await once(c, 'listening');
    while (got.length < 5) await new Promise((r) => setTimeout(r, 5));
    assert.deepEqual(got, ['m0', 'm1', 'm2', 'm3', 'm4']);
    c.close();
    server.close();
  });
});

test('bind errors: ERR_SOCKET_ALREADY_BOUND thrown, EADDRINUSE emitted with address and port', async () => {
  await withPair(async (p) => {
    const d = createDgram(p.a);
    const s1 = d.createSocket('udp4');
    await bound(s1, 7004);
    assert.throws(() => s1.bind(7005), { code: 'ERR_SOCKET_ALREADY_BOUND' });
    const s2 = d.createSocket('udp4');
    s2.bind({ port: 7004, address: p.a.v4 });
    const [err] = (await once(s2, 'error')) as [
      Error & { code: string; syscall: string; port: number; address: string },
    ];
    assert.equal(err.code, 'EADDRINUSE');
    assert.equal(err.syscall, 'bind');
    assert.equal(err.address, p.a.v4);
    assert.equal(err.port, 7004);
    assert.equal(err.message, `bind EADDRINUSE ${p.a.v4}:7004`);
    // After a failed bind the socket can bind again.
    s2.bind(7006);
    await once(s2, 'listening');
    const s3 = d.createSocket('udp4');
    s3.bind(0, '10.99.0.1');
    assert.equal(((await once(s3, 'error'))[0] as { code: string }).code, 'EADDRNOTAVAIL');
    const s4 = d.createSocket('udp4');
    s4.bind(0, '::1');
    assert.equal(((await once(s4, 'error'))[0] as { code: string }).code, 'EINVAL');
    for (const s of [s1, s2, s3, s4]) s.close();
  });
});

test('argument checks throw at once with Node codes', async () => {
  await withPair(async (p) => {
    const d = createDgram(p.a);
    assert.throws(() => d.createSocket('udp5' as 'udp4'), { code: 'ERR_SOCKET_BAD_TYPE' });
    const s = d.createSocket('udp4');
    assert.throws(() => s.send('x', 0, p.b.v4), { code: 'ERR_SOCKET_BAD_PORT' });
    assert.throws(() => s.send('x', 70000, p.b.v4), { code: 'ERR_SOCKET_BAD_PORT' });
    assert.throws(() => s.send(42 as unknown as string, 1, p.b.v4), { code: 'ERR_INVALID_ARG_TYPE' });
    assert.throws(() => s.send(Buffer.alloc(4), 2, 5, 9, p.b.v4), { code: 'ERR_BUFFER_OUT_OF_BOUNDS' });
    assert.throws(() => s.disconnect(), { code: 'ERR_SOCKET_DGRAM_NOT_CONNECTED' });
    assert.throws(() => s.remoteAddress(), { code: 'ERR_SOCKET_DGRAM_NOT_CONNECTED' });
    assert.throws(() => s.setBroadcast(true), { code: 'EBADF', message: 'setBroadcast EBADF' });
    assert.throws(() => s.setTTL(5), { code: 'EBADF' });
    assert.throws(() => s.getRecvBufferSize(), { code: 'ERR_SOCKET_BUFFER_SIZE' });
    await bound(s);
    assert.throws(() => s.setTTL(0), { code: 'EINVAL', syscall: 'setTTL' });
    assert.equal(s.setTTL(200), 200);
    assert.equal(s.setMulticastTTL(0), 0);
    assert.throws(() => s.setMulticastTTL(256), { code: 'EINVAL' });
    assert.throws(() => s.addMembership('10.1.1.1'), { code: 'EINVAL', syscall: 'addMembership' });
    assert.throws(() => s.dropMembership('239.9.9.9'), { code: 'EADDRNOTAVAIL' });
    assert.throws(() => s.setMulticastInterface('10.99.0.1'), { code: 'EADDRNOTAVAIL' });
    s.setMulticastInterface(p.a.v4);
    s.setRecvBufferSize(10_000);
    assert.equal(s.getRecvBufferSize(), 20_000); // Linux reports twice the value set
    assert.equal(s.getSendBufferSize(), 212_992);
    assert.throws(() => s.setSendBufferSize(-1), { code: 'ERR_SOCKET_BAD_BUFFER_SIZE' });
    assert.equal(s.getSendQueueSize(), 0);
    assert.equal(s.getSendQueueCount(), 0);
    s.close();
    assert.throws(() => s.send('x', 9, p.b.v4), { code: 'ERR_SOCKET_DGRAM_NOT_RUNNING' });
    assert.throws(() => s.close(), { code: 'ERR_SOCKET_DGRAM_NOT_RUNNING' });
    assert.throws(() => s.address(), { code: 'ERR_SOCKET_DGRAM_NOT_RUNNING' });
  });
});

test('send: offset/length, arrays of chunks, DataView, empty datagram', async () => {
  await withPair(async (p) => {
    const server = createDgram(p.b).createSocket('udp4');
    await bound(server, 7007);
    const got: string[] = [];
    server.on('message', (m, r) => got.push(`${m.toString()}|${r.size}`));
    const c = createDgram(p.a).createSocket('udp4');
    c.send(Buffer.from('abcdef'), 1, 3, 7007, p.b.v4);
    c.send(['ab', Buffer.from('cd'), new Uint8Array([0x65])], 7007, p.b.v4);
    c.send(new DataView(new TextEncoder().encode('dv').buffer), 7007, p.b.v4);
    c.send(Buffer.alloc(0), 7007, p.b.v4);
    while (got.length < 4) await new Promise((r) => setTimeout(r, 5));
    assert.deepEqual(got, ['bcd|3', 'abcde|5', 'dv|2', '|0']);
    c.close();
    server.close();
  });
});

test('connect: connect event, remoteAddress, filtering, IS_CONNECTED, ECONNREFUSED from ICMP, disconnect', async () => {
  await withPair(async (p) => {
    const server = createDgram(p.b).createSocket('udp4');
    await bound(server, 7008);
    const c = createDgram(p.a).createSocket('udp4');
    await new Promise<void>((res) => c.connect(7008, p.b.v4, () => res()));
    assert.deepEqual(c.remoteAddress(), { address: p.b.v4, family: 'IPv4', port: 7008 });
    assert.throws(() => c.connect(7008, p.b.v4), { code: 'ERR_SOCKET_DGRAM_IS_CONNECTED' });
    assert.throws(() => c.send('x', 0, 1, 7008, p.b.v4), { code: 'ERR_SOCKET_DGRAM_IS_CONNECTED' });
    const got = nextMessage(server);
    c.send('connected');
    const [m, r] = await got;
    assert.equal(m.toString(), 'connected');
    // A datagram from another port of the peer is not delivered to the connected socket.
    const other = createDgram(p.b).createSocket('udp4');
    await bound(other, 7009);
    const seen: string[] = [];
    c.on('message', (x) => seen.push(x.toString()));
    other.send('stranger', r.port, p.a.v4);
    server.send('peer', r.port, p.a.v4);
    while (seen.length < 1) await new Promise((res) => setTimeout(res, 5));
    await new Promise((res) => setTimeout(res, 20));
    assert.deepEqual(seen, ['peer']);
    // Nobody listens on 7010: the peer's ICMP port unreachable surfaces as ECONNREFUSED.
    const c2 = createDgram(p.a).createSocket('udp4');
    c2.connect(7010, p.b.v4);
    await once(c2, 'connect');
    c2.send('x');
    const [err] = (await once(c2, 'error')) as [Error & { code: string; syscall: string }];
    assert.equal(err.code, 'ECONNREFUSED');
    assert.equal(err.syscall, 'recvmsg');
    c.disconnect();
    assert.throws(() => c.remoteAddress(), { code: 'ERR_SOCKET_DGRAM_NOT_CONNECTED' });
    const viaPort = await new Promise<number>((res, rej) =>
      c.send('again', 7008, p.b.v4, (e, n) => (e ? rej(e) : res(n ?? -1))),
    );
    assert.equal(viaPort, 5);
    // connect() to an address of the other family fails through the callback.
    const c3 = createDgram(p.a).createSocket('udp4');
    const e3 = await new Promise<Error | undefined>((res) => c3.connect(9, '::1', res));
    assert.equal((e3 as Error & { code: string }).code, 'EINVAL');
    for (const s of [server, c, other, c2, c3]) s.close();
  });
});

test('broadcast: refused without SO_BROADCAST (EACCES), delivered with it', async () => {
  await withPair(async (p) => {
    const server = createDgram(p.b).createSocket('udp4');
    await bound(server, 7011);
    const c = createDgram(p.a).createSocket('udp4');
    await bound(c);
    const e = await new Promise<Error | null>((res) => c.send('b', 7011, '10.77.0.255', (err) => res(err)));
    assert.equal((e as Error & { code: string }).code, 'EACCES');
    c.setBroadcast(true);
    for (const dst of ['10.77.0.255', '255.255.255.255']) {
      const got = nextMessage(server);
      c.send(`to ${dst}`, 7011, dst);
      const [m, r] = await got;
      assert.equal(m.toString(), `to ${dst}`);
      assert.equal(r.address, p.a.v4);
    }
    c.close();
    server.close();
  });
});

for (const [type, group, group2] of [
  ['udp4', '239.1.2.3', '239.1.2.4'],
  ['udp6', 'ff12::1234', 'ff12::1235'],
] as const) {
  test(`${type} multicast between two stacks: add/dropMembership, loopback, source-specific`, async () => {
    await withPair(async (p) => {
      const fam = type === 'udp4' ? 'v4' : 'v6';
      const member = createDgram(p.b).createSocket(type);
      await bound(member, 7012);
      const got: string[] = [];
      member.on('message', (m, r) => got.push(`${m.toString()}@${r.address}`));
      member.addMembership(group);
      const sender = createDgram(p.a).createSocket(type);
      await bound(sender);
      sender.setMulticastTTL(2);
      sender.send('one', 7012, group);
      while (got.length < 1) await new Promise((r) => setTimeout(r, 5));
      assert.deepEqual(got, [`one@${p.a[fam]}`]);
      member.dropMembership(group);
      sender.send('two', 7012, group);
      sender.send('marker', 7012, p.b[fam]);
      while (got.length < 2) await new Promise((r) => setTimeout(r, 5));
      assert.deepEqual(got.slice(1), [`marker@${p.a[fam]}`]);
      // Loopback: a member on the sending stack gets our own multicast (IP_MULTICAST_LOOP on by default).
      const local = createDgram(p.a).createSocket(type);
      await bound(local, 7012);
      local.addMembership(group);
      const loop = nextMessage(local);
      sender.send('loop', 7012, group);
      assert.equal((await loop)[0].toString(), 'loop');
      local.close();
      // Source-specific: only the named source gets through.
      member.addSourceSpecificMembership(p.a[fam], group2);
      const third = createDgram(p.b).createSocket(type);
      await bound(third);
      third.send('from-b-itself', 7012, group2); // loopback on B, source is B: filtered
      sender.send('from-a', 7012, group2);
      while (got.length < 3) await new Promise((r) => setTimeout(r, 5));
      await new Promise((r) => setTimeout(r, 20));
      assert.deepEqual(got.slice(2), [`from-a@${p.a[fam]}`]);
      assert.throws(() => member.dropSourceSpecificMembership(p.b[fam], group2), { code: 'EADDRNOTAVAIL' });
      member.dropSourceSpecificMembership(p.a[fam], group2);
      for (const s of [member, sender, third]) s.close();
    });
  });
}

test('close while binding runs after the bind; AbortSignal closes; ref/unref hold the loop only while bound', async () => {
  await withPair(async (p) => {
    let holds = 0;
    const d = createDgram({
      ...p.a,
      hold: () => {
        holds++;
        return () => holds--;
      },
    });
    const s = d.createSocket('udp4');
    assert.equal(holds, 0);
    s.bind(0);
    s.close();
    await once(s, 'close');
    assert.equal(holds, 0);
    const s2 = d.createSocket('udp4');
    await bound(s2);
    assert.equal(holds, 1);
    s2.unref();
    assert.equal(holds, 0);
    s2.ref();
    assert.equal(holds, 1);
    s2.close();
    assert.equal(holds, 0);
    const ac = new AbortController();
    const s3 = d.createSocket({ type: 'udp4', signal: ac.signal });
    await bound(s3);
    ac.abort();
    await once(s3, 'close');
    assert.throws(() => s3.address(), { code: 'ERR_SOCKET_DGRAM_NOT_RUNNING' });
  });
});

test('large datagrams (fragmented) and EMSGSIZE', async () => {
  await withPair(async (p) => {
    const server = createDgram(p.b).createSocket('udp6');
    await bound(server, 7013);
    const c = createDgram(p.a).createSocket('udp6');
    const big = Buffer.alloc(60_000, 7);
    big[59_999] = 9;
    const got = nextMessage(server);
    c.send(big, 7013, p.b.v6);
    const [m] = await got;
    assert.equal(m.length, 60_000);
    assert.deepEqual(m, big);
    const e = await new Promise<Error | null>((res) =>
      c.send(Buffer.alloc(70_000), 7013, p.b.v6, (err) => res(err)),
    );
    assert.equal((e as Error & { code: string }).code, 'EMSGSIZE');
    c.close();
    server.close();
  });
});
