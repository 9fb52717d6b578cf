/**
 * Kernel-peer tests of the IP layer under TCP over IPv6 (NDP, IPv6 framing, MSS from the MTU) with
 * Linux as the peer, and of our IPv4 stack behind a Linux whose TAP MTU is smaller than ours (Linux's MSS
 * must win). TCP itself is engineer E's TcpLayer; see tcp.test.ts for its own kernel tests.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Stack } from '../../src/stack/stack.ts';
import { TcpLayer } from '../../src/stack/tcp/layer.ts';
import { formatIp, linkLocalFromMac, parseIp } from '../../src/stack/wire/ip-address.ts';
import type { KernelPeer, StackDriver } from './harness.ts';
import { createKernelPeer, kernelSkipReason, kernelSubnet, stopStackPeer } from './harness.ts';

const skip = kernelSkipReason();
const { LINUX4, OURS4, LINUX6, OURS6 } = kernelSubnet(91, 131);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('kernel peer: TCP over IPv6 and a smaller Linux MTU', { skip: skip ?? false }, () => {
  let peer: KernelPeer;
  let stack: Stack;
  let tcp: TcpLayer;
  let driver: StackDriver;
  let biggestOut = 0;
  const ip = (s: string) => parseIp(s)!;

  before(async () => {
    // Linux's side of the link has MTU 1500 while our stack keeps 2800: TCP must follow Linux's MSS.
    peer = await createKernelPeer({ linuxAddresses: [`${LINUX4}/24`, `${LINUX6}/64`], mtu: 1500 });
    stack = new Stack({
      mac: peer.ourMac,
      mtu: 2800,
      onFrame: (f) => {
        if (f.length - 14 > biggestOut && ((f[12] === 0x08 && f[13] === 0) || f[12] === 0x86))
          biggestOut = f.length - 14;
        peer.send(f);
      },
      addresses: [
        { address: OURS4, prefixLength: 24 },
        { address: OURS6, prefixLength: 64 },
      ],
      random: (k) => randomBytes(k),
    });
    tcp = new TcpLayer(stack.ip, { random: (k) => randomBytes(k) });
    stack.registerTransport(6, tcp);
    driver = peer.attach(stack);
  });

  after(() => stopStackPeer(driver, peer));

  /** Serves one HTTP response on `port`; resolves the listener for closing. */
  function serve(port: number, body: string) {
    tcp.poll(driver.now());
    const l = tcp.listen(port);
    l.onconnection = (c) => {
      let req = '';
      c.ondata = (d) => {
        req += Buffer.from(d).toString('latin1');
        if (!req.includes('\r\n\r\n')) return;
        c.write(
          Buffer.from(
            `HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
          ),
        );
        c.close();
        driver.kick();
      };
    };
    return l;
  }

  for (const [name, url] of [
    ['IPv6 global', () => `http://[${OURS6}]:8086/`],
    ['IPv6 link-local', () => `http://[${formatIp(linkLocalFromMac(peer.ourMac))}%25${peer.tap}]:8086/`],
    ['IPv4', () => `http://${OURS4}:8086/`],
  ] as const) {
    it(`curl over ${name} fetches 200 kB from our listener; our segments respect Linux's MSS`, async () => {
      const body = 'user-space TCP/IP over IPv6 and IPv4\n'.repeat(5500);
      const l = serve(8086, body);
      biggestOut = 0;
      const r = await peer.exec(['curl', '-g', '-sS', '--max-time', '20', url()], { timeoutMs: 30_000 });
      l.close();
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.length, body.length);
      assert.equal(r.stdout, body);
      assert.ok(biggestOut <= 1500, `largest datagram we sent: ${biggestOut} bytes (Linux's MTU is 1500)`);
      assert.ok(biggestOut > 1200, 'segments are full-sized for the path');
    });
  }

  it('we connect to a Linux IPv6 echo server (socat) and get our bytes back', async () => {
    const echo = peer.spawn(['socat', `TCP6-LISTEN:7007,bind=[${LINUX6}],reuseaddr,fork`, 'EXEC:cat']);
    await peer.waitListening(7007);
    const data = randomBytes(100_000);
    const back: Buffer[] = [];
    let got = 0;
    let error: string | null = null;
    tcp.poll(driver.now());
    const c = tcp.connect(ip(LINUX6), 7007);
    c.onerror = (code) => {
      error = code;
    };
    c.ondata = (d) => {
      back.push(Buffer.from(d));
      got += d.length;
      if (got === data.length) c.close();
    };
    c.onconnect = () => {
      let off = 0;
      const more = () => {
        while (off < data.length) {
          const k = c.write(data, off, data.length);
          off += k;
          if (k === 0) return;
        }
      };
      c.ondrain = more;
      more();
      driver.kick();
    };
    driver.kick();
    for (let i = 0; i < 400 && got < data.length && !error; i++) await sleep(25);
    echo.kill();
    assert.equal(error, null);
    assert.ok(Buffer.concat(back).equals(data), `echoed ${got} of ${data.length} bytes`);
  });
});
