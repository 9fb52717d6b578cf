/**
 * Interop with the reference implementation (ZeroTier One 1.14.1), opt-in: runs only when `ZT1`
 * names a zerotier-one binary and we may create network namespaces (root); skips otherwise.
 *
 * Our node cores run in this process over node:dgram (a minimal driver below — the real one is
 * src/runtime), bound on a private bridge; reference nodes run in their own namespaces on it:
 *
 * 1. OUR root, reference leaves: both come ONLINE via our root (it is their only planet root),
 *    and they list it as PLANET with a direct path; our root lists both. Then a becomes a
 *    network controller and c joins: their traffic crosses our root, which unites them, and
 *    they list each other as direct LEAF peers.
 * 2. Reference root, OUR leaf: we come ONLINE, the reference root lists us with a direct path;
 *    a USER_MESSAGE from us to a reference leaf goes relayed, the reference root unites us
 *    (RENDEZVOUS) and the reference leaf then lists us as a direct peer.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Node } from '../../src/core/node.ts';
import type { Identity } from '../../src/protocol/identity.ts';
import { type InetAddress, ipToString, parseInetAddress } from '../../src/protocol/inet-address.ts';
import type { World } from '../../src/protocol/world.ts';
import { makePlanet, testIdentity } from './harness.ts';

const ZT1 = process.env.ZT1 ?? '';
const CLI = join(ZT1, '..', 'zerotier-cli');
const canRun = ZT1 !== '' && existsSync(ZT1) && process.getuid?.() === 0 && hasIp();
const skip = canRun ? false : 'set ZT1 to a zerotier-one binary and run as root (network namespaces)';
const BR = 'ztv1br';
const NET = '10.79.0';
const STATE = `/tmp/ztv1-interop-${process.pid}`;

function hasIp(): boolean {
  try {
    execFileSync('ip', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const sh = (args: string[]) => execFileSync('ip', args, { stdio: 'ignore' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const a = (s: string) => parseInetAddress(s) as InetAddress;

const procs: ChildProcess[] = [];
const nss: string[] = [];

function addNs(name: string, ip: string): void {
  const ns = `ztv1-${name}`;
  sh(['netns', 'add', ns]);
  nss.push(name);
  sh(['link', 'add', `v1-${name}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
  sh(['link', 'set', `v1-${name}`, 'master', BR, 'up']);
  sh(['-n', ns, 'addr', 'add', `${ip}/24`, 'dev', 'eth0']);
  sh(['-n', ns, 'link', 'set', 'eth0', 'up']);
  sh(['-n', ns, 'link', 'set', 'lo', 'up']);
}

/** Starts a reference node in namespace `name` with `planet` (and optionally an identity). */
function startRef(name: string, planet: World, identity?: Identity): string {
  const dir = join(STATE, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'planet'), planet.toBytes());
  if (identity) {
    writeFileSync(join(dir, 'identity.secret'), identity.toString(true));
    writeFileSync(join(dir, 'identity.public'), identity.toString(false));
  }
  const p = spawn('ip', ['netns', 'exec', `ztv1-${name}`, ZT1, '-p9993', dir], { stdio: 'ignore' });
  procs.push(p);
  return dir;
}

function cli(name: string, ...args: string[]): string {
  try {
    return execFileSync('ip', ['netns', 'exec', `ztv1-${name}`, CLI, `-D${join(STATE, name)}`, ...args], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
  } catch {
    return '';
  }
}

/** A call to a reference node's local JSON API (§10), from inside its namespace. */
function api(name: string, path: string, body?: string): string {
  const token = readFileSync(join(STATE, name, 'authtoken.secret'), 'utf8').trim();
  const args = ['netns', 'exec', `ztv1-${name}`, 'curl', '-sf', '-H', `X-ZT1-Auth: ${token}`];
  if (body !== undefined) args.push('-X', 'POST', '-d', body);
  args.push(`http://127.0.0.1:9993${path}`);
  return execFileSync('ip', args, { encoding: 'utf8' });
}

async function until(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (cond()) return true;
    await sleep(250);
  }
  return cond();
}

/** A minimal real-time driver for one Node over node:dgram (src/runtime has the real one). */
class LiveNode {
  readonly node: Node;
  readonly messages: string[] = [];
  private readonly sock: Socket;
  private timer: NodeJS.Timeout | undefined;

  constructor(identity: Identity, planet: World, bindIp: string, role?: 'root') {
    this.sock = createSocket('udp4');
    this.node = new Node(
      { identity, planet, random: (n) => new Uint8Array(randomBytes(n)), now: Date.now(), role },
      {
        send: (_s, to, data, ttl) => {
          if (ttl !== undefined) this.sock.setTTL(ttl);
          this.sock.send(data, to.port, ipToString(to));
          if (ttl !== undefined) this.sock.setTTL(64);
        },
        event: (e) => {
          if (e.type === 'user-message') this.messages.push(new TextDecoder().decode(e.data));
        },
      },
    );
    this.sock.on('message', (msg, rinfo) => {
      this.node.receive(0, a(`${rinfo.address}/${rinfo.port}`), new Uint8Array(msg), Date.now());
      this.arm();
    });
    this.sock.bind(9993, bindIp, () => {
      this.node.addLocalSocket(0, a(`${bindIp}/9993`));
      this.arm();
    });
  }

