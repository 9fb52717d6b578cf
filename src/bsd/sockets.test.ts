// BSD calls between two stacks on an in-memory segment (src/testing/stack-pair.ts): TCP and UDP, IPv4 and IPv6, blocking and
// non-blocking, errno results with Linux's values.
import assert from 'node:assert/strict';
import { constants } from 'node:os';
import { test } from 'node:test';
import { createStackPair as createTestPair, type StackPair as TestPair } from '../testing/stack-pair.ts';
import * as K from './constants.ts';
import { type BsdSockets, createBsd, type PollFd, sockaddr } from './index.ts';

async function withPair(fn: (p: TestPair, a: BsdSockets, b: BsdSockets) => Promise<void>): Promise<void> {
  const p = createTestPair();
  try {
    await fn(p, createBsd(p.a), createBsd(p.b));
  } finally {
    p.close();
  }
}

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A listening stream socket on `bsd` at `address`:`port`. */
function listener(bsd: BsdSockets, domain: number, address: string, port: number, backlog = 16): number {
  const fd = bsd.socket(domain, K.SOCK_STREAM, 0);
  assert.ok(fd >= 0);
  assert.equal(bsd.bind(fd, address, port), 0);
  assert.equal(bsd.listen(fd, backlog), 0);
  return fd;
}

/** An established IPv4 connection on port `port`: b's listener `srv`, a's socket `c`, b's accepted `fd`. */
async function connected(
  p: TestPair,
  a: BsdSockets,
  b: BsdSockets,
  port: number,
): Promise<{ srv: number; c: number; fd: number }> {
  const srv = listener(b, K.AF_INET, '0.0.0.0', port);
  const acc = b.accept(srv);
  const c = a.socket(K.AF_INET, K.SOCK_STREAM, 0);
  assert.equal(await a.connect(c, p.b.v4, port), 0);
  const fd = await acc;
  assert.ok(fd >= 0);
  return { srv, c, fd };
}

async function recvAll(bsd: BsdSockets, fd: number, n: number): Promise<Uint8Array> {
  const buf = new Uint8Array(n);
  const r = await bsd.recv(fd, buf, K.MSG_WAITALL);
  assert.equal(r, n);
  return buf;
}

test('errno and option constants have Linux values (os.constants.errno on this host)', () => {
  const errno = constants.errno as Record<string, number>;
  for (const [name, value] of Object.entries(K.ERRNO))
    if (errno[name] !== undefined) assert.equal(value, errno[name], name);
  assert.equal(K.errnoName(-K.ECONNREFUSED), 'ECONNREFUSED');
  assert.equal(K.errnoOf('EHOSTUNREACH'), 113);
  assert.equal(K.EWOULDBLOCK, K.EAGAIN);
});

for (const [domain, fam, any] of [
  [K.AF_INET, 'v4', '0.0.0.0'],
  [K.AF_INET6, 'v6', '::'],
] as const) {
  const label = domain === K.AF_INET ? 'IPv4' : 'IPv6';
  test(`TCP ${label}: connect/accept, both directions, names, SO_DOMAIN, EOF on close`, async () => {
    await withPair(async (p, a, b) => {
      const srv = listener(b, domain, any, 8000);
      assert.equal(b.getsockopt(srv, K.SOL_SOCKET, K.SO_ACCEPTCONN), 1);
      const peer = sockaddr();
      const accepted = b.accept(srv, peer);
      const cli = a.socket(domain, K.SOCK_STREAM, 0);
      assert.equal(await a.connect(cli, p.b[fam], 8000), 0);
      const fd = await accepted;
      assert.ok(fd >= 0 && fd !== srv);
      assert.equal(peer.family, domain);
      assert.equal(peer.address, p.a[fam]);
      const name = sockaddr();
      assert.equal(a.getsockname(cli, name), 0);
      assert.deepEqual(name, { family: domain, address: p.a[fam], port: peer.port });
      const pn = sockaddr();
      assert.equal(a.getpeername(cli, pn), 0);
      assert.deepEqual(pn, { family: domain, address: p.b[fam], port: 8000 });
      for (const s of [cli]) {
        assert.equal(a.getsockopt(s, K.SOL_SOCKET, K.SO_DOMAIN), domain);
        assert.equal(a.getsockopt(s, K.SOL_SOCKET, K.SO_TYPE), K.SOCK_STREAM);
        assert.equal(a.getsockopt(s, K.SOL_SOCKET, K.SO_PROTOCOL), K.IPPROTO_TCP);
      }
      assert.equal(b.getsockopt(fd, K.SOL_SOCKET, K.SO_DOMAIN), domain);
      assert.equal(await a.send(cli, enc('ping')), 4);
      assert.equal(dec(await recvAll(b, fd, 4)), 'ping');
      assert.equal(await b.write(fd, enc('pong!')), 5);
      assert.equal(dec(await recvAll(a, cli, 5)), 'pong!');
      const from = sockaddr();
      const buf = new Uint8Array(16);
      const pending = a.recvfrom(cli, buf, 0, from);
      assert.equal(await b.send(fd, enc('x')), 1);
      assert.equal(await pending, 1);
      assert.equal(from.address, p.b[fam]);
      assert.equal(b.close(fd), 0);
      assert.equal(await a.recv(cli, buf), 0); // EOF
      assert.equal(a.close(cli), 0);
      assert.equal(a.close(cli), -K.EBADF);
      assert.equal(a.errno, K.EBADF);
      b.close(srv);
    });
  });
}

