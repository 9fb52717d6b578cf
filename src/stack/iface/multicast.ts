/**
 * Multicast group membership of the interface: reference-counted IP groups and the Ethernet MACs they map
 * to (RFC 1112 §6.4, RFC 2464 §7), which is both the receive filter and what the ZeroTier link must
 * subscribe to (protocol.md §1.4).
 * @module
 */

import type { IpAddress } from '../types.ts';
import { macKey, multicastMacFor } from '../wire/ethernet.ts';
import { ipKey, isMulticast } from '../wire/ip-address.ts';

/** Joined groups and their MACs. */
export class GroupMembership {
  private readonly ips = new Map<number | string, number>();
  private readonly macs = new Map<number, { mac: Uint8Array; refs: number }>();

  /** Called when the set of MACs changes. */
  constructor(private readonly onMacsChanged: () => void) {}

  /** Joins `group` (reference counted). Throws TypeError for a non-multicast address. */
  join(group: IpAddress): void {
    if (!isMulticast(group)) throw new TypeError('not a multicast group');
    const k = ipKey(group);
    this.ips.set(k, (this.ips.get(k) ?? 0) + 1);
    const mac = multicastMacFor(group);
    const mk = macKey(mac);
    const e = this.macs.get(mk);
    if (e) e.refs++;
    else {
      this.macs.set(mk, { mac, refs: 1 });
      this.onMacsChanged();
    }
  }

  /** Leaves `group` once; false when it was not joined. */
  leave(group: IpAddress): boolean {
    const k = ipKey(group);
    const n = this.ips.get(k);
    if (!n) return false;
    if (n === 1) this.ips.delete(k);
    else this.ips.set(k, n - 1);
    const mk = macKey(multicastMacFor(group));
    const e = this.macs.get(mk);
    if (e && --e.refs === 0) {
      this.macs.delete(mk);
      this.onMacsChanged();
    }
    return true;
  }

  /** True when packets to the group with this `ipKey` are accepted. */
  hasIpKey(key: number | string): boolean {
    return this.ips.has(key);
  }

  /** True when frames to the MAC with this `macKey` are accepted. */
  hasMacKey(key: number): boolean {
    return this.macs.has(key);
  }

  /** The MACs joined (copies). */
  macList(): Uint8Array[] {
    return Array.from(this.macs.values(), (e) => e.mac.slice());
  }
}
