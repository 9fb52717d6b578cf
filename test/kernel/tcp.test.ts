/**
 * Kernel-peer tests of our TCP: Linux (in a network namespace, on a TAP; see harness.ts) is the
 * other end. Linux's socat/curl connect to our listeners and we connect to Linux's; 100 MB each way
 * byte-exact (SHA-256 compared); RST behaviour as Linux expects it. Skips, saying why, where TAP
 * devices or namespaces are unavailable. Throughput of both directions is printed for BENCHMARKS.md.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, rmSync, writeFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { Stack } from '../../src/stack/stack.ts';
import type { TcpConnection } from '../../src/stack/tcp/connection.ts';
import { TcpLayer } from '../../src/stack/tcp/layer.ts';
import { parseIp } from '../../src/stack/wire/ip-address.ts';
import type { KernelPeer, StackDriver } from './harness.ts';
import { createKernelPeer, kernelSkipReason } from './harness.ts';

const skip = kernelSkipReason();
/** Whether a command exists (curl is optional: its test skips, saying so, without it). */
function hasCommand(cmd: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const n = 1 + ((process.pid + 77) % 250);
const LINUX4 = `10.97.${n}.1`;
const OURS4 = `10.97.${n}.2`;
const LINUX6 = `fd97:${n.toString(16)}::1`;
const OURS6 = `fd97:${n.toString(16)}::2`;
const SIZE = Number(process.env.TCP_KERNEL_MB ?? 100) * 1024 * 1024;
const FILE_IN = `/tmp/ztk-tcp-in-${process.pid}`;
const FILE_OUT = `/tmp/ztk-tcp-out-${process.pid}`;

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function waitFor(what: string, pred: () => boolean, timeoutMs: number): Promise<void> {
  const t0 = Date.now();
  while (!pred()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

describe('kernel peer: Linux TCP ⇄ our TCP', { skip: skip ?? false }, () => {
  let peer: KernelPeer;
  let stack: Stack;
  let tcp: TcpLayer;
  let driver: StackDriver;
  const ip = (s: string) => parseIp(s)!;
  /** Impairment of the wire between Linux and us (netem is not available everywhere): drop/reorder. */
  const impair = { loss: 0, reorder: 0 };
  const isIp = (f: Uint8Array) =>
    f.length > 14 && ((f[12] === 0x08 && f[13] === 0x00) || (f[12] === 0x86 && f[13] === 0xdd));
  /** Applies `impair` to one frame: calls `deliver` now, later (reordered) or never (lost). */
  const impaired = (f: Uint8Array, deliver: (f: Uint8Array) => void) => {
    if (impair.loss > 0 && isIp(f) && Math.random() < impair.loss) return;
    if (impair.reorder > 0 && isIp(f) && Math.random() < impair.reorder) {
      const copy = f.slice();
      setTimeout(() => deliver(copy), 3);
      return;
    }
    deliver(f);
  };
  const waitListening = (port: number) => peer.waitListening(port);

  /** Brings our layer's clock to the driver's before an API call (sans-I/O: API calls use the last `now`). */
  const sync = () => tcp.poll(driver.now());

  before(async () => {
    peer = await createKernelPeer({ linuxAddresses: [`${LINUX4}/24`, `${LINUX6}/64`] });
    stack = new Stack({
      mac: peer.ourMac,
      mtu: peer.mtu,
      onFrame: (f) => impaired(f, (g) => peer.send(g)),
      addresses: [
        { address: OURS4, prefixLength: 24 },
        { address: OURS6, prefixLength: 64 },
      ],
      random: (k) => randomBytes(k),
    });
    tcp = new TcpLayer(stack.ip, {
      random: (k) => randomBytes(k),
      sendBufferSize: 1 << 20,
      receiveBufferSize: 1 << 20,
    });
    stack.registerTransport(6, tcp);
    // Frames from Linux pass the same impairment before reaching the stack.
    const lossy = {
      receiveFrame: (f: Uint8Array, now: number) =>
        impaired(f, (g) => {
          stack.receiveFrame(g, g === f ? now : driver.now());
          driver.kick();
        }),
      poll: (now: number) => stack.poll(now),
      nextDeadline: () => stack.nextDeadline(),
    };
    driver = peer.attach(lossy);
    // A random file, so a byte-exact transfer cannot pass by accident.
    const data = randomBytes(SIZE);
    writeFileSync(FILE_IN, data);
  });

  after(async () => {
    driver?.stop();
    await peer?.close();
    rmSync(FILE_IN, { force: true });
    rmSync(FILE_OUT, { force: true });
  });

  it(`Linux socat connects to our listener and sends ${SIZE >> 20} MB byte-exact`, {
    timeout: 600_000,
  }, async () => {
    sync();
    const l = tcp.listen(5001);
    const h = createHash('sha256');
    let got = 0;
    let ended = false;
    let conn: TcpConnection | null = null;
    l.onconnection = (c) => {
      conn = c;
      c.ondata = (d) => {
        h.update(d);
        got += d.length;
      };
      c.onend = () => {
        ended = true;
        c.close();
        driver.kick();
      };
    };
    const t0 = performance.now();
    const r = peer.exec(['socat', '-u', `FILE:${FILE_IN}`, `TCP:${OURS4}:5001`], { timeoutMs: 500_000 });
    await waitFor('the end of the stream', () => ended, 500_000);
    const ms = performance.now() - t0;
    const res = await r;
    assert.equal(res.code, 0, res.stderr);
    assert.equal(got, SIZE);
    assert.equal(h.digest('hex'), await sha256File(FILE_IN));
    console.log(
      `# Linux → stack over TAP: ${SIZE / 1048576} MB in ${ms.toFixed(0)} ms = ${((SIZE * 8) / (ms * 1e6)).toFixed(3)} Gbit/s`,
    );
    assert.ok(conn);
    l.close();
  });

  it(`we connect to Linux socat and send ${SIZE >> 20} MB byte-exact`, { timeout: 600_000 }, async () => {
    const proc = peer.spawn(['socat', '-u', 'TCP-LISTEN:5002,reuseaddr', `CREATE:${FILE_OUT}`]);
    let exited = false;
    proc.on('exit', () => {
      exited = true;
    });
    await waitListening(5002);
    sync();
    const c = tcp.connect(ip(LINUX4), 5002);
    driver.kick();
    const h = createHash('sha256');
    const src = randomBytes(1 << 20);
    let sent = 0;
    let closed = false;
    const t0 = performance.now();
    const pump = () => {
      while (sent < SIZE) {
        const want = Math.min(src.length, SIZE - sent);
        const k = c.write(src, 0, want);
        if (k > 0) h.update(src.subarray(0, k));
        // Shift the pattern so each MB differs.
        sent += k;
        if (k < want) {
          src.copyWithin(0, k);
          src.set(randomBytes(k), src.length - k);
          driver.kick();
          return;
        }
        randomBytes(src.length).copy(src);
      }
      c.shutdown();
      driver.kick();
    };
    let err: string | null = null;
    c.onconnect = pump;
    c.ondrain = pump;
    c.onerror = (e) => {
      err = e;
    };
    c.onend = () => c.close();
    c.onclose = () => {
      closed = true;
    };
    await waitFor('socat to exit', () => exited || err !== null, 500_000);
    const ms = performance.now() - t0;
    assert.equal(err, null);
    assert.equal(h.digest('hex'), await sha256File(FILE_OUT));
    console.log(
      `# stack → Linux over TAP: ${SIZE / 1048576} MB in ${ms.toFixed(0)} ms = ${((SIZE * 8) / (ms * 1e6)).toFixed(3)} Gbit/s`,
    );
    await waitFor('our side to close', () => closed, 10_000);
  });

  it('curl fetches a page from our listener', {
    timeout: 60_000,
    skip: hasCommand('curl') ? false : 'curl is not installed',
  }, async () => {
    sync();
    const l = tcp.listen(8080);
    const body = 'hello from a user-space TCP\n'.repeat(1000);
    l.onconnection = (c) => {
      let req = '';
      c.ondata = (d) => {
        req += Buffer.from(d).toString('latin1');
        if (req.includes('\r\n\r\n')) {
          c.write(
            Buffer.from(
              `HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
              'latin1',
            ),
          );
          c.close();
          driver.kick();
        }
      };
    };
    const r = await peer.exec(['curl', '-sS', '--max-time', '20', `http://${OURS4}:8080/`], {
      timeoutMs: 30_000,
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, body);
    l.close();
  });

  it('Linux connecting to a closed port of ours gets "connection refused" (our RST)', {
    timeout: 30_000,
  }, async () => {
    const before = tcp.counters.resetsSent;
    const r = await peer.exec(['socat', '-u', '-', `TCP:${OURS4}:5999`], { timeoutMs: 20_000, input: '' });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /refused/i);
    assert.ok(tcp.counters.resetsSent > before);
  });

  it('our connect to a closed Linux port fails with ECONNREFUSED', { timeout: 30_000 }, async () => {
    sync();
    const c = tcp.connect(ip(LINUX4), 5998);
    driver.kick();
    let err: string | null = null;
    c.onerror = (e) => {
      err = e;
    };
    await waitFor('the error', () => err !== null, 20_000);
    assert.equal(err, 'ECONNREFUSED');
  });

  it('our abort() resets Linux\'s connection ("connection reset by peer")', { timeout: 30_000 }, async () => {
    sync();
    const l = tcp.listen(5003);
    l.onconnection = (c) => {
      c.write(new TextEncoder().encode('x'));
      setTimeout(() => {
        c.abort();
        driver.kick();
      }, 200);
    };
    // socat reports a reset on read as a warning (-d shows warnings) and still exits 0.
    const r = await peer.exec(['socat', '-d', '-u', `TCP:${OURS4}:5003`, '-'], { timeoutMs: 20_000 });
    assert.equal(r.stdout, 'x');
    assert.match(r.stderr, /Connection reset by peer/);
    l.close();
  });

  it('Linux resets a connection (SO_LINGER 0): we report ECONNRESET', { timeout: 30_000 }, async () => {
    sync();
    const l = tcp.listen(5004);
    let err: string | null = null;
    l.onconnection = (c) => {
      c.onerror = (e) => {
        err = e;
      };
      c.ondata = () => {};
    };
    // so-linger=0 makes Linux close with RST.
    await peer.exec(['socat', '-u', '-', `TCP:${OURS4}:5004,linger=0`], { timeoutMs: 20_000, input: 'abc' });
    await waitFor('ECONNRESET', () => err !== null, 10_000);
    assert.equal(err, 'ECONNRESET');
    l.close();
  });

  it('2% loss and 1% reordering both ways: 20 MB each way byte-exact (SACK/RACK against Linux)', {
    timeout: 600_000,
  }, async () => {
    const size = Math.min(SIZE, 20 << 20);
    impair.loss = 0.02;
    impair.reorder = 0.01;
    try {
      // Linux → us.
      sync();
      const l = tcp.listen(5011);
      const h = createHash('sha256');
      let got = 0;
      let ended = false;
      l.onconnection = (c) => {
        c.ondata = (d) => {
          if (got + d.length <= size) h.update(d);
          else h.update(d.subarray(0, size - got));
          got += d.length;
        };
        c.onend = () => {
          ended = true;
          c.close();
          driver.kick();
        };
      };
      const r = peer.exec(['sh', '-c', `head -c ${size} ${FILE_IN} | socat -u - TCP:${OURS4}:5011`], {
        timeoutMs: 500_000,
      });
      await waitFor('the end of the lossy stream', () => ended, 500_000);
      assert.equal((await r).code, 0);
      assert.equal(got, size);
      const want = createHash('sha256');
      for await (const chunk of createReadStream(FILE_IN, { end: size - 1 })) want.update(chunk as Buffer);
      assert.equal(h.digest('hex'), want.digest('hex'));
      l.close();
      // Us → Linux.
      rmSync(FILE_OUT, { force: true });
      const proc = peer.spawn(['socat', '-u', 'TCP-LISTEN:5012,reuseaddr', `CREATE:${FILE_OUT}`]);
      let exited = false;
      proc.on('exit', () => {
        exited = true;
      });
      await waitListening(5012);
      sync();
      const c = tcp.connect(ip(LINUX4), 5012);
      driver.kick();
      const data = randomBytes(size);
      let sent = 0;
      const pump = () => {
        sent += c.write(data, sent);
        if (sent === size) c.shutdown();
        driver.kick();
      };
      c.onconnect = pump;
      c.ondrain = pump;
      c.onend = () => c.close();
      await waitFor('socat to exit', () => exited, 500_000);
      const out = createHash('sha256');
      out.update(data);
      assert.equal(await sha256File(FILE_OUT), out.digest('hex'));
      assert.ok(tcp.counters.retransmits > 0, 'loss must have caused retransmissions');
    } finally {
      impair.loss = 0;
      impair.reorder = 0;
    }
  });

  it('IPv6 both ways: Linux → our listener and we → Linux, 10 MB each, byte-exact', {
    timeout: 120_000,
  }, async () => {
    const size = Math.min(SIZE, 10 << 20);
    sync();
    const l = tcp.listen(5021);
    const h = createHash('sha256');
    let got = 0;
    let ended = false;
    let mss = 0;
    l.onconnection = (c) => {
      mss = c.stats().mss;
      c.ondata = (d) => {
        h.update(d);
        got += d.length;
      };
      c.onend = () => {
        ended = true;
        c.close();
        driver.kick();
      };
    };
    const r = peer.exec(['sh', '-c', `head -c ${size} ${FILE_IN} | socat -u - TCP6:[${OURS6}]:5021`], {
      timeoutMs: 100_000,
    });
    await waitFor('the end of the IPv6 stream', () => ended, 100_000);
    assert.equal((await r).code, 0);
    assert.equal(got, size);
    const want = createHash('sha256');
    for await (const chunk of createReadStream(FILE_IN, { end: size - 1 })) want.update(chunk as Buffer);
    assert.equal(h.digest('hex'), want.digest('hex'));
    // MTU 2800 − 40 (IPv6) − 20 (TCP) = 2740, minus 12 for timestamps (Linux offers them).
    assert.equal(mss, 2740 - 12);
    l.close();
    rmSync(FILE_OUT, { force: true });
    const proc = peer.spawn(['socat', '-u', 'TCP6-LISTEN:5022,reuseaddr', `CREATE:${FILE_OUT}`]);
    let exited = false;
    proc.on('exit', () => {
      exited = true;
    });
    await waitListening(5022);
    sync();
    const c = tcp.connect(ip(LINUX6), 5022);
    driver.kick();
    const data = randomBytes(size);
    let sent = 0;
    const pump = () => {
      sent += c.write(data, sent);
      if (sent === size) c.shutdown();
      driver.kick();
    };
    c.onconnect = pump;
    c.ondrain = pump;
    c.onend = () => c.close();
    await waitFor('socat to exit', () => exited, 100_000);
    assert.equal(await sha256File(FILE_OUT), createHash('sha256').update(data).digest('hex'));
  });
});
