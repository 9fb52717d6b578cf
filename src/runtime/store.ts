/**
 * Where a node keeps its state (protocol.md §7.4; architecture.md "State"): a {@link StateStore}
 * keyed like the reference's home directory — `identity.secret`, `identity.public`, `planet`,
 * `moons.d/<16-hex>.moon`, `peers.d/<10-hex>.peer`, `networks.d/<16-hex>.conf`.
 *
 * - {@link FileStore}: a directory with exactly the reference's layout, so a state directory can be
 *   inspected (or reused) with the reference's tools. Writes are atomic (temp file in the same
 *   directory, then rename) so a crash never leaves a half-written identity or planet; keys ending
 *   in `.secret` are written mode 0600. Unreadable entries give a {@link StoreError} naming the file.
 * - {@link MemoryStore}: in memory, with an `onChange(key, data)` callback so an embedding app can
 *   persist wherever it likes (data `null` = deleted).
 * @module
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, unlink } from 'node:fs/promises';
import { join } from 'node:path';

/** Persistent key/value storage of a node. Keys are `name` or `dir/name` (see the module docs). */
export interface StateStore {
  /** The stored bytes, or `undefined` if absent. Rejects with {@link StoreError} if unreadable. */
  get(key: string): Promise<Uint8Array | undefined>;
  /** Stores (replaces) `data` under `key`, atomically. */
  put(key: string, data: Uint8Array): Promise<void>;
  /** Removes `key`; absent keys are fine. */
  delete(key: string): Promise<void>;
  /** Keys under `prefix` (a directory such as `'peers.d/'`), full keys, sorted. */
  list(prefix: string): Promise<string[]>;
}

/** A store failure, naming the key (and, for files, the path) and the OS error code. */
export class StoreError extends Error {
  /** The key concerned. */
  readonly key: string;
  /** The OS error code (`EACCES`, `EISDIR`, …), if any. */
  readonly code: string | undefined;
  constructor(message: string, key: string, code?: string) {
    super(message);
    this.name = 'StoreError';
    this.key = key;
    this.code = code;
  }
}

// One directory level at most, names of safe characters, no `.`/`..`, no temp-file names.
const KEY_RE = /^(?:[A-Za-z0-9_-][A-Za-z0-9._-]*\/)?[A-Za-z0-9_-][A-Za-z0-9._-]*$/;
const TEMP_MARK = '.tmp-';

/** True if `key` is acceptable to every store (`identity.secret`, `peers.d/89e92ceee5.peer`, …). */
export function isValidKey(key: string): boolean {
  return typeof key === 'string' && key.length <= 200 && KEY_RE.test(key) && !key.includes(TEMP_MARK);
}

function checkKey(key: string): void {
  if (!isValidKey(key)) throw new TypeError(`StateStore: invalid key ${JSON.stringify(key)}`);
}

/** True for keys holding secrets (written 0600, like the reference's `identity.secret`). */
export function isSecretKey(key: string): boolean {
  return key.endsWith('.secret');
}

function prefixDir(prefix: string): string {
  const dir = prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
  if (!/^[A-Za-z0-9_-][A-Za-z0-9._-]*$/.test(dir))
    throw new TypeError(
      `StateStore.list: prefix must be a directory like 'peers.d/', not ${JSON.stringify(prefix)}`,
    );
  return dir;
}

/**
 * A state directory with the reference's layout (§7.4). The directory (and `moons.d/` etc.) is
 * created on first write. Writes to one store are serialized, so the last `put`/`delete` of a key wins.
 */
export class FileStore implements StateStore {
  /** The directory. */
  readonly dir: string;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(dir: string) {
    if (typeof dir !== 'string' || dir === '') throw new TypeError('FileStore: dir must be a non-empty path');
    this.dir = dir;
  }

  /** The file path of `key`. */
  pathOf(key: string): string {
    checkKey(key);
    return join(this.dir, ...key.split('/'));
  }

  /** {@inheritDoc StateStore.get} */
  async get(key: string): Promise<Uint8Array | undefined> {
    const path = this.pathOf(key);
    try {
      const b = await readFile(path);
      return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return undefined;
      throw new StoreError(`cannot read state file ${path}: ${code ?? (e as Error).message}`, key, code);
    }
  }