test('dual stack: an AF_INET6 listener accepts IPv4 (v4-mapped); V6ONLY and AF_INET listeners refuse the other family', async () => {
  await withPair(async (p, a, b) => {
    const srv = listener(b, K.AF_INET6, '::', 8001);
    const peer = sockaddr();
    const acc = b.accept(srv, peer);
    const c4 = a.socket(K.AF_INET, K.SOCK_STREAM, 0);
    assert.equal(await a.connect(c4, p.b.v4, 8001), 0);
    const fd = await acc;
    assert.equal(peer.family, K.AF_INET6);
    assert.equal(peer.address, `::ffff:${p.a.v4}`);
    const local = sockaddr();
    b.getsockname(fd, local);
    assert.equal(local.address, `::ffff:${p.b.v4}`);
    // An AF_INET6 client reaches an IPv4 server through a v4-mapped address.
    const srv4 = listener(b, K.AF_INET, '0.0.0.0', 8002);
    const acc4 = b.accept(srv4);
    const c6 = a.socket(K.AF_INET6, K.SOCK_STREAM, 0);
    assert.equal(await a.connect(c6, `::ffff:${p.b.v4}`, 8002), 0);
    assert.ok((await acc4) >= 0);
    // The AF_INET listener does not hand out IPv6 connections.
    const c66 = a.socket(K.AF_INET6, K.SOCK_STREAM, 0);
    const r = await a.connect(c66, p.b.v6, 8002);
    if (r === 0) assert.equal(await a.recv(c66, new Uint8Array(1)), -K.ECONNRESET);
    else assert.equal(r, -K.ECONNRESET);
    // V6ONLY: an IPv4 connect through a mapped address is refused locally.
    const only = a.socket(K.AF_INET6, K.SOCK_STREAM, 0);
    assert.equal(a.setsockopt(only, K.IPPROTO_IPV6, K.IPV6_V6ONLY, 1), 0);
    assert.equal(a.getsockopt(only, K.IPPROTO_IPV6, K.IPV6_V6ONLY), 1);
    assert.equal(await a.connect(only, `::ffff:${p.b.v4}`, 8002), -K.ENETUNREACH);
    assert.equal(a.connect === undefined, false);
    assert.equal(await a.connect(c4, p.b.v6, 8001), -K.EAFNOSUPPORT);
  });
});

test('errors: EBADF, EAFNOSUPPORT, ESOCKTNOSUPPORT, ECONNREFUSED, EISCONN, EADDRINUSE, EADDRNOTAVAIL, ENOTCONN, EOPNOTSUPP, EINVAL, ENOPROTOOPT', async () => {
  await withPair(async (p, a, b) => {
    assert.equal(a.socket(99, K.SOCK_STREAM, 0), -K.EAFNOSUPPORT);
    assert.equal(a.socket(K.AF_INET, 7, 0), -K.ESOCKTNOSUPPORT);
    assert.equal(a.socket(K.AF_INET, K.SOCK_STREAM, K.IPPROTO_UDP), -K.EPROTONOSUPPORT);
    assert.equal(await a.recv(42, new Uint8Array(1)), -K.EBADF);
    assert.equal(await a.send(42, new Uint8Array(1)), -K.EBADF);
    assert.equal(a.bind(42, '', 1), -K.EBADF);
    const s = a.socket(K.AF_INET, K.SOCK_STREAM, 0);
    assert.equal(await a.recv(s, new Uint8Array(1)), -K.ENOTCONN);
    assert.equal(await a.send(s, new Uint8Array(1)), -K.ENOTCONN);
    assert.equal(a.getpeername(s, sockaddr()), -K.ENOTCONN);
    assert.equal(a.shutdown(s, K.SHUT_WR), -K.ENOTCONN);
    assert.equal(await a.accept(s), -K.EINVAL);
    assert.equal(a.getsockopt(s, K.SOL_SOCKET, 999), -K.ENOPROTOOPT);
    assert.equal(a.setsockopt(s, 999, 1, 1), -K.ENOPROTOOPT);
    assert.equal(await a.connect(s, p.b.v4, 8003), -K.ECONNREFUSED); // nobody listens: RST
    assert.equal(a.bind(s, '', 0), -K.EINVAL); // connect bound it (Linux autobinds too)
    const s2 = a.socket(K.AF_INET, K.SOCK_STREAM, 0);
    assert.equal(a.bind(s2, '10.66.0.1', 0), -K.EADDRNOTAVAIL);
    assert.equal(a.bind(s2, '::1', 0), -K.EAFNOSUPPORT);
    assert.equal(a.bind(s2, 'not-an-ip', 0), -K.EINVAL);
    const l1 = listener(b, K.AF_INET, '0.0.0.0', 8004);
    const l2 = b.socket(K.AF_INET, K.SOCK_STREAM, 0);
    assert.equal(b.bind(l2, p.b.v4, 8004), -K.EADDRINUSE);
    assert.equal(b.bind(l2, p.b.v4, 8005), 0);
    assert.equal(b.bind(l2, p.b.v4, 8006), -K.EINVAL); // already bound
    const acc = b.accept(l1);
    const c = a.socket(K.AF_INET, K.SOCK_STREAM, 0);
    assert.equal(await a.connect(c, p.b.v4, 8004), 0);
    assert.equal(await a.connect(c, p.b.v4, 8004), -K.EISCONN);
    assert.ok((await acc) >= 0);
    const u = a.socket(K.AF_INET, K.SOCK_DGRAM, 0);
    assert.equal(a.listen(u, 1), -K.EOPNOTSUPP);
    assert.equal(a.getsockopt(u, K.IPPROTO_TCP, K.TCP_NODELAY), -K.ENOPROTOOPT);
    assert.equal(a.fcntl(u, 99), -K.EINVAL);
    assert.equal(a.shutdown(c, 7), -K.EINVAL);
    // fds are reused lowest-first after close.
    const before = a.socket(K.AF_INET, K.SOCK_DGRAM, 0);
    a.close(before);
    assert.equal(a.socket(K.AF_INET, K.SOCK_DGRAM, 0), before);
    const small = createBsd(p.a, { maxFds: 1 });
    assert.equal(small.socket(K.AF_INET, K.SOCK_DGRAM, 0), 0);
    assert.equal(small.socket(K.AF_INET, K.SOCK_DGRAM, 0), -K.EMFILE);
  });
});

