/**
 * Errors of the `dgram` module, shaped like Node's (lib/internal/errors.js): system errors carry `code`
 * (an errno name), negative `errno` as libuv reports it, `syscall` and, for `bind`/`send`/`connect`,
 * `address` and `port` (`ExceptionWithHostPort`: message `bind EADDRINUSE 0.0.0.0:5000`); API misuse
 * throws errors with Node's `ERR_*` codes and messages.
 * @module
 */

export { type SystemError as DgramSystemError, systemError } from '../errors.ts';

/** Node's internal error messages for the codes the dgram module throws. */
const MESSAGES: Record<string, string> = {
  ERR_SOCKET_ALREADY_BOUND: 'Socket is already bound',
  ERR_SOCKET_DGRAM_NOT_RUNNING: 'Not running',
  ERR_SOCKET_DGRAM_IS_CONNECTED: 'Already connected',
  ERR_SOCKET_DGRAM_NOT_CONNECTED: 'Not connected',
  ERR_SOCKET_BAD_TYPE: 'Bad socket type specified. Valid types are: udp4, udp6',
  ERR_SOCKET_BUFFER_SIZE: 'Could not get or set buffer size',
  ERR_MISSING_ARGS: 'The arguments must be specified',
};

/** An error with a Node `ERR_*` code (thrown synchronously for API misuse). */
export function codeError(code: keyof typeof MESSAGES | string, message?: string): Error & { code: string } {
  const e = new Error(message ?? MESSAGES[code] ?? code) as Error & { code: string };
  e.code = code;
  e.name = `Error [${code}]`;
  // Node prints `Error [CODE]: message` but keeps name 'Error' after construction.
  Object.defineProperty(e, 'name', { value: 'Error', enumerable: false, writable: true, configurable: true });
  return e;
}

/** ERR_SOCKET_BAD_PORT (a RangeError in Node). */
export function badPort(name: string, port: unknown, allowZero: boolean): RangeError & { code: string } {
  const e = new RangeError(
    `${name} should be ${allowZero ? '>=' : '>'} 0 and < 65536. Received ${typeof port === 'string' ? `type string ('${port}')` : String(port)}.`,
  ) as RangeError & { code: string };
  e.code = 'ERR_SOCKET_BAD_PORT';
  return e;
}

/** ERR_INVALID_ARG_TYPE (a TypeError in Node). */
export function invalidArgType(name: string, expected: string, got: unknown): TypeError & { code: string } {
  const e = new TypeError(
    `The "${name}" argument must be ${expected}. Received ${got === null ? 'null' : typeof got}`,
  ) as TypeError & { code: string };
  e.code = 'ERR_INVALID_ARG_TYPE';
  return e;
}
