import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { arpRequest } from '../core/vl2/test-frames.ts';
import { parseNodeArgs } from './node.ts';
import { formatFrame, formatNetwork, parseJoinIds } from './node-networks.ts';

const info = {
  id: 'bbeb160bc5000001',
  status: 'OK' as const,
  name: 'lab',
  type: 'PRIVATE' as const,
  mac: '02:e2:39:0b:dd:96',
  mtu: 2800,
  broadcast: true,
  multicastLimit: 32,
  revision: 1,
  addresses: ['10.147.17.12/24', 'fc7e:eb16:ae2:39ce:d680::1/40'],
  routes: [{ target: '10.147.17.0/24', via: null, flags: 0, metric: 0 }],
  dns: null,
};

describe('ztsdk node --join / --frame-log output', () => {
  it('parses --join ids (repeatable) and refuses bad ones', () => {
    const o = parseNodeArgs([
      '--state',
      '/tmp/x',
      '--join',
      'bbeb160bc5000001',
      '--join',
      'ff0a000000000001',
      '--frame-log',
      '--stack',
    ]);
    assert.ok(o !== 'help');
    assert.deepEqual(parseJoinIds(o.join ?? []), [0xbbeb160bc5000001n, 0xff0a000000000001n]);
    assert.equal(o.frameLog, true);
    assert.equal(o.stack, true);
    assert.throws(() => parseJoinIds(['xyz']), /16-hex-digit network id/);
    assert.throws(() => parseJoinIds(['0000000000000000']), /network id/);
  });

  it('prints a network as the issue’s JSON line, and as text', () => {
    const j = JSON.parse(formatNetwork(info, true));
    assert.equal(j.event, 'network');
    assert.equal(j.id, 'bbeb160bc5000001');
    assert.equal(j.status, 'OK');
    assert.deepEqual(j.addresses, ['10.147.17.12/24', 'fc7e:eb16:ae2:39ce:d680::1/40']);
    const t = formatNetwork(info, false);
    assert.match(
      t,
      /^network bbeb160bc5000001 OK "lab" mac 02:e2:39:0b:dd:96 mtu 2800 addresses 10\.147\.17\.12\/24/,
    );
    assert.match(t, /routes 10\.147\.17\.0\/24$/);
  });

  it('prints a frame-log line for an ARP request', () => {
    const mac = Uint8Array.of(2, 0xac, 0x30, 0x5b, 0x62, 0x67);
    const f = new Uint8Array(14 + 28);
    f.fill(0xff, 0, 6);
    f.set(mac, 6);
    f.set([0x08, 0x06], 12);
    f.set(arpRequest(mac, '10.147.17.11', '10.147.17.12'), 14);
    const j = JSON.parse(formatFrame('bbeb160bc5000001', 'rx', f, true));
    assert.deepEqual(
      { ...j },
      {
        event: 'frame',
        network: 'bbeb160bc5000001',
        dir: 'rx',
        src: '02:ac:30:5b:62:67',
        dst: 'ff:ff:ff:ff:ff:ff',
        ethertype: '0x0806',
        length: 42,
        summary: 'ARP who-has 10.147.17.12 tell 10.147.17.11',
      },
    );
    assert.match(
      formatFrame('x', 'tx', f, false),
      /^frame x tx 02:ac:30:5b:62:67 > ff:ff:ff:ff:ff:ff ARP who-has/,
    );
  });
});