test('non-blocking connect + poll: EINPROGRESS, POLLOUT, SO_ERROR; refused: POLLERR + SO_ERROR=ECONNREFUSED; EAGAIN; poll timeout and POLLNVAL', async () => {
  await withPair(async (p, a, b) => {
    const srv = listener(b, K.AF_INET, '0.0.0.0', 8010);
    b.fcntl(srv, K.F_SETFL, K.O_NONBLOCK);
    assert.equal(b.fcntl(srv, K.F_GETFL), K.O_RDWR | K.O_NONBLOCK);
    assert.equal(await b.accept(srv), -K.EAGAIN);
    const c = a.socket(K.AF_INET, K.SOCK_STREAM | K.SOCK_NONBLOCK, 0);
    assert.equal(a.fcntl(c, K.F_GETFL) & K.O_NONBLOCK, K.O_NONBLOCK);
    assert.equal(await a.connect(c, p.b.v4, 8010), -K.EINPROGRESS);
    assert.equal(a.errno, K.EINPROGRESS);
    assert.equal(await a.connect(c, p.b.v4, 8010), -K.EALREADY);
    const pfd: PollFd[] = [{ fd: c, events: K.POLLOUT, revents: 0 }];
    assert.equal(await a.poll(pfd, 5000), 1);
    assert.equal(pfd[0].revents & K.POLLOUT, K.POLLOUT);
    assert.equal(a.getsockopt(c, K.SOL_SOCKET, K.SO_ERROR), 0);
    assert.equal(await a.recv(c, new Uint8Array(8)), -K.EAGAIN);
    // The server sees the connection through poll, then accept succeeds at once.
    const sp: PollFd[] = [{ fd: srv, events: K.POLLIN, revents: 0 }];
    assert.equal(await b.poll(sp, 5000), 1);
    assert.equal(sp[0].revents, K.POLLIN);
    const fd = await b.accept(srv);
    assert.ok(fd >= 0);
    assert.equal(b.fcntl(fd, K.F_GETFL) & K.O_NONBLOCK, 0); // accept does not inherit O_NONBLOCK (Linux)
    // Data makes the client readable.
    await b.send(fd, enc('hi'));
    const rp: PollFd[] = [{ fd: c, events: K.POLLIN, revents: 0 }];
    assert.equal(await a.poll(rp, 5000), 1);
    assert.equal(rp[0].revents & K.POLLIN, K.POLLIN);
    const buf = new Uint8Array(8);
    assert.equal(await a.recv(c, buf), 2);
    // MSG_DONTWAIT on a blocking socket.
    assert.equal(await b.recv(fd, buf, K.MSG_DONTWAIT), -K.EAGAIN);
    // Refused, non-blocking.
    const r = a.socket(K.AF_INET6, K.SOCK_STREAM | K.SOCK_NONBLOCK, 0);
    assert.equal(await a.connect(r, p.b.v6, 8011), -K.EINPROGRESS);
    const rpf: PollFd[] = [{ fd: r, events: K.POLLOUT, revents: 0 }];
    assert.equal(await a.poll(rpf, 5000), 1);
    assert.equal(rpf[0].revents & K.POLLERR, K.POLLERR);
    assert.equal(a.getsockopt(r, K.SOL_SOCKET, K.SO_ERROR), K.ECONNREFUSED);
    assert.equal(a.getsockopt(r, K.SOL_SOCKET, K.SO_ERROR), 0); // read clears it
    // Timeout with nothing ready; bad fds give POLLNVAL; negative fds are ignored.
    const idle: PollFd[] = [{ fd: fd, events: K.POLLIN, revents: 0 }];
    assert.equal(await b.poll(idle, 30), 0);
    assert.equal(idle[0].revents, 0);
    const bad: PollFd[] = [
      { fd: 77, events: K.POLLIN, revents: 0 },
      { fd: -1, events: K.POLLIN, revents: 0 },
    ];
    assert.equal(await b.poll(bad, 0), 1);
    assert.equal(bad[0].revents, K.POLLNVAL);
    assert.equal(bad[1].revents, 0);
  });
});