  arm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(
      () => {
        this.node.poll(Date.now());
        this.arm();
      },
      Math.max(0, this.node.nextDeadline() - Date.now()),
    );
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.sock.close();
  }
}

before(() => {
  if (!canRun) return;
  sh(['link', 'add', BR, 'type', 'bridge']);
  sh(['addr', 'add', `${NET}.1/24`, 'dev', BR]);
  sh(['link', 'set', BR, 'up']);
  for (const [n, i] of [
    ['root', 10],
    ['a', 11],
    ['c', 13],
  ] as const)
    addNs(n, `${NET}.${i}`);
});

after(async () => {
  if (!canRun) return;
  for (const p of procs) if (p.pid !== undefined) p.kill('SIGTERM');
  await sleep(500);
  for (const n of nss) {
    try {
      sh(['netns', 'del', `ztv1-${n}`]);
    } catch {}
  }
  try {
    sh(['link', 'del', BR]);
  } catch {}
  rmSync(STATE, { recursive: true, force: true });
});

test('reference leaves come ONLINE via OUR root and list it as a direct PLANET', {
  skip,
  timeout: 90_000,
}, async () => {
  const rootId = testIdentity(20);
  const planet = makePlanet([{ identity: rootId, endpoints: [`${NET}.1/9993`] }]);
  const root = new LiveNode(rootId, planet, `${NET}.1`, 'root');
  try {
    startRef('a', planet);
    startRef('c', planet);
    const online = (n: string) => / ONLINE/.test(cli(n, 'info'));
    assert.ok(
      await until(() => online('a') && online('c'), 45_000),
      `a: ${cli('a', 'info')} c: ${cli('c', 'info')}`,
    );
    for (const n of ['a', 'c']) {
      const peers = cli(n, 'peers');
      const line = peers.split('\n').find((l) => l.startsWith(rootId.addressString));
      assert.ok(line && /PLANET/.test(line) && /DIRECT/.test(line), peers);
    }
    assert.ok(
      await until(
        () => root.node.peers().filter((p) => p.direct && p.version === '1.14.1').length === 2,
        15_000,
      ),
    );
    // Make them talk: a is a network controller, c joins. c's config request to a crosses
    // our root (relayed), our root unites them (RENDEZVOUS), and they go direct.
    const aAddr = cli('a', 'info').split(' ')[2];
    const net = JSON.parse(api('a', `/controller/network/${aAddr}______`, '{"name":"v1","private":true}'));
    cli('c', 'join', net.id);
    const cAddr = cli('c', 'info').split(' ')[2];
    api('a', `/controller/network/${net.id}/member/${cAddr}`, '{"authorized":true}');
    assert.ok(await until(() => / OK /.test(cli('c', 'listnetworks')), 30_000), cli('c', 'listnetworks'));
    const direct = (n: string, addr: string) =>
      /LEAF.*DIRECT/.test(
        cli(n, 'peers')
          .split('\n')
          .find((l) => l.startsWith(addr)) ?? '',
      );
    assert.ok(await until(() => direct('c', aAddr) && direct('a', cAddr), 30_000), cli('c', 'peers'));
    assert.ok(root.node.counters.relayed > 0, 'our root relayed between them');
    assert.ok(root.node.counters.united > 0, 'our root united them');
    assert.equal(root.node.counters.dropped('mac-failed'), 0);
  } finally {
    root.close();
    for (const p of procs.splice(0)) p.kill('SIGTERM');
    await sleep(500);
  }
});

test('OUR leaf comes ONLINE via a reference root and is united with a reference leaf', {
  skip,
  timeout: 120_000,
}, async () => {
  const rootId = testIdentity(21);
  const planet = makePlanet([{ identity: rootId, endpoints: [`${NET}.10/9993`] }]);
  startRef('root', planet, rootId);
  startRef('a', planet);
  const online = (n: string) => / ONLINE/.test(cli(n, 'info'));
  assert.ok(await until(() => online('root') && online('a'), 45_000));
  const aAddr = cli('a', 'info').split(' ')[2];
  const leaf = new LiveNode(testIdentity(22), planet, `${NET}.1`);
  try {
    assert.ok(await until(() => leaf.node.online, 30_000), 'our leaf online via the reference root');
    const me = testIdentity(22).addressString;
    assert.ok(
      await until(
        () =>
          /DIRECT/.test(
            cli('root', 'peers')
              .split('\n')
              .find((l) => l.startsWith(me)) ?? '',
          ),
        20_000,
      ),
      cli('root', 'peers'),
    );
    // Talk to the reference leaf: WHOIS via the root, relayed, then RENDEZVOUS → direct.
    const aNum = Number.parseInt(aAddr, 16);
    const say = () => leaf.node.sendUserMessage(aNum, 0x10000n, new TextEncoder().encode('hi'), Date.now());
    say();
    assert.ok(
      await until(() => {
        say();
        return leaf.node.peer(aNum)?.direct === true;
      }, 40_000),
      JSON.stringify(leaf.node.peer(aNum)),
    );
    assert.ok(
      /DIRECT/.test(
        cli('a', 'peers')
          .split('\n')
          .find((l) => l.startsWith(me)) ?? '',
      ),
      cli('a', 'peers'),
    );
    assert.equal(leaf.node.counters.dropped('mac-failed'), 0);
  } finally {
    leaf.close();
  }
});
