/**
 * Node-style errors for the socket layer (architecture.md "Two kinds of errors"): `code`, negative
 * `errno` (as libuv reports it), `syscall`, `address`, `port`, and Node's message shape
 * (`connect ECONNREFUSED 10.0.0.2:80`).
 * @module
 */

export { type SystemError as NetError, systemError as netError } from '../errors.ts';

/** A Node internal-style error (`code` only), e.g. ERR_SOCKET_CLOSED, ERR_SERVER_NOT_RUNNING. */
export function codeError(code: string, message: string): Error & { code: string } {
  const e = new Error(message) as Error & { code: string };
  e.code = code;
  return e;
}