test('accept backlog: connections beyond the queue wait (SYN dropped) and complete once accepted', async () => {
  await withPair(async (p, a, b) => {
    const backlog = 2;
    const srv = listener(b, K.AF_INET, '0.0.0.0', 8020, backlog);
    const clients: number[] = [];
    for (let i = 0; i < 6; i++) {
      const c = a.socket(K.AF_INET, K.SOCK_STREAM | K.SOCK_NONBLOCK, 0);
      assert.equal(await a.connect(c, p.b.v4, 8020), -K.EINPROGRESS);
      clients.push(c);
    }
    const writable = async () => {
      const pfds = clients.map((fd) => ({ fd, events: K.POLLOUT, revents: 0 }));
      await a.poll(pfds, 0);
      return pfds.filter((x) => x.revents & K.POLLOUT).length;
    };
    // Up to `backlog` handshakes complete at once; the SYNs beyond are dropped and retried after the 1 s initial
    // RTO. Once both queues are full (ours and the stack's: 2 × backlog) the rest stay pending.
    for (let i = 0; i < 500 && (await writable()) < 2 * backlog; i++) await sleep(10);
    await sleep(50);
    assert.equal(await writable(), 2 * backlog);
    // Accepting drains the queue; the others complete on their SYN retransmission.
    const got: number[] = [];
    while (got.length < 6) got.push(await b.accept(srv));
    assert.ok(got.every((fd) => fd >= 0));
    assert.equal(new Set(got).size, 6);
    for (let i = 0; i < 1000 && (await writable()) < 6; i++) await sleep(10);
    assert.equal(await writable(), 6);
  });
});

test('shutdown: SHUT_WR sends EOF while the other direction keeps working; EPIPE after; SHUT_RD reads 0', async () => {
  await withPair(async (p, a, b) => {
    const srv = listener(b, K.AF_INET6, '::', 8030);
    const acc = b.accept(srv);
    const c = a.socket(K.AF_INET6, K.SOCK_STREAM, 0);
    assert.equal(await a.connect(c, p.b.v6, 8030), 0);
    const fd = await acc;
    await a.send(c, enc('last words'));
    assert.equal(a.shutdown(c, K.SHUT_WR), 0);
    assert.equal(await a.send(c, enc('more')), -K.EPIPE);
    const buf = new Uint8Array(64);
    assert.equal(dec(await recvAll(b, fd, 10)), 'last words');
    assert.equal(await b.recv(fd, buf), 0);
    const hup: PollFd[] = [{ fd, events: K.POLLIN | K.POLLRDHUP, revents: 0 }];
    assert.equal(await b.poll(hup, 0), 1);
    assert.equal(hup[0].revents & K.POLLRDHUP, K.POLLRDHUP);
    // Half-closed: the server still talks to the client.
    assert.equal(await b.send(fd, enc('reply')), 5);
    assert.equal(dec(await recvAll(a, c, 5)), 'reply');
    b.shutdown(fd, K.SHUT_RDWR);
    assert.equal(await a.recv(c, buf), 0);
    const both: PollFd[] = [{ fd: c, events: K.POLLIN, revents: 0 }];
    await a.poll(both, 1000);
    assert.equal(both[0].revents & K.POLLHUP, K.POLLHUP);
    // SHUT_RD on a fresh connection: receives answer 0 at once.
    const acc2 = b.accept(srv);
    const c2 = a.socket(K.AF_INET6, K.SOCK_STREAM, 0);
    await a.connect(c2, p.b.v6, 8030);
    await acc2;
    assert.equal(a.shutdown(c2, K.SHUT_RD), 0);
    assert.equal(await a.recv(c2, buf), 0);
    // A blocked accept returns EINVAL when its listener is shut down, and EBADF when it is closed.
    const waiting = b.accept(srv);
    assert.equal(b.shutdown(srv, K.SHUT_RDWR), 0);
    assert.equal(await waiting, -K.EINVAL);
    const srv2 = listener(b, K.AF_INET, '0.0.0.0', 8031);
    const waiting2 = b.accept(srv2);
    b.close(srv2);
    assert.equal(await waiting2, -K.EBADF);
  });
});

