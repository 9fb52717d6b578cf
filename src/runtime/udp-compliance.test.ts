/**
 * The shared UdpBinding contract (src/testing/udp-binding-compliance.ts) run against the real
 * `node:dgram` adapter on loopback, so a node that works in simulation works on real sockets.
 */
import { defineUdpBindingCompliance, type UdpComplianceEnv } from '../testing/udp-binding-compliance.ts';
import { DgramUdpStack } from './udp.ts';

function realEnv(ip: string): UdpComplianceEnv {
  const stack = new DgramUdpStack();
  return {
    a: stack,
    aIp: ip,
    b: stack,
    bIp: ip,
    async waitFor(cond) {
      for (let i = 0; i < 100 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
      return cond();
    },
  };
}

defineUdpBindingCompliance('dgram IPv4 loopback', () => realEnv('127.0.0.1'));
defineUdpBindingCompliance('dgram IPv6 loopback', () => realEnv('::1'));
