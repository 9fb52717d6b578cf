/**
 * Credentials produced by a real 1.14.1 controller: the NETWORK_CREDENTIALS payloads members
 * pushed to each other in test/vectors/lab-capture-1 (decrypted; see lab-capture-1-netconf.json).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { vectorIdentity } from '../../testing/vectors.ts';
import { fromHex, toHex } from '../../util/bytes.ts';
import { Writer } from '../../util/result.ts';
import { decodeNetworkCredentials, encodeNetworkCredentials } from '../verbs/network-credentials.ts';
import { ThingType } from './coo.ts';

const vectors = new URL('../../../test/vectors/', import.meta.url);
const lab = JSON.parse(readFileSync(new URL('lab-capture-1-netconf.json', vectors), 'utf8'));
const manifest = JSON.parse(readFileSync(new URL('lab-capture-1/manifest.json', vectors), 'utf8'));
const idOf = vectorIdentity;
const controller = idOf(manifest.nodes.root.identitySecret);
const members = [idOf(manifest.nodes.a.identitySecret), idOf(manifest.nodes.c.identitySecret)];

test('lab NETWORK_CREDENTIALS: COM and COO decode, verify with the controller, re-encode byte for byte', () => {
  assert.ok(lab.networkCredentials.length > 0);
  const coms = [];
  for (const hex of lab.networkCredentials as string[]) {
    const d = decodeNetworkCredentials(fromHex(hex));
    assert.ok(d.ok, d.ok ? '' : d.reason);
    const {
      coms: [com],
      coos,
    } = d.value;
    assert.ok(com.verify(controller));
    assert.equal(com.networkId, BigInt(`0x${manifest.network.id}`));
    const member = members.find((m) => m.address === com.issuedTo);
    assert.ok(member, 'COM issued to a lab member');
    coms.push({ com, member });
    assert.equal(coos?.length, 1);
    const coo = coos![0];
    assert.ok(coo.verify(controller));
    assert.equal(coo.issuedTo, member.address);
    const name = member === members[0] ? 'a' : 'c';
    const v4 = manifest.nodes[name].ipv4.split('.').map(Number);
    assert.ok(coo.owns(ThingType.IPV4_ADDRESS, new Uint8Array(v4)));
    const w = new Writer(512);
    encodeNetworkCredentials(w, d.value);
    assert.equal(toHex(w.finish()), hex);
  }
  // Every pair of COMs from different members agrees, bound to the right identity only.
  for (const x of coms)
    for (const y of coms) {
      if (x.member === y.member) continue;
      assert.ok(x.com.agreesWith(y.com, y.member));
      assert.equal(x.com.agreesWith(y.com, x.member), false);
    }
});