test('SO_LINGER {1, 0} resets: the peer reads ECONNRESET, then EOF; EPIPE on send', async () => {
  await withPair(async (p, a, b) => {
    const { c, fd } = await connected(p, a, b, 8040);
    assert.equal(a.setsockopt(c, K.SOL_SOCKET, K.SO_LINGER, { l_onoff: 1, l_linger: 0 }), 0);
    assert.deepEqual(a.getsockopt(c, K.SOL_SOCKET, K.SO_LINGER), { l_onoff: 1, l_linger: 0 });
    a.close(c);
    const buf = new Uint8Array(4);
    assert.equal(await b.recv(fd, buf), -K.ECONNRESET);
    assert.equal(await b.recv(fd, buf), 0);
    assert.equal(await b.send(fd, buf), -K.EPIPE);
  });
});

test('MSG_PEEK leaves data for the next recv; MSG_WAITALL waits for the whole buffer; close wakes a blocked recv (EBADF)', async () => {
  await withPair(async (p, a, b) => {
    const { c, fd } = await connected(p, a, b, 8050);
    await a.send(c, enc('abcdef'));
    const peek = new Uint8Array(3);
    while ((await b.recv(fd, peek, K.MSG_PEEK | K.MSG_DONTWAIT)) < 3) await sleep(5);
    assert.equal(dec(peek), 'abc');
    const all = new Uint8Array(6);
    assert.equal(await b.recv(fd, all, K.MSG_WAITALL), 6);
    assert.equal(dec(all), 'abcdef');
    const whole = new Uint8Array(10);
    const w = b.recv(fd, whole, K.MSG_WAITALL);
    await a.send(c, enc('12345'));
    await sleep(20);
    await a.send(c, enc('67890'));
    assert.equal(await w, 10);
    assert.equal(dec(whole), '1234567890');
    const blocked = b.recv(fd, new Uint8Array(4));
    b.close(fd);
    assert.equal(await blocked, -K.EBADF);
    // SO_RCVTIMEO: a blocking recv gives up with EAGAIN.
    assert.equal(a.setsockopt(c, K.SOL_SOCKET, K.SO_RCVTIMEO, 30), 0);
    const r = await a.recv(c, new Uint8Array(4));
    assert.ok(r === -K.EAGAIN || r === 0 || r === -K.ECONNRESET, `got ${r}`);
  });
});

test('large transfer: 8 MiB each way at once, byte-exact, blocking send/recv', async () => {
  await withPair(async (p, a, b) => {
    const size = 8 << 20;
    const srv = listener(b, K.AF_INET6, '::', 8060);
    const acc = b.accept(srv);
    const c = a.socket(K.AF_INET6, K.SOCK_STREAM, 0);
    a.setsockopt(c, K.IPPROTO_TCP, K.TCP_NODELAY, 1);
    assert.equal(a.getsockopt(c, K.IPPROTO_TCP, K.TCP_NODELAY), 1);
    await a.connect(c, p.b.v6, 8060);
    const fd = await acc;
    const pattern = (i: number) => (i * 31 + (i >>> 11)) & 0xff;
    const sender = async (bsd: BsdSockets, s: number) => {
      const chunk = new Uint8Array(100_000);
      for (let off = 0; off < size; off += chunk.length) {
        const n = Math.min(chunk.length, size - off);
        for (let i = 0; i < n; i++) chunk[i] = pattern(off + i);
        assert.equal(await bsd.send(s, chunk.subarray(0, n)), n);
      }
      bsd.shutdown(s, K.SHUT_WR);
    };
    const receiver = async (bsd: BsdSockets, s: number) => {
      const buf = new Uint8Array(65536);
      let got = 0;
      let bad = 0;
      for (;;) {
        const n = await bsd.recv(s, buf);
        assert.ok(n >= 0, `recv ${n}`);
        if (n === 0) break;
        for (let i = 0; i < n; i++) if (buf[i] !== pattern(got + i)) bad++;
        got += n;
      }
      return { got, bad };
    };
    const [, , r1, r2] = await Promise.all([sender(a, c), sender(b, fd), receiver(b, fd), receiver(a, c)]);
    assert.deepEqual(r1, { got: size, bad: 0 });
    assert.deepEqual(r2, { got: size, bad: 0 });
  });
});

