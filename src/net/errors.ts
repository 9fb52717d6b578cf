/**
 * Node-style errors for the socket layer (architecture.md "Two kinds of errors"): `code`, negative
 * `errno` (as libuv reports it), `syscall`, `address`, `port`, and Node's message shape
 * (`connect ECONNREFUSED 10.0.0.2:80`).
 * @module
 */

import { constants } from 'node:os';

/** A system error as Node's `net` emits it. */
export interface NetError extends Error {
  code: string;
  errno: number;
  syscall: string;
  address?: string;
  port?: number;
}

/**
 * Builds an error like Node's `ExceptionWithHostPort`: `code` is an errno name (`ECONNREFUSED`),
 * `syscall` the failing call (`connect`, `read`, `listen`, `write`, `getaddrinfo`).
 */
export function netError(code: string, syscall: string, address?: string, port?: number): NetError {
  let where = '';
  if (address !== undefined) where = port !== undefined && port > 0 ? ` ${address}:${port}` : ` ${address}`;
  const e = new Error(`${syscall} ${code}${where}`) as NetError;
  e.code = code;
  const n = (constants.errno as Record<string, number>)[code];
  e.errno = n !== undefined ? -n : 0;
  e.syscall = syscall;
  if (address !== undefined) e.address = address;
  if (port !== undefined) e.port = port;
  return e;
}

/** A Node internal-style error (`code` only), e.g. ERR_SOCKET_CLOSED, ERR_SERVER_NOT_RUNNING. */
export function codeError(code: string, message: string): Error & { code: string } {
  const e = new Error(message) as Error & { code: string };
  e.code = code;
  return e;
}
