// Linux as the peer of the BSD and dgram layers (test/kernel/harness.ts: a TAP in a network namespace, frames
// carried by socat). Linux's TCP and UDP talk to our sockets through real kernel sockets (python3 inside the
// namespace). Skips, saying why, where TAP devices or namespaces are unavailable.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import type { KernelPeer, StackDriver } from '../../test/kernel/harness.ts';
import { createKernelPeer, kernelSkipReason } from '../../test/kernel/harness.ts';
import { createDgram } from '../dgram/index.ts';
import { Stack } from '../stack/stack.ts';
import { TcpLayer } from '../stack/tcp/index.ts';
import type { SocketStackBinding } from './binding.ts';
import * as K from './constants.ts';
import { type BsdSockets, createBsd, sockaddr } from './index.ts';

const skip = kernelSkipReason();
const n = 1 + ((process.pid + 77) % 250);
const LINUX4 = `10.97.${n}.1`;
const OURS4 = `10.97.${n}.2`;
const LINUX6 = `fd97:${n.toString(16)}::1`;
const OURS6 = `fd97:${n.toString(16)}::2`;

/** A python3 TCP echo server in the namespace (one connection; echoes until EOF, then closes). */
const ECHO_SERVER = (host: string, port: number) => [
  'python3',
  '-c',
  `import socket
s=socket.socket(socket.AF_INET6 if ':' in '${host}' else socket.AF_INET)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('${host}', ${port})); s.listen(1)
c,_=s.accept()
while True:
    d=c.recv(65536)
    if not d: break
    c.sendall(d)
c.close()`,
];

describe('kernel peer: BSD calls and dgram against Linux sockets', { skip: skip ?? false }, () => {
  let peer: KernelPeer;
  let driver: StackDriver;
  let bsd: BsdSockets;
  let binding: SocketStackBinding;

  before(async () => {
    peer = await createKernelPeer({ linuxAddresses: [`${LINUX4}/24`, `${LINUX6}/64`] });
    const stack = new Stack({
      mac: peer.ourMac,
      mtu: peer.mtu,
      onFrame: (f) => peer.send(f),
      addresses: [
        { address: OURS4, prefixLength: 24 },
        { address: OURS6, prefixLength: 64 },
      ],
      random: (k) => randomBytes(k),
    });
    const tcp = new TcpLayer(stack.ip, { random: (k) => randomBytes(k) });
    stack.registerTransport(6, tcp);
    driver = peer.attach(stack);
    binding = { stack, tcp, now: () => driver.now(), kick: () => driver.kick() };
    bsd = createBsd(binding);
  });

  after(async () => {
    driver?.stop();
    await peer?.close();
  });

  for (const [family, linux, domain] of [
    ['IPv4', LINUX4, K.AF_INET],
    ['IPv6', LINUX6, K.AF_INET6],
  ] as const) {
    it(`${family}: our BSD client ⇄ a Linux echo server, 2 MiB byte-exact`, async () => {
      const port = 7100 + domain;
      peer.spawn(ECHO_SERVER(linux, port));
      let fd = -1;
      for (let i = 0; i < 100; i++) {
        fd = bsd.socket(domain, K.SOCK_STREAM, 0);
        const r = await bsd.connect(fd, linux, port);
        if (r === 0) break;
        assert.equal(r, -K.ECONNREFUSED); // the server is still starting
        bsd.close(fd);
        fd = -1;
        await new Promise((res) => setTimeout(res, 50));
      }
      assert.ok(fd >= 0, 'connected');
      const size = 2 << 20;
      const data = randomBytes(size);
      const sending = (async () => {
        assert.equal(await bsd.send(fd, data), size);
        assert.equal(bsd.shutdown(fd, K.SHUT_WR), 0);
      })();
      const back = new Uint8Array(size);
      assert.equal(await bsd.recv(fd, back, K.MSG_WAITALL), size);
      await sending;
      assert.ok(Buffer.from(back).equals(data));
      assert.equal(await bsd.recv(fd, back), 0); // Linux closed after our FIN
      bsd.close(fd);
    });
  }

  it('a Linux client ⇄ our BSD server (IPv6 listener, IPv4 client as v4-mapped)', async () => {
    const srv = bsd.socket(K.AF_INET6, K.SOCK_STREAM, 0);
    assert.equal(bsd.bind(srv, '::', 7200), 0);
    assert.equal(bsd.listen(srv, 4), 0);
    const client = peer.exec([
      'python3',
      '-c',
      `import socket
c=socket.create_connection(('${OURS4}', 7200), timeout=10)
c.sendall(b'hello from linux'); c.shutdown(socket.SHUT_WR)
out=b''
while True:
    d=c.recv(100)
    if not d: break
    out+=d
print(out.decode())`,
    ]);
    const peerAddr = sockaddr();
    const fd = await bsd.accept(srv, peerAddr);
    assert.ok(fd >= 0);
    assert.equal(peerAddr.address, `::ffff:${LINUX4}`);
    const buf = new Uint8Array(100);
    let got = '';
    for (let r = await bsd.recv(fd, buf); r > 0; r = await bsd.recv(fd, buf))
      got += Buffer.from(buf.subarray(0, r)).toString();
    assert.equal(got, 'hello from linux');
    await bsd.send(fd, new TextEncoder().encode(`echo: ${got}`));
    bsd.close(fd);
    const r = await client;
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'echo: hello from linux');
    bsd.close(srv);
  });

  it('non-blocking connect to a closed Linux port: poll reports POLLERR and SO_ERROR is ECONNREFUSED', async () => {
    const fd = bsd.socket(K.AF_INET, K.SOCK_STREAM | K.SOCK_NONBLOCK, 0);
    assert.equal(await bsd.connect(fd, LINUX4, 9), -K.EINPROGRESS);
    const pfd = [{ fd, events: K.POLLOUT, revents: 0 }];
    assert.equal(await bsd.poll(pfd, 5000), 1);
    assert.equal(pfd[0].revents & K.POLLERR, K.POLLERR);
    assert.equal(bsd.getsockopt(fd, K.SOL_SOCKET, K.SO_ERROR), K.ECONNREFUSED);
    bsd.close(fd);
  });

  it('dgram: a Linux UDP client ⇄ our dgram echo (IPv4 and IPv6); ECONNREFUSED from Linux ICMP', async () => {
    const d = createDgram(binding);
    for (const [type, ours] of [
      ['udp4', OURS4],
      ['udp6', OURS6],
    ] as const) {
      const s = d.createSocket(type);
      s.on('message', (m, r) => s.send(Buffer.concat([Buffer.from('re: '), m]), r.port, r.address));
      s.bind(7300);
      await once(s, 'listening');
      const r = await peer.exec([
        'python3',
        '-c',
        `import socket
u=socket.socket(socket.AF_INET6 if ':' in '${ours}' else socket.AF_INET, socket.SOCK_DGRAM); u.settimeout(5)
u.sendto(b'dgram', ('${ours}', 7300))
print(u.recvfrom(100)[0].decode())`,
      ]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.trim(), 're: dgram');
      s.close();
    }
    const c = d.createSocket('udp4');
    c.connect(9, LINUX4);
    await once(c, 'connect');
    c.send('anyone?');
    const [err] = (await once(c, 'error')) as [Error & { code: string }];
    assert.equal(err.code, 'ECONNREFUSED');
    c.close();
  });
});