for (const [domain, fam] of [
  [K.AF_INET, 'v4'],
  [K.AF_INET6, 'v6'],
] as const) {
  const label = domain === K.AF_INET ? 'IPv4' : 'IPv6';
  test(`UDP ${label}: sendto/recvfrom both ways, truncation, connected sockets, ECONNREFUSED`, async () => {
    await withPair(async (p, a, b) => {
      const s = b.socket(domain, K.SOCK_DGRAM, 0);
      assert.equal(b.bind(s, '', 9000), 0);
      assert.equal(b.getsockopt(s, K.SOL_SOCKET, K.SO_DOMAIN), domain);
      assert.equal(b.getsockopt(s, K.SOL_SOCKET, K.SO_TYPE), K.SOCK_DGRAM);
      const c = a.socket(domain, K.SOCK_DGRAM, 0);
      assert.equal(await a.sendto(c, enc('hello'), 0, p.b[fam], 9000), 5);
      const from = sockaddr();
      const buf = new Uint8Array(3);
      assert.equal(await b.recvfrom(s, buf, K.MSG_PEEK, from), 3);
      assert.equal(await b.recvfrom(s, buf, K.MSG_TRUNC, from), 5);
      assert.equal(dec(buf), 'hel');
      assert.equal(from.address, p.a[fam]);
      const name = sockaddr();
      a.getsockname(c, name);
      assert.equal(from.port, name.port);
      assert.equal(await b.sendto(s, enc('back'), 0, from.address, from.port), 4);
      const big = new Uint8Array(16);
      assert.equal(await a.recv(c, big), 4);
      assert.equal(dec(big.subarray(0, 4)), 'back');
      assert.equal(await b.recvfrom(s, big, K.MSG_DONTWAIT), -K.EAGAIN);
      // Connected: send without an address, getpeername; a closed port answers ECONNREFUSED.
      assert.equal(await a.connect(c, p.b[fam], 9000), 0);
      const peer = sockaddr();
      assert.equal(a.getpeername(c, peer), 0);
      assert.deepEqual(peer, { family: domain, address: p.b[fam], port: 9000 });
      assert.equal(await a.send(c, enc('c')), 1);
      assert.equal(await b.recv(s, big), 1);
      const d = a.socket(domain, K.SOCK_DGRAM, 0);
      assert.equal(await a.send(d, enc('x')), -K.EDESTADDRREQ);
      // connect(fd, '') dissolves the association (AF_UNSPEC), as for `c` here.
      assert.equal(await a.connect(c, '', 0), 0);
      assert.equal(a.getpeername(c, sockaddr()), -K.ENOTCONN);
      await a.connect(d, p.b[fam], 9001);
      await a.send(d, enc('x'));
      assert.equal(await a.recv(d, big), -K.ECONNREFUSED);
      assert.equal(await a.sendto(d, new Uint8Array(70_000), 0, p.b[fam], 9000), -K.EMSGSIZE);
      const t = b.socket(domain, K.SOCK_DGRAM, 0);
      assert.equal(b.bind(t, '', 9000), -K.EADDRINUSE);
    });
  });
}

test('UDP broadcast needs SO_BROADCAST (EACCES); multicast between stacks with IP_ADD_MEMBERSHIP / IPV6_JOIN_GROUP', async () => {
  await withPair(async (p, a, b) => {
    const s = b.socket(K.AF_INET, K.SOCK_DGRAM, 0);
    b.bind(s, '0.0.0.0', 9100);
    const c = a.socket(K.AF_INET, K.SOCK_DGRAM, 0);
    assert.equal(await a.sendto(c, enc('b'), 0, '10.77.0.255', 9100), -K.EACCES);
    assert.equal(a.setsockopt(c, K.SOL_SOCKET, K.SO_BROADCAST, 1), 0);
    assert.equal(a.getsockopt(c, K.SOL_SOCKET, K.SO_BROADCAST), 1);
    assert.equal(await a.sendto(c, enc('bcast'), 0, '10.77.0.255', 9100), 5);
    const buf = new Uint8Array(16);
    const from = sockaddr();
    assert.equal(await b.recvfrom(s, buf, 0, from), 5);
    assert.equal(from.address, p.a.v4);
    // IPv4 multicast.
    assert.equal(b.setsockopt(s, K.IPPROTO_IP, K.IP_ADD_MEMBERSHIP, '239.5.5.5'), 0);
    assert.equal(a.setsockopt(c, K.IPPROTO_IP, K.IP_MULTICAST_TTL, 4), 0);
    assert.equal(a.getsockopt(c, K.IPPROTO_IP, K.IP_MULTICAST_TTL), 4);
    assert.equal(await a.sendto(c, enc('group'), 0, '239.5.5.5', 9100), 5);
    assert.equal(await b.recv(s, buf), 5);
    assert.equal(dec(buf.subarray(0, 5)), 'group');
    assert.equal(b.setsockopt(s, K.IPPROTO_IP, K.IP_DROP_MEMBERSHIP, { imr_multiaddr: '239.5.5.5' }), 0);
    assert.equal(b.setsockopt(s, K.IPPROTO_IP, K.IP_DROP_MEMBERSHIP, '239.5.5.5'), -K.EADDRNOTAVAIL);
    assert.equal(b.setsockopt(s, K.IPPROTO_IP, K.IP_ADD_MEMBERSHIP, '10.1.1.1'), -K.EINVAL);
    // IPv6 multicast.
    const s6 = b.socket(K.AF_INET6, K.SOCK_DGRAM, 0);
    b.setsockopt(s6, K.IPPROTO_IPV6, K.IPV6_V6ONLY, 1);
    b.bind(s6, '::', 9101);
    assert.equal(
      b.setsockopt(s6, K.IPPROTO_IPV6, K.IPV6_JOIN_GROUP, {
        ipv6mr_multiaddr: 'ff15::77',
        ipv6mr_interface: 0,
      }),
      0,
    );
    const c6 = a.socket(K.AF_INET6, K.SOCK_DGRAM, 0);
    assert.equal(await a.sendto(c6, enc('six'), 0, 'ff15::77', 9101), 3);
    assert.equal(await b.recvfrom(s6, buf, 0, from), 3);
    assert.equal(from.address, p.a.v6);
    assert.equal(b.setsockopt(s6, K.IPPROTO_IPV6, K.IPV6_LEAVE_GROUP, 'ff15::77'), 0);
    assert.equal(b.setsockopt(s, K.IPPROTO_IPV6, K.IPV6_JOIN_GROUP, 'ff15::77'), -K.ENOPROTOOPT);
  });
});

