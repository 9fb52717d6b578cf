/**
 * ICMP/ICMPv6 echo through a joined network's stack (`node.ping`): one echo request, resolved with
 * the round trip when the matching reply (same identifier and sequence number, RFC 792 / RFC 4443
 * §4.1–4.2) comes back from the pinged address, rejected on timeout or abort.
 * @module
 */

import { abortError, ZtError } from '../errors.ts';
import type { RunnerClock } from '../runtime/node-runner.ts';
import type { Stack } from '../stack/stack.ts';
import type { IpAddress } from '../stack/types.ts';
import { formatIp, ipFromString } from '../stack/wire/ip-address.ts';

/** Options of {@link ZeroTierNode.ping}. */
export interface PingOptions {
  /** Give up after this many ms (default 5000). */
  timeout?: number;
  /** Aborts the ping. */
  signal?: AbortSignal;
  /** Payload bytes after the echo header (default 56, as ping(8)). */
  size?: number;
}

interface Pending {
  key: string;
  sent: number;
  resolve: (rtt: number) => void;
  reject: (e: Error) => void;
}

/** Echo requests in flight on one stack; owns the stack's `onEchoReply`. */
export class Pinger {
  private readonly pending = new Map<string, Pending>();
  private seq = 0;

  constructor(
    private readonly stack: Stack,
    private readonly clock: RunnerClock,
    private readonly random: (n: number) => Uint8Array,
    private readonly kick: () => void,
    /** Clock for the round trip (default `clock.now`; the real node uses `performance.now`, sub-ms). */
    private readonly rttClock: () => number = () => clock.now(),
  ) {
    stack.onEchoReply = (src, id, seq, _data, _now) => {
      const p = this.pending.get(`${formatIp(src)}|${id}|${seq}`);
      if (!p) return;
      this.pending.delete(p.key);
      p.resolve(this.rttClock() - p.sent);
    };
  }

  /** Sends one echo request to `ip`; resolves with the round trip in ms. */
  ping(ip: string, o: PingOptions = {}): Promise<number> {
    const timeout = o.timeout ?? 5000;
    if (!Number.isFinite(timeout) || timeout <= 0)
      throw new RangeError('ping: timeout must be a positive number');
    const size = o.size ?? 56;
    if (!Number.isInteger(size) || size < 0 || size > 65000) throw new RangeError('ping: bad size');
    const signal = o.signal;
    if (signal?.aborted) return Promise.reject(abortError(signal, 'ping'));
    let dst: IpAddress;
    try {
      dst = ipFromString(ip);
    } catch {
      return Promise.reject(new TypeError(`ping: not an IP address: ${ip}`));
    }
    const r = this.random(2);
    const id = (r[0] << 8) | r[1];
    this.seq = (this.seq + 1) & 0xffff;
    const seq = this.seq;
    const key = `${formatIp(dst)}|${id}|${seq}`;
    return new Promise<number>((resolve, reject) => {
      let timer: unknown;
      const done = () => {
        this.pending.delete(key);
        if (timer !== undefined) this.clock.cancel(timer as never);
        signal?.removeEventListener('abort', onAbort);
      };
      const onAbort = () => {
        done();
        reject(abortError(signal, 'ping'));
      };
      this.pending.set(key, {
        key,
        sent: this.rttClock(),
        resolve: (rtt) => {
          done();
          resolve(rtt);
        },
        reject: (e) => {
          done();
          reject(e);
        },
      });
      signal?.addEventListener('abort', onAbort, { once: true });
      timer = this.clock.schedule(this.clock.now() + timeout, () => {
        timer = undefined;
        done();
        reject(
          new ZtError('ERR_ZT_PING_TIMEOUT', `ping ${ip}: no echo reply in ${timeout} ms`, { address: ip }),
        );
      });
      this.stack.setTime(this.rttClock());
      const sent = this.stack.ping(dst, id, seq, new Uint8Array(size));
      this.kick();
      if (sent !== true) {
        done();
        reject(new ZtError('ERR_ZT_NO_ROUTE', `ping ${ip}: ${sent}`, { address: ip }));
      }
    });
  }

  /** The stack is going away: pending pings reject with `reason`. */
  close(reason: Error): void {
    this.stack.onEchoReply = null;
    for (const p of [...this.pending.values()]) p.reject(reason);
  }
}
