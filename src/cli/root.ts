/**
 * `ztsdk root --state DIR --planet FILE [--port N] [--json]`: runs a planet (or moon) root in the
 * foreground: it answers WHOIS for everyone, relays between leaves and introduces them with
 * RENDEZVOUS (protocol.md §9.4, §9.5) — for reference nodes and ours alike.
 *
 * DIR must hold the root's `identity.secret`, and that identity must be one of the planet's roots
 * (or of a moon in DIR/moons.d): otherwise it says so and exits 1 (a root with a fresh identity
 * would be useless, so none is generated). The default port is the port of the root's own stable
 * endpoint in the planet (9993 if it lists none). Output and signals: as `ztsdk node` (node.ts).
 * @module
 */

import { Identity } from '../protocol/identity.ts';
import type { World } from '../protocol/world.ts';
import { DEFAULT_PORT } from '../runtime/node-runner.ts';
import { parseWorld } from '../runtime/state.ts';
import type { FileStore } from '../runtime/store.ts';
import { type NodeCliOptions, parseNodeArgs, runNodeCli } from './node.ts';

const HELP = `usage: ztsdk root --state DIR --planet FILE [--port N] [--json]

Runs a ZeroTier root (planet or moon root) in the foreground until Ctrl-C.
  --state DIR        state directory; must hold the root's identity.secret
  --planet FILE      the planet (e.g. made with 'ztsdk mkworld') listing this root; stored as
                     DIR/planet (optional if DIR/planet already holds it)
  --port N           UDP port (default: the port of this root's stable endpoint in the planet)
  --secondary-port N secondary UDP port (default: random in 20000-65499; 'none' for none)
  --bind ADDR        local address to bind (default: all, IPv4 and IPv6)
  --json             one JSON object per line ({"event": ...}); the first has the node's address
  --verbose          also print state writes and core traces
`;

const dec = new TextDecoder();

/**
 * The port a root should listen on: that of its own stable endpoint in `planet` (or the stored
 * planet), else 9993. Also checks early, with a clear message, that DIR has an identity.secret.
 */
async function rootPort(planet: World | undefined, store: FileStore): Promise<number> {
  const secret = await store.get('identity.secret');
  if (secret === undefined)
    throw new Error(
      `no identity.secret in ${store.dir}: a root runs with the identity listed in its planet ` +
        '(copy that identity.secret into the state directory)',
    );
  const id = Identity.fromString(dec.decode(secret));
  let world = planet;
  if (!world) {
    const stored = await store.get('planet');
    if (stored === undefined) throw new Error(`--planet FILE is required (no planet in ${store.dir})`);
    world = parseWorld(stored, `state file planet`, 'planet');
  }
  const me = id.ok ? world.root(id.value.address) : undefined;
  return me?.stableEndpoints[0]?.port ?? DEFAULT_PORT;
}

/** `ztsdk root …`: see the module documentation. */
export async function run(argv: string[]): Promise<number> {
  let o: NodeCliOptions | 'help';
  try {
    o = parseNodeArgs(argv);
  } catch (e) {
    process.stderr.write(`ztsdk root: ${(e as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (o === 'help') {
    process.stdout.write(HELP);
    return 0;
  }
  return runNodeCli('root', o, { role: 'root', defaultPort: rootPort });
}
