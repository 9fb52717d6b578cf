import { defineUdpBindingCompliance, type UdpComplianceEnv } from './udp-binding-compliance.ts';
import { UdpNetwork } from './udp-network.ts';

function simEnv(ipA: string, ipB: string, delayMs: number): UdpComplianceEnv {
  const net = new UdpNetwork({ seed: 1, defaults: { delayMs } });
  const a = net.addHost('a', { addresses: [ipA] });
  const b = net.addHost('b', { addresses: [ipB] });
  return {
    a,
    aIp: ipA,
    b,
    bIp: ipB,
    async waitFor(cond) {
      return net.waitFor(cond, 1000);
    },
  };
}

defineUdpBindingCompliance('sim IPv4', () => simEnv('192.0.2.1', '192.0.2.2', 5));
defineUdpBindingCompliance('sim IPv6', () => simEnv('2001:db8::1', '2001:db8::2', 0));
defineUdpBindingCompliance('sim loopback', () => {
  const env = simEnv('192.0.2.1', '192.0.2.2', 0);
  return { ...env, b: env.a, aIp: '127.0.0.1', bIp: '127.0.0.1' };
});
