/**
 * A runnable example of the BSD calls: two stacks on an in-memory link (the same shape as two nodes on a
 * ZeroTier network), a TCP echo server written in blocking style on one, and a client on the other that
 * connects without blocking and waits with `poll`, as C code ported from libzt does. Then one UDP datagram.
 *
 * Run: `node --import tsx src/bsd/example.ts`
 * @module
 */

import { pathToFileURL } from 'node:url';
import { createStackPair } from '../testing/stack-pair.ts';
import {
  AF_INET,
  AF_INET6,
  createBsd,
  EAGAIN,
  EINPROGRESS,
  errnoName,
  POLLIN,
  POLLOUT,
  SO_ERROR,
  SOCK_DGRAM,
  SOCK_NONBLOCK,
  SOCK_STREAM,
  SOL_SOCKET,
  sockaddr,
} from './index.ts';

/** Runs the example; returns what the client received (for the test). */
export async function bsdExample(log: (line: string) => void = console.log): Promise<string[]> {
  const pair = createStackPair();
  const server = createBsd(pair.b);
  const client = createBsd(pair.a);
  const seen: string[] = [];
  try {
    // Server: socket, bind, listen, then accept and echo until EOF (each call awaited: blocking style).
    const srv = server.socket(AF_INET6, SOCK_STREAM, 0); // dual stack: IPv4 peers appear as ::ffff:a.b.c.d
    server.bind(srv, '::', 7);
    server.listen(srv, 8);
    const serve = (async () => {
      const peer = sockaddr();
      const fd = await server.accept(srv, peer);
      log(`server: accepted fd ${fd} from [${peer.address}]:${peer.port}`);
      const buf = new Uint8Array(1500);
      for (let n = await server.recv(fd, buf); n > 0; n = await server.recv(fd, buf))
        await server.send(fd, buf.subarray(0, n));
      server.close(fd);
    })();

    // Client: non-blocking connect, poll for POLLOUT, SO_ERROR says how it went.
    const fd = client.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    const r = await client.connect(fd, pair.b.v4, 7);
    if (r !== -EINPROGRESS) throw new Error(`connect: ${errnoName(r)}`);
    const pfd = [{ fd, events: POLLOUT, revents: 0 }];
    await client.poll(pfd, 5000);
    const err = client.getsockopt(fd, SOL_SOCKET, SO_ERROR) as number;
    if (err) throw new Error(`connect: ${errnoName(err)}`);
    log(`client: connected to ${pair.b.v4}:7`);
    const hello = new TextEncoder().encode('hello over the virtual network');
    await client.send(fd, hello);
    const back = new Uint8Array(hello.length);
    let got = 0;
    while (got < back.length) {
      const n = await client.recv(fd, back.subarray(got));
      if (n === -EAGAIN) {
        // Nothing yet on a non-blocking socket: wait for POLLIN.
        await client.poll([{ fd, events: POLLIN, revents: 0 }], 5000);
        continue;
      }
      if (n <= 0) throw new Error(`recv: ${n === 0 ? 'EOF' : errnoName(n)}`);
      got += n;
    }
    seen.push(new TextDecoder().decode(back));
    log(`client: echoed "${seen[0]}"`);
    client.close(fd);
    await serve;

    // UDP: one datagram with sendto / recvfrom.
    const u = server.socket(AF_INET, SOCK_DGRAM, 0);
    server.bind(u, '0.0.0.0', 5353);
    const c = client.socket(AF_INET, SOCK_DGRAM, 0);
    await client.sendto(c, new TextEncoder().encode('datagram'), 0, pair.b.v4, 5353);
    const from = sockaddr();
    const dbuf = new Uint8Array(64);
    const n = await server.recvfrom(u, dbuf, 0, from);
    seen.push(new TextDecoder().decode(dbuf.subarray(0, n)));
    log(`server: datagram "${seen[1]}" from ${from.address}:${from.port}`);
    return seen;
  } finally {
    pair.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await bsdExample();
