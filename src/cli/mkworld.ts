/**
 * `ztsdk mkworld --config world.json [--out planet] [--current current.c25519] [--previous previous.c25519]`
 *
 * Builds and signs a planet (or moon) from root identities and endpoints, for private ZeroTier
 * worlds (protocol.md §7). Signing follows the reference's mkworld (§7.4): key files hold
 * `public[64] || private[64]`; the world is signed with the *previous* key and names the *current*
 * key as the one that must sign the next update. A missing current key file is generated (0600);
 * a missing previous key means "first world": it is signed with the current key.
 *
 * world.json:
 * ```json
 * { "id": 149604618, "type": "planet", "timestamp": 1700000000000,
 *   "roots": [ { "identity": "bbeb160bc5:0:…", "stableEndpoints": ["10.77.0.10/9993"] } ] }
 * ```
 * `id` is a number, a decimal string or a `0x` hex string; `type` defaults to planet; `timestamp`
 * to now; a root's `identity` may instead be `identityFile` (a path, relative to the JSON file).
 * @module
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { c25519Public } from '../crypto/c25519.ts';
import { Identity } from '../protocol/identity.ts';
import { type InetAddress, parseInetAddress } from '../protocol/inet-address.ts';
import { type C25519KeyPair, keyPairFromBytes, World, type WorldRoot, WorldType } from '../protocol/world.ts';
import { concatBytes } from '../util/bytes.ts';

const HELP = `usage: ztsdk mkworld --config world.json [--out FILE] [--current current.c25519] [--previous previous.c25519]

Builds and signs a planet (or moon) for a private ZeroTier world. world.json:
  { "id": 149604618, "type": "planet", "roots": [
      { "identity": "<addr>:0:<public>", "stableEndpoints": ["10.77.0.10/9993"] } ] }
The world is signed with the previous key (default previous.c25519; the current key if that file
does not exist) and names the current key (default current.c25519, generated if missing) as the
key that must sign the next update. Output: --out (default world.bin).
`;

/** A parsed world.json, ready to sign. */
export interface WorldSpec {
  type: typeof WorldType.PLANET | typeof WorldType.MOON;
  id: bigint;
  timestamp?: number;
  roots: WorldRoot[];
}

/** Parses a world.json text. Throws Error with a message naming the bad field. */
export function parseWorldSpec(text: string, baseDir = '.'): WorldSpec {
  let j: Record<string, unknown>;
  try {
    j = JSON.parse(text);
  } catch (e) {
    throw new Error(`not valid JSON: ${(e as Error).message}`);
  }
  if (typeof j !== 'object' || j === null) throw new Error('expected a JSON object');
  const type =
    j.type === undefined || j.type === 'planet'
      ? WorldType.PLANET
      : j.type === 'moon'
        ? WorldType.MOON
        : null;
  if (type === null) throw new Error(`"type" must be "planet" or "moon", not ${JSON.stringify(j.type)}`);
  let id: bigint;
  try {
    id =
      typeof j.id === 'number' && Number.isSafeInteger(j.id)
        ? BigInt(j.id)
        : typeof j.id === 'string'
          ? BigInt(j.id)
          : -1n;
  } catch {
    id = -1n;
  }
  if (id <= 0n || id >= 1n << 64n)
    throw new Error('"id" must be a world id: a positive 64-bit number (decimal, or a "0x…" string)');
  let timestamp: number | undefined;
  if (j.timestamp !== undefined) {
    if (typeof j.timestamp !== 'number' || !Number.isSafeInteger(j.timestamp) || j.timestamp <= 0)
      throw new Error('"timestamp" must be milliseconds since the epoch');
    timestamp = j.timestamp;
  }
  if (!Array.isArray(j.roots) || j.roots.length === 0 || j.roots.length > 4)
    throw new Error('"roots" must list 1 to 4 roots');
  const roots = j.roots.map((r: unknown, i: number): WorldRoot => {
    if (typeof r !== 'object' || r === null) throw new Error(`roots[${i}] must be an object`);
    const o = r as Record<string, unknown>;
    let text: string;
    if (typeof o.identity === 'string') text = o.identity;
    else if (typeof o.identityFile === 'string')
      text = readFileSync(resolve(baseDir, o.identityFile), 'utf8');
    else throw new Error(`roots[${i}] needs "identity" (or "identityFile")`);
    const id = Identity.fromString(text.trim());
    if (!id.ok) throw new Error(`roots[${i}].identity is not a ZeroTier identity (${id.reason})`);
    if (!id.value.locallyValidate())
      throw new Error(`roots[${i}].identity fails validation (address does not match its keys)`);
    const eps = o.stableEndpoints ?? [];
    if (!Array.isArray(eps) || eps.length > 32)
      throw new Error(`roots[${i}].stableEndpoints must be a list of at most 32 "ip/port"`);
    const stableEndpoints = eps.map((e: unknown): InetAddress => {
      const a = typeof e === 'string' ? parseInetAddress(e) : null;
      if (!a || a.port === 0)
        throw new Error(`roots[${i}].stableEndpoints: ${JSON.stringify(e)} is not "ip/port"`);
      return a;
    });
    return { identity: id.value.publicOnly(), stableEndpoints };
  });
  return { type, id, timestamp, roots };
}

