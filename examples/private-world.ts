/**
 * A private ZeroTier world in one process: a planet signed here, our root, and two nodes that
 * exchange a USER_MESSAGE through it. Run: `node --import tsx examples/private-world.ts`.
 * (Inside a project that installed the package, import from 'zerotier-sdk' instead of '../src/index.ts'.)
 */
import { randomBytes } from 'node:crypto';
import {
  c25519Public,
  Identity,
  MemoryStore,
  NodeRunner,
  parseInetAddress,
  World,
  WorldType,
} from '../src/index.ts';

const port = 20000 + (process.pid % 20000);
const rootId = Identity.generate((n) => randomBytes(n));
const key = new Uint8Array(randomBytes(64));
const planet = World.create({
  type: WorldType.PLANET,
  id: 4242n,
  timestamp: Date.now(),
  roots: [{ identity: rootId.publicOnly(), stableEndpoints: [parseInetAddress(`127.0.0.1/${port}`)!] }],
  signingKey: { publicKey: c25519Public(key), privateKey: key },
});

const rootStore = new MemoryStore();
await rootStore.put('identity.secret', new TextEncoder().encode(rootId.toString(true)));
const root = new NodeRunner({
  store: rootStore,
  planet,
  role: 'root',
  port,
  bindAddress: '127.0.0.1',
  secondaryPort: false,
});
await root.start();
const a = new NodeRunner({ store: new MemoryStore(), planet, bindAddress: '127.0.0.1' });
const b = new NodeRunner({ store: new MemoryStore(), planet, bindAddress: '127.0.0.1' });
await a.start();
await b.start();

// USER_MESSAGE is a datagram: send once both nodes are online (the root can then tell a where b
// is), and again every half second until b has it.
const got = new Promise<string>((resolve) =>
  b.on('user-message', (m) => resolve(Buffer.from(m.data).toString())),
);
const timer = setTimeout(() => {
  console.error('no message within 60 s');
  process.exit(1);
}, 60000);
const resend = setInterval(() => {
  if (a.online && b.online) a.sendUserMessage(b.address!, 0x10000n, new TextEncoder().encode('hello from a'));
}, 500);
console.log(`b got "${await got}" (root ${root.address}, a ${a.address}, b ${b.address})`);
clearTimeout(timer);
clearInterval(resend);
for (const r of [a, b, root]) await r.stop();