test('options round-trip: SO_RCVBUF doubled, keepalive, TCP_KEEPIDLE, SO_REUSEADDR lets a second bind beside a non-listener', async () => {
  await withPair(async (_p, a) => {
    const s = a.socket(K.AF_INET, K.SOCK_STREAM, 0);
    assert.equal(a.getsockopt(s, K.SOL_SOCKET, K.SO_RCVBUF), 212_992);
    assert.equal(a.setsockopt(s, K.SOL_SOCKET, K.SO_RCVBUF, 65536), 0);
    assert.equal(a.getsockopt(s, K.SOL_SOCKET, K.SO_RCVBUF), 131072);
    assert.equal(a.setsockopt(s, K.SOL_SOCKET, K.SO_KEEPALIVE, true), 0);
    assert.equal(a.getsockopt(s, K.SOL_SOCKET, K.SO_KEEPALIVE), 1);
    assert.equal(a.setsockopt(s, K.IPPROTO_TCP, K.TCP_KEEPIDLE, 30), 0);
    assert.equal(a.getsockopt(s, K.IPPROTO_TCP, K.TCP_KEEPIDLE), 30);
    assert.equal(a.setsockopt(s, K.IPPROTO_TCP, K.TCP_KEEPIDLE, 0), -K.EINVAL);
    assert.equal(a.setsockopt(s, K.SOL_SOCKET, K.SO_LINGER, 1), -K.EINVAL);
    a.setsockopt(s, K.SOL_SOCKET, K.SO_REUSEADDR, 1);
    assert.equal(a.bind(s, '0.0.0.0', 8070), 0);
    const t = a.socket(K.AF_INET, K.SOCK_STREAM, 0);
    assert.equal(a.bind(t, '0.0.0.0', 8070), -K.EADDRINUSE);
    a.setsockopt(t, K.SOL_SOCKET, K.SO_REUSEADDR, 1);
    assert.equal(a.bind(t, '0.0.0.0', 8070), 0);
    assert.equal(a.listen(s, 4), 0);
    const u = a.socket(K.AF_INET, K.SOCK_STREAM, 0);
    a.setsockopt(u, K.SOL_SOCKET, K.SO_REUSEADDR, 1);
    assert.equal(a.bind(u, '0.0.0.0', 8070), -K.EADDRINUSE); // beside a listener: refused
    const e = a.socket(K.AF_INET, K.SOCK_STREAM, 0);
    assert.equal(a.bind(e, '', 0), 0);
    const name = sockaddr();
    a.getsockname(e, name);
    assert.ok(name.port >= 49152, `ephemeral ${name.port}`);
  });
});

test('ioctl FIONREAD/FIONBIO and select', async () => {
  await withPair(async (p, a, b) => {
    const { srv, c, fd } = await connected(p, a, b, 8080);
    assert.equal(b.ioctl(fd, K.FIONREAD), 0);
    const rs = new Set([fd]);
    const ws = new Set([fd]);
    const none = new Set<number>();
    // Nothing to read yet, room to write: select keeps only the writable entry.
    assert.equal(await b.select(rs, ws, none, 0), 1);
    assert.equal(rs.size, 0);
    assert.deepEqual([...ws], [fd]);
    await a.send(c, enc('12345'));
    const rs2 = new Set([fd]);
    assert.equal(await b.select(rs2, new Set(), new Set(), 5000), 1);
    assert.deepEqual([...rs2], [fd]);
    assert.equal(b.ioctl(fd, K.FIONREAD), 5);
    assert.equal(b.ioctl(fd, K.FIONBIO, 1), 0);
    assert.equal(b.fcntl(fd, K.F_GETFL) & K.O_NONBLOCK, K.O_NONBLOCK);
    assert.equal(await b.recv(fd, new Uint8Array(8)), 5);
    assert.equal(await b.recv(fd, new Uint8Array(8)), -K.EAGAIN);
    assert.equal(await b.select(new Set([99]), new Set(), new Set(), 0), -K.EBADF);
    assert.equal(b.ioctl(srv, K.FIONREAD), -K.EINVAL);
    // Datagram sockets report the size of the next datagram.
    const u = b.socket(K.AF_INET, K.SOCK_DGRAM, 0);
    b.bind(u, '', 8081);
    const uc = a.socket(K.AF_INET, K.SOCK_DGRAM, 0);
    await a.sendto(uc, enc('abc'), 0, p.b.v4, 8081);
    await a.sendto(uc, enc('defgh'), 0, p.b.v4, 8081);
    assert.equal(await b.select(new Set([u]), new Set(), new Set(), 5000), 1);
    assert.equal(b.ioctl(u, K.FIONREAD), 3);
  });
});