  /** {@inheritDoc StateStore.put} */
  async put(key: string, data: Uint8Array): Promise<void> {
    const path = this.pathOf(key);
    if (!(data instanceof Uint8Array)) throw new TypeError('FileStore.put: data must be a Uint8Array');
    const copy = data.slice(); // the caller may reuse its buffer before the write runs
    // (serialize is entered synchronously, so writes keep the order of the calls)
    return this.serialize(async () => {
      const dir = key.includes('/') ? join(this.dir, key.slice(0, key.indexOf('/'))) : this.dir;
      const tmp = `${path}${TEMP_MARK}${randomBytes(6).toString('hex')}`;
      try {
        await mkdir(dir, { recursive: true, mode: 0o700 });
        // Data reaches the disk before the rename makes it visible: after a crash the key holds
        // either the old or the new bytes, never an empty file.
        const fh = await open(tmp, 'wx', isSecretKey(key) ? 0o600 : 0o644);
        try {
          await fh.writeFile(copy);
          await fh.sync();
        } finally {
          await fh.close();
        }
        await rename(tmp, path);
      } catch (e) {
        await unlink(tmp).catch(() => undefined);
        const code = (e as NodeJS.ErrnoException).code;
        throw new StoreError(`cannot write state file ${path}: ${code ?? (e as Error).message}`, key, code);
      }
    });
  }

  /** {@inheritDoc StateStore.delete} */
  async delete(key: string): Promise<void> {
    const path = this.pathOf(key);
    return this.serialize(async () => {
      try {
        await rm(path, { force: true });
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        throw new StoreError(`cannot delete state file ${path}: ${code ?? (e as Error).message}`, key, code);
      }
    });
  }

  /** {@inheritDoc StateStore.list} (regular files only; leftover temp files are skipped). */
  async list(prefix: string): Promise<string[]> {
    const dir = prefixDir(prefix);
    const path = join(this.dir, dir);
    try {
      const entries = await readdir(path, { withFileTypes: true });
      return entries
        .filter((e) => e.isFile() && isValidKey(`${dir}/${e.name}`))
        .map((e) => `${dir}/${e.name}`)
        .sort();
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return [];
      throw new StoreError(`cannot list state directory ${path}: ${code ?? (e as Error).message}`, dir, code);
    }
  }

  /** Resolves once every write issued so far has finished (successfully or not). */
  async flush(): Promise<void> {
    await this.chain.catch(() => undefined);
  }

  private serialize(op: () => Promise<void>): Promise<void> {
    const run = this.chain.then(op, op);
    this.chain = run.catch(() => undefined);
    return run;
  }
}

/** Called by {@link MemoryStore} after each change; `data` is `null` for a deletion. */
export type StoreChangeHandler = (key: string, data: Uint8Array | null) => void;

/** An in-memory {@link StateStore}; `onChange` reports every put/delete so the app can persist elsewhere. */
export class MemoryStore implements StateStore {
  private readonly map = new Map<string, Uint8Array>();

  /**
   * @param initial entries to start with (e.g. an identity the app kept), copied.
   * @param onChange called after every `put` / `delete` (with a copy of the data).
   */
  constructor(
    initial?: Iterable<readonly [string, Uint8Array]>,
    readonly onChange?: StoreChangeHandler,
  ) {
    for (const [k, v] of initial ?? []) {
      checkKey(k);
      this.map.set(k, v.slice());
    }
  }

  /** {@inheritDoc StateStore.get} (a copy). */
  async get(key: string): Promise<Uint8Array | undefined> {
    checkKey(key);
    return this.map.get(key)?.slice();
  }

  /** {@inheritDoc StateStore.put} */
  async put(key: string, data: Uint8Array): Promise<void> {
    checkKey(key);
    if (!(data instanceof Uint8Array)) throw new TypeError('MemoryStore.put: data must be a Uint8Array');
    this.map.set(key, data.slice());
    this.onChange?.(key, data.slice());
  }

  /** {@inheritDoc StateStore.delete} */
  async delete(key: string): Promise<void> {
    checkKey(key);
    if (this.map.delete(key)) this.onChange?.(key, null);
  }

  /** {@inheritDoc StateStore.list} */
  async list(prefix: string): Promise<string[]> {
    const dir = `${prefixDir(prefix)}/`;
    return [...this.map.keys()].filter((k) => k.startsWith(dir)).sort();
  }

  /** A snapshot of every entry (copies). */
  entries(): [string, Uint8Array][] {
    return [...this.map].map(([k, v]) => [k, v.slice()]);
  }
}
