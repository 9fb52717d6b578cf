import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { DgramUdpStack, MAX_UDP_PAYLOAD, unmapAddress } from './udp.ts';
import type { UdpAddress, UdpBinding } from './udp-binding.ts';

const stack = new DgramUdpStack();
const open: UdpBinding[] = [];
after(() => {
  for (const b of open) b.close();
});

async function bind(opts?: { port?: number; address?: string }) {
  const b = await stack.bind(opts);
  open.push(b);
  return b;
}

function nextMessage(b: UdpBinding): Promise<{ data: Uint8Array; from: UdpAddress; on: UdpBinding }> {
  return new Promise((resolve) => {
    b.onMessage = (data, from, on) => {
      b.onMessage = undefined;
      resolve({ data, from, on });
    };
  });
}

describe('unmapAddress', () => {
  it('turns IPv4-mapped IPv6 into IPv4 and strips zones', () => {
    assert.equal(unmapAddress('::ffff:10.1.2.3'), '10.1.2.3');
    assert.equal(unmapAddress('::FFFF:127.0.0.1'), '127.0.0.1');
    assert.equal(unmapAddress('fe80::1%eth0'), 'fe80::1');
    assert.equal(unmapAddress('::1'), '::1');
    assert.equal(unmapAddress('2001:db8::ffff:1'), '2001:db8::ffff:1');
  });
});

describe('DgramUdpStack on loopback', () => {
  it('a wildcard bind gets one port and receives IPv4 as plain a.b.c.d', async () => {
    const a = await bind();
    const b = await bind({ address: '127.0.0.1' });
    assert.equal(a.localAddress.ip === '::' || a.localAddress.ip === '0.0.0.0', true);
    assert.ok(a.localAddress.port > 0);
    const got = nextMessage(a);
    b.send(Uint8Array.of(1, 2, 3), { ip: '127.0.0.1', port: a.localAddress.port });
    const m = await got;
    assert.deepEqual([...m.data], [1, 2, 3]);
    assert.deepEqual(m.from, { ip: '127.0.0.1', port: b.localAddress.port });
    assert.equal(m.on, a);
  });

  it('a wildcard bind answers over IPv6 on the same port when the host has IPv6', async (t) => {
    const a = await bind();
    if (a.localAddress.ip !== '::') {
      t.skip('no IPv6 on this host');
      return;
    }
    let b: UdpBinding;
    try {
      b = await bind({ address: '::1' });
    } catch {
      t.skip('no ::1 on this host');
      return;
    }
    const got = nextMessage(a);
    b.send(Uint8Array.of(9), { ip: '::1', port: a.localAddress.port });
    const m = await got;
    assert.deepEqual(m.from, { ip: '::1', port: b.localAddress.port });
    // ...and back from the wildcard binding, to an IPv6 destination.
    const back = nextMessage(b);
    a.send(Uint8Array.of(8), m.from);
    assert.deepEqual([...(await back).data], [8]);
  });

  it('sends to an IPv4-mapped destination as IPv4', async () => {
    const a = await bind();
    const b = await bind({ address: '127.0.0.1' });
    const got = nextMessage(b);
    a.send(Uint8Array.of(7), { ip: '::ffff:127.0.0.1', port: b.localAddress.port });
    const m = await got;
    assert.equal(m.from.ip, '127.0.0.1');
    assert.equal(m.from.port, a.localAddress.port);
  });

  it('the caller may reuse the buffer right after send; a per-datagram TTL send is delivered and later sends still go', async () => {
    const a = await bind({ address: '127.0.0.1' });
    const b = await bind({ address: '127.0.0.1' });
    const seen: number[] = [];
    const done = new Promise<void>((resolve) => {
      b.onMessage = (d) => {
        seen.push(d[0]);
        if (seen.length === 3) resolve();
      };
    });
    const buf = new Uint8Array(1);
    const to = { ip: '127.0.0.1', port: b.localAddress.port };
    buf[0] = 1;
    a.send(buf, to);
    buf[0] = 2;
    a.send(buf, to, { ttl: 2 }); // loopback is zero hops away: TTL 2 still arrives
    buf[0] = 3;
    a.send(buf, to);
    await done;
    assert.deepEqual(seen.sort(), [1, 2, 3]);
  });

  it('a specific port can be bound, and binding it again fails with EADDRINUSE', async () => {
    const a = await bind({ address: '127.0.0.1' });
    await assert.rejects(stack.bind({ address: '127.0.0.1', port: a.localAddress.port }), {
      code: 'EADDRINUSE',
    });
  });

  it('throws on misuse: bad port, non-IP address, oversized datagram, closed socket', async () => {
    const a = await bind({ address: '127.0.0.1' });
    assert.throws(() => a.send(Uint8Array.of(1), { ip: '127.0.0.1', port: 0 }), RangeError);
    assert.throws(() => a.send(Uint8Array.of(1), { ip: 'localhost', port: 9 }), RangeError);
    assert.throws(
      () => a.send(new Uint8Array(MAX_UDP_PAYLOAD + 1), { ip: '127.0.0.1', port: 9 }),
      RangeError,
    );
    await assert.rejects(stack.bind({ port: 70000 }), RangeError);
    await assert.rejects(stack.bind({ address: 'nope' }), RangeError);
    a.close();
    a.close(); // idempotent
    assert.equal(a.closed, true);
    assert.throws(() => a.send(Uint8Array.of(1), { ip: '127.0.0.1', port: 9 }), {
      code: 'ERR_SOCKET_DGRAM_NOT_RUNNING',
    });
  });

  it('counts, never throws, when a family is missing on this binding', async () => {
    const a = await bind({ address: '127.0.0.1' });
    a.send(Uint8Array.of(1), { ip: '::1', port: 9 });
    assert.equal((a as import('./udp.ts').DgramBinding).sendErrors, 1);
  });

  it('sends to the right socket when the destination object is reused, then changes', async () => {
    const a = await bind({ address: '127.0.0.1' });
    const b = await bind({ address: '127.0.0.1' });
    const c = await bind({ address: '127.0.0.1' });
    const got: string[] = [];
    b.onMessage = (d) => got.push(`b${d[0]}`);
    c.onMessage = (d) => got.push(`c${d[0]}`);
    const toB = { ip: '127.0.0.1', port: b.localAddress.port };
    const toC = { ip: '::ffff:127.0.0.1', port: c.localAddress.port };
    for (let i = 0; i < 3; i++) a.send(Uint8Array.of(i), toB); // validated once, then cached
    a.send(Uint8Array.of(3), toC);
    a.send(Uint8Array.of(4), toB);
    const bad = { ip: '127.0.0.1', port: b.localAddress.port };
    a.send(Uint8Array.of(5), bad);
    (bad as { port: number }).port = 0; // a mutated object is validated again
    assert.throws(() => a.send(Uint8Array.of(6), bad), RangeError);
    for (let i = 0; i < 100 && got.length < 6; i++) await new Promise((r) => setTimeout(r, 5));
    assert.deepEqual(got.sort(), ['b0', 'b1', 'b2', 'b4', 'b5', 'c3']);
    assert.equal((a as import('./udp.ts').DgramBinding).sendErrors, 0);
  });

  it('frees the port on close', async () => {
    const a = await stack.bind({ address: '127.0.0.1' });
    const port = a.localAddress.port;
    a.close();
    const again = await bind({ address: '127.0.0.1', port });
    assert.equal(again.localAddress.port, port);
  });
});