test('non-blocking send: partial writes, EAGAIN when full, POLLOUT when room again; the peer gets every byte', async () => {
  await withPair(async (p, a, b) => {
    const srv = listener(b, K.AF_INET, '0.0.0.0', 8090);
    const acc = b.accept(srv);
    const c = a.socket(K.AF_INET, K.SOCK_STREAM | K.SOCK_NONBLOCK, 0);
    assert.equal(a.setsockopt(c, K.SOL_SOCKET, K.SO_SNDBUF, 16384), 0); // a 32 KiB send buffer
    assert.equal(await a.connect(c, p.b.v4, 8090), -K.EINPROGRESS);
    const fd = await acc;
    const w: PollFd[] = [{ fd: c, events: K.POLLOUT, revents: 0 }];
    assert.equal(await a.poll(w, 5000), 1);
    const size = 1 << 20;
    const data = new Uint8Array(size);
    for (let i = 0; i < size; i++) data[i] = (i * 7) & 0xff;
    let partial = 0;
    let eagain = 0;
    const sending = (async () => {
      let off = 0;
      while (off < size) {
        const n = await a.send(c, data.subarray(off));
        if (n === -K.EAGAIN) {
          eagain++;
          const pf: PollFd[] = [{ fd: c, events: K.POLLOUT, revents: 0 }];
          assert.equal(await a.poll(pf, 10_000), 1);
          continue;
        }
        assert.ok(n > 0, `send ${n}`);
        if (n < size - off) partial++;
        off += n;
      }
      a.shutdown(c, K.SHUT_WR);
    })();
    const got = new Uint8Array(size);
    let off = 0;
    for (;;) {
      const n = await b.recv(fd, got.subarray(off));
      if (n === 0) break;
      assert.ok(n > 0, `recv ${n}`);
      off += n;
    }
    await sending;
    assert.equal(off, size);
    assert.deepEqual(got, data);
    assert.ok(partial > 0, 'a send accepted only part of the data');
    assert.ok(eagain > 0, 'a send answered EAGAIN');
  });
});

test('closeAll closes every descriptor and wakes blocked calls with EBADF', async () => {
  await withPair(async (p, a, b) => {
    const { srv, c, fd } = await connected(p, a, b, 8095);
    const u = b.socket(K.AF_INET6, K.SOCK_DGRAM, 0);
    b.bind(u, '::', 8096);
    const blocked = [b.recv(fd, new Uint8Array(4)), b.recvfrom(u, new Uint8Array(4)), b.accept(srv)];
    const polled = b.poll([{ fd, events: K.POLLIN, revents: 0 }], -1);
    assert.equal(b.openCount, 3);
    b.closeAll();
    assert.equal(b.openCount, 0);
    assert.deepEqual(await Promise.all(blocked), [-K.EBADF, -K.EBADF, -K.EBADF]);
    assert.equal(await polled, 1); // the descriptor is gone: POLLNVAL
    assert.equal(await a.recv(c, new Uint8Array(4)), 0); // the peer saw an orderly close
  });
});

test('an ephemeral port taken outside the BSD layer (a net server on the stack) is skipped at listen', async () => {
  await withPair(async (p, a) => {
    (a as unknown as { nextPort: number }).nextPort = 0; // the next pick is 49152
    const taken = [p.a.tcp.listen(49152), p.a.tcp.listen(49153)];
    const s = a.socket(K.AF_INET, K.SOCK_STREAM, 0);
    assert.equal(a.bind(s, '', 0), 0);
    assert.equal(a.listen(s, 4), 0);
    const name = sockaddr();
    a.getsockname(s, name);
    assert.equal(name.port, 49154);
    // An explicit port is not moved: EADDRINUSE.
    const t = a.socket(K.AF_INET, K.SOCK_STREAM, 0);
    assert.equal(a.bind(t, '', 49152), 0);
    assert.equal(a.listen(t, 4), -K.EADDRINUSE);
    for (const l of taken) l.close();
  });
});
