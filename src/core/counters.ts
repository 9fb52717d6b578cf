/**
 * Counters of a VL1 node: packets received and sent per verb, and every drop per reason
 * (architecture.md "Two kinds of errors": bad input is dropped and counted, never thrown).
 * @module
 */
import { verbName } from '../protocol/verbs/verb.ts';

/**
 * Drop reasons of the VL1 core. Stable strings: tests and the CLI print them.
 * Reassembler reasons are prefixed `fragment-`.
 */
export type DropReason =
  | 'too-short'
  | 'too-long'
  | 'self-source'
  | 'reserved-source'
  | 'unknown-source'
  | 'mac-failed'
  | 'cipher-unsupported'
  | 'decompress-failed'
  | 'bad-payload'
  | 'bad-hello-protocol'
  | 'bad-hello-address'
  | 'bad-hello-identity'
  | 'bad-hello-key'
  | 'bad-hello-timestamp'
  | 'identity-collision'
  | 'identity-rate-limited'
  | 'hello-rate-limited'
  | 'unexpected-ok'
  | 'untrusted-whois-reply'
  | 'untrusted-rendezvous'
  | 'untrusted-world'
  | 'whois-rate-limited'
  | 'echo-rate-limited'
  | 'push-rate-limited'
  | 'hops-exceeded'
  | 'not-relaying'
  | 'relay-no-path'
  | 'wrong-destination'
  | 'rx-park-evicted'
  | 'rx-park-timeout'
  | 'tx-queue-full'
  | 'tx-queue-timeout'
  | 'no-route'
  | 'no-socket'
  | 'unusable-address'
  | 'fragment-too-short'
  | 'fragment-bad-fragment'
  | 'fragment-duplicate'
  | 'fragment-inconsistent-total'
  | 'fragment-too-large'
  | 'fragment-timeout'
  | 'fragment-evicted'
  | 'internal-error';

/** Counters exposed as `node.counters`. All maps are plain objects so they print and serialize. */
export class Counters {
  /** Authenticated packets received, by verb name (`HELLO`, `OK`, …; unknown verbs as `VERB_n`). */
  readonly received: Record<string, number> = {};
  /** Packets sent (before fragmentation), by verb name. */
  readonly sent: Record<string, number> = {};
  /** Dropped datagrams/packets by reason. */
  readonly drops: Partial<Record<DropReason, number>> = {};
  /** Packets relayed for others (root role, §3.4). */
  relayed = 0;
  /** RENDEZVOUS pairs introduced (root role, §9.4). */
  united = 0;
  /** Datagrams handed to the I/O layer (fragments count one each). */
  datagramsSent = 0;
  /** Datagrams given to `receive`. */
  datagramsReceived = 0;

  /** Counts one drop. */
  drop(reason: DropReason): void {
    this.drops[reason] = (this.drops[reason] ?? 0) + 1;
  }

  /** Counts a received packet of `verb`. */
  rx(verb: number): void {
    const k = verbName(verb);
    this.received[k] = (this.received[k] ?? 0) + 1;
  }

  /** Counts a sent packet of `verb`. */
  tx(verb: number): void {
    const k = verbName(verb);
    this.sent[k] = (this.sent[k] ?? 0) + 1;
  }

  /** Drops of `reason` so far (0 if none). */
  dropped(reason: DropReason): number {
    return this.drops[reason] ?? 0;
  }

  /** Sum of all drops. */
  get totalDrops(): number {
    let n = 0;
    for (const v of Object.values(this.drops)) n += v ?? 0;
    return n;
  }
}
