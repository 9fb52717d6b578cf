/**
 * The error-code registry of the public API (architecture.md "Two kinds of errors"): every error the
 * `ZeroTierNode` API rejects or throws with carries a stable Node-style `code`, so callers branch on
 * `err.code`, never on messages. Socket-level system errors (`ECONNREFUSED`, `ETIMEDOUT`…, with
 * `errno`/`syscall`/`address`/`port`) are built by {@link systemError} below, which the `net` and `dgram`
 * modules share; the rest of this file holds the node-level codes.
 *
 * ```ts
 * try {
 *   await node.join(0x8056c2e21c000001n);
 * } catch (e) {
 *   if ((e as ZtError).code === 'ERR_ZT_ACCESS_DENIED') console.log('authorize me in the controller');
 * }
 * ```
 * @module
 */

import { constants } from 'node:os';

/** Every node-level error code, with the sentence that explains it. */
export const ZT_ERROR_CODES = {
  /** The operation needs a network that is not joined (or was left). */
  ERR_ZT_NOT_JOINED: 'network not joined',
  /** The controller refused our membership (§9.9: ERROR OBJ_NOT_FOUND/ACCESS_DENIED in re a config request). */
  ERR_ZT_ACCESS_DENIED: 'access denied by the network controller',
  /** The controller (or an invalid ad-hoc id, §1.2) says the network does not exist. */
  ERR_ZT_NOT_FOUND: 'network not found',
  /** The controller says this client is too old for the network. */
  ERR_ZT_CLIENT_TOO_OLD: 'client too old for this network',
  /** The network needs SSO authentication first (see the network's `authenticationUrl`). */
  ERR_ZT_AUTHENTICATION_REQUIRED: 'network requires authentication',
  /** The node is not started (call `ZeroTierNode.start`) or was stopped. */
  ERR_ZT_NOT_RUNNING: 'node is not running',
  /** No joined network has a route to the destination address. */
  ERR_ZT_NO_ROUTE: 'no joined network routes this address',
  /** A ping got no echo reply in time. */
  ERR_ZT_PING_TIMEOUT: 'no echo reply',
  /** The operation was aborted through its `AbortSignal` (Node's own code for aborts). */
  ABORT_ERR: 'the operation was aborted',
} as const;

/** A node-level error code. */
export type ZtErrorCode = keyof typeof ZT_ERROR_CODES;

/** An error of the node API: `code` is one of {@link ZT_ERROR_CODES}. */
export class ZtError extends Error {
  /** The stable code. */
  readonly code: ZtErrorCode;
  /** The network concerned (16 hex digits), when there is one. */
  readonly network?: string;
  /** The address concerned (ping/route errors). */
  readonly address?: string;

  constructor(
    code: ZtErrorCode,
    message?: string,
    extra: { network?: string; address?: string; cause?: unknown } = {},
  ) {
    super(message ?? ZT_ERROR_CODES[code], extra.cause === undefined ? undefined : { cause: extra.cause });
    // AbortError is the name Node and the DOM give aborts; the others are ZtError.
    this.name = code === 'ABORT_ERR' ? 'AbortError' : 'ZtError';
    this.code = code;
    if (extra.network !== undefined) this.network = extra.network;
    if (extra.address !== undefined) this.address = extra.address;
  }
}

/** The error for an abort: `signal.reason` when it is an Error, else an {@link ZtError} `ABORT_ERR`. */
export function abortError(signal: AbortSignal | undefined, what: string): Error {
  const r: unknown = signal?.reason;
  if (r instanceof Error && (r as { code?: unknown }).code === 'ABORT_ERR') return r;
  return new ZtError('ABORT_ERR', `${what} was aborted`, r === undefined ? {} : { cause: r });
}

/** A system error as Node's `net` and `dgram` report them (`ErrnoException` / `ExceptionWithHostPort`). */
export interface SystemError extends Error {
  code: string;
  /** Negative errno, as libuv reports it (0 for codes that are not errno names, e.g. ENOTFOUND). */
  errno: number;
  syscall: string;
  address?: string;
  port?: number;
}

/**
 * Builds a system error with Node's message shape: `connect ECONNREFUSED 10.0.0.2:80`, `bind EADDRINUSE
 * 0.0.0.0:5000`. `code` is an errno name, `syscall` the failing call.
 */
export function systemError(code: string, syscall: string, address?: string, port?: number): SystemError {
  let where = '';
  if (address !== undefined) where = port !== undefined && port > 0 ? ` ${address}:${port}` : ` ${address}`;
  const e = new Error(`${syscall} ${code}${where}`) as SystemError;
  e.code = code;
  const n = (constants.errno as Record<string, number>)[code];
  e.errno = n !== undefined ? -n : 0;
  e.syscall = syscall;
  if (address !== undefined) e.address = address;
  if (port !== undefined) e.port = port;
  return e;
}