/** Loads a `*.c25519` key file (public[64] || private[64]). */
export function readKeyFile(path: string): C25519KeyPair {
  const b = readFileSync(path);
  if (b.length !== 128)
    throw new Error(`${path}: a key file holds 128 bytes (public || private), this one ${b.length}`);
  const pair = keyPairFromBytes(b);
  const derived = c25519Public(pair.privateKey);
  if (Buffer.compare(derived, pair.publicKey) !== 0)
    throw new Error(`${path}: the public half does not match the private half`);
  return pair;
}

/** Makes a new key pair file (0600), like mkworld does when current.c25519 is missing. */
export function generateKeyFile(path: string): C25519KeyPair {
  const privateKey = randomBytes(64);
  const pair = { publicKey: c25519Public(privateKey), privateKey: new Uint8Array(privateKey) };
  writeFileSync(path, concatBytes(pair.publicKey, pair.privateKey), { mode: 0o600, flag: 'wx' });
  return pair;
}

/** Runs the command; returns the exit code. */
export async function run(argv: string[]): Promise<number> {
  let values: { config?: string; out?: string; current?: string; previous?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        config: { type: 'string' },
        out: { type: 'string', default: 'world.bin' },
        current: { type: 'string', default: 'current.c25519' },
        previous: { type: 'string', default: 'previous.c25519' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (e) {
    process.stderr.write(`ztsdk mkworld: ${(e as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (!values.config) {
    process.stderr.write(`ztsdk mkworld: --config is required\n\n${HELP}`);
    return 2;
  }
  try {
    const spec = parseWorldSpec(readFileSync(values.config, 'utf8'), dirname(values.config));
    const current = existsSync(values.current!)
      ? readKeyFile(values.current!)
      : generateKeyFile(values.current!);
    const first = !existsSync(values.previous!);
    const signingKey = first ? current : readKeyFile(values.previous!);
    const world = World.create({
      type: spec.type,
      id: spec.id,
      timestamp: spec.timestamp ?? Date.now(),
      roots: spec.roots,
      signingKey,
      updatesMustBeSignedBy: current.publicKey,
    });
    const bytes = world.toBytes();
    writeFileSync(values.out!, bytes);
    process.stdout.write(
      `wrote ${values.out}: ${spec.type === WorldType.PLANET ? 'planet' : 'moon'} ${spec.id} timestamp ${world.timestamp}, ` +
        `${spec.roots.length} root(s), ${bytes.length} bytes; signed with ${first ? values.current : values.previous}, ` +
        `next update must be signed by ${values.current}\n`,
    );
    return 0;
  } catch (e) {
    process.stderr.write(`ztsdk mkworld: ${(e as Error).message}\n`);
    return 1;
  }
}
