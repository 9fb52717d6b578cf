/**
 * What a `dgram` module needs from whoever runs a {@link Stack} (a joined network in `src/runtime`, or a test
 * driver): the stack, its clock, and a way to re-arm the driver's one timer after a socket call moved
 * `stack.nextDeadline()` (architecture.md "Sans-I/O core and stack"). It is a structural subset of the `net`
 * module's `NetStackBinding` (src/net/binding.ts), so one binding object serves `net`, `dgram` and `bsd`.
 * @module
 */

import type { Stack } from '../stack/stack.ts';

/** The stack side of a `dgram` module. */
export interface DgramStackBinding {
  /** The stack whose UDP layer the sockets use. */
  readonly stack: Stack;
  /** The driver's clock (ms, monotonic): the `now` it passes to `receiveFrame`/`poll`. */
  now(): number;
  /** Called after every socket call that may emit frames or move `stack.nextDeadline()`. */
  kick(): void;
  /** Keeps the process alive until the returned function is called (a ref'd socket). Optional. */
  hold?(): () => void;
  /** Resolves host names that are not IP literals (`dns.lookup` shape). Optional: IP literals and `localhost` only. */
  lookup?(
    hostname: string,
    options: { family?: number },
    callback: (err: Error | null, address: string, family: number) => void,
  ): void;
}
