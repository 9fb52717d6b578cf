import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import fc from 'fast-check';
import { cryptoVectors } from '../testing/vectors.ts';
import { fromHex, toHex } from '../util/bytes.ts';
import { Capability } from './credentials/capability.ts';
import { Dictionary } from './dictionary.ts';
import { Identity } from './identity.ts';
import { inetAddress, inetAddressToString } from './inet-address.ts';
import {
  broadcastEnabled,
  configTag,
  decodeNetworkConfig,
  emptyNetworkConfig,
  encodeNetworkConfig,
  isActiveBridge,
  NetconfFlag,
  ndpEmulationEnabled,
  networkConfigFromDictionary,
  SpecialistFlag,
  specialistsWith,
} from './netconf.ts';
import { RuleType } from './rules.ts';

const cv = cryptoVectors;
const V = cv.values as Record<string, string>;
const A = (() => {
  const d = Identity.fromString(cv.identities.A);
  assert.ok(d.ok);
  return d.value;
})();

function decodeVector() {
  const d = decodeNetworkConfig(fromHex(V.netconf_dict));
  assert.ok(d.ok, d.ok ? '' : d.reason);
  return d.value;
}

test('netconf_dict vector: every field decodes as Appendix B describes', () => {
  const c = decodeVector();
  assert.equal(c.version, 7);
  assert.equal(c.networkId, 0x2d1d262d72000001n);
  assert.equal(c.timestamp, 1700000000000);
  assert.equal(c.credentialTimeMaxDelta, 1800000);
  assert.equal(c.revision, 3);
  assert.equal(c.issuedTo, 0x83edc7390e);
  assert.equal(c.remoteTraceTarget, 0);
  assert.equal(c.flags, NetconfFlag.ENABLE_BROADCAST);
  assert.equal(c.multicastLimit, 32);
  assert.equal(c.type, 0);
  assert.equal(c.name, 'test=net');
  assert.equal(c.mtu, 2800);
  const com = c.com;
  assert.ok(com);
  assert.ok(com.verify(A));
  assert.equal(toHex(com.toBytes()), V.com);
  assert.equal(c.tags.length, 1);
  assert.ok(c.tags[0].verify(A));
  assert.equal(c.certificatesOfOwnership.length, 1);
  assert.ok(c.certificatesOfOwnership[0].verify(A));
  assert.deepEqual(c.capabilities, []);
  assert.deepEqual(c.specialists, []);
  assert.equal(c.routes.length, 1);
  assert.equal(inetAddressToString(c.routes[0].target), '10.147.17.0/24');
  assert.equal(c.routes[0].via, null);
  assert.deepEqual(c.staticIps.map(inetAddressToString), ['10.147.17.5/24']);
  assert.deepEqual(c.rules, [{ type: RuleType.ACTION_ACCEPT, not: false, or: false }]);
  assert.deepEqual(c.dns, { domain: '', servers: [] });
  assert.equal(c.ssoVersion, 0);
  assert.equal(c.ssoEnabled, false);
});

test('netconf_dict vector round-trips through NetworkConfig byte for byte', () => {
  assert.equal(toHex(encodeNetworkConfig(decodeVector())), V.netconf_dict);
});

test('a config with every key round-trips (caps, specialists, via routes, DNS, SSO v0 and v1)', () => {
  const c = emptyNetworkConfig(0x2d1d262d72000001n, 0x83edc7390e);
  c.timestamp = 1700000000000;
  c.name = 'every key';
  c.flags = NetconfFlag.ENABLE_BROADCAST | NetconfFlag.ENABLE_IPV6_NDP_EMULATION;
  c.multicastLimit = 16;
  c.type = 1;
  c.capabilities = [
    new Capability({
      networkId: c.networkId,
      timestamp: 1,
      id: 9,
      rules: [{ type: 1, not: false, or: false }],
    }).sign(A, c.issuedTo),
    new Capability({ networkId: c.networkId, timestamp: 1, id: 2, rules: [] }).sign(A, c.issuedTo),
  ];
  // Decoding sorts capabilities by id (as the reference does); start sorted so bytes compare.
  const unsorted = c.capabilities.map((x) => x.id);
  c.capabilities.sort((a, b) => a.id - b.id);
  assert.deepEqual(unsorted, [9, 2]);
  c.specialists = [SpecialistFlag.ACTIVE_BRIDGE | 0x1122334455n];
  c.routes = [
    {
      target: inetAddress(new Uint8Array([0, 0, 0, 0]), 0),
      via: inetAddress(new Uint8Array([10, 0, 0, 1]), 0),
      flags: 0,
      metric: 5,
    },
    { target: inetAddress(fromHex('fd000000000000000000000000000000'), 8), via: null, flags: 1, metric: 0 },
  ];
  c.dns = { domain: 'zt.example', servers: [inetAddress(new Uint8Array([10, 0, 0, 53]), 53)] };
  for (const sso of [
    { ssoVersion: 0, ssoEnabled: true, authenticationUrl: 'https://auth/x', authenticationExpiryTime: 99 },
    {
      ssoVersion: 1,
      ssoEnabled: true,
      authenticationUrl: 'https://a',
      authenticationExpiryTime: 7,
      issuerUrl: 'https://i',
      centralEndpointUrl: 'https://c',
      ssoNonce: 'n',
      ssoState: 's',
      ssoClientId: 'cid',
      ssoProvider: 'oidc',
    },
  ]) {
    Object.assign(c, sso);
    const bytes = encodeNetworkConfig(c);
    const back = decodeNetworkConfig(bytes);
    assert.ok(back.ok, back.ok ? '' : back.reason);
    assert.equal(toHex(encodeNetworkConfig(back.value)), toHex(bytes));
    const b = back.value;
    assert.deepEqual(
      b.capabilities.map((x) => x.id),
      [2, 9],
    ); // sorted by id
    assert.ok(b.capabilities.every((x) => x.verify(A)));
    assert.deepEqual(b.specialists, c.specialists);
    assert.deepEqual(
      b.routes.map((r) => [
        inetAddressToString(r.target),
        r.via && inetAddressToString(r.via),
        r.flags,
        r.metric,
      ]),
      [
        ['0.0.0.0/0', '10.0.0.1/0', 0, 5],
        ['fd00::/8', null, 1, 0],
      ],
    );
    assert.deepEqual(b.dns?.domain, 'zt.example');
    assert.equal(b.dns?.servers.length, 1);
    for (const [k, v] of Object.entries(sso))
      assert.deepEqual((b as unknown as Record<string, unknown>)[k], v, k);
    assert.equal(b.type, 1);
    assert.equal(b.name, 'every key');
  }
});

test('required keys, legacy versions, bad blobs and MTU clamping', () => {
  const dict = (entries: [string, string | Uint8Array][]) => {
    const d = new Dictionary();
    for (const [k, v] of entries) typeof v === 'string' ? d.setString(k, v) : d.setBytes(k, v);
    return d;
  };
  const base: [string, string][] = [
    ['v', '7'],
    ['nwid', '2d1d262d72000001'],
    ['id', '83edc7390e'],
  ];
  const reason = (d: Dictionary) => {
    const r = networkConfigFromDictionary(d);
    return r.ok ? 'ok' : r.reason;
  };
  assert.equal(reason(dict(base)), 'ok');
  assert.equal(reason(dict([['v', '5'], ...base.slice(1)])), 'version-too-old');
  assert.equal(reason(dict([base[0], base[2]])), 'no-network-id');
  assert.equal(reason(dict(base.slice(0, 2))), 'no-issued-to');
  assert.equal(reason(dict([...base, ['C', new Uint8Array([2, 0, 0])]])), 'bad-C:bad-version');
  assert.equal(reason(dict([...base, ['R', new Uint8Array([0x25, 2, 8])]])), 'bad-R:truncated');
  assert.equal(reason(dict([...base, ['I', new Uint8Array([9])]])), 'bad-I:inet-bad-type');
  assert.equal(reason(dict([...base, ['TAG', new Uint8Array(10)]])), 'bad-TAG:truncated');
  const low = networkConfigFromDictionary(dict([...base, ['mtu', '10']]));
  assert.ok(low.ok && low.value.mtu === 1280);
  const high = networkConfigFromDictionary(dict([...base, ['mtu', 'ffff']]));
  assert.ok(high.ok && high.value.mtu === 10000);
  const dflt = networkConfigFromDictionary(dict(base));
  assert.ok(
    dflt.ok && dflt.value.mtu === 2800 && dflt.value.dns === null && dflt.value.ssoProvider === 'default',
  );
});

test('fuzz: decodeNetworkConfig never throws on mutated vectors or random dictionaries', () => {
  const vector = fromHex(V.netconf_dict);
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.nat(vector.length - 1), fc.integer({ min: 0, max: 255 })), {
        minLength: 1,
        maxLength: 6,
      }),
      (muts) => {
        const b = vector.slice();
        for (const [i, v] of muts) b[i] = v;
        const d = decodeNetworkConfig(b);
        if (d.ok) encodeNetworkConfig(d.value);
      },
    ),
    { numRuns: 1500 },
  );
  fc.assert(
    fc.property(
      fc.array(
        fc.tuple(
          fc.constantFrom('v', 'nwid', 'id', 'C', 'CAP', 'TAG', 'COO', 'S', 'RT', 'I', 'R', 'DNS', 'mtu'),
          fc.uint8Array({ maxLength: 80 }),
        ),
      ),
      (entries) => {
        const d = new Dictionary();
        d.setString('v', '7');
        d.setString('nwid', '1');
        d.setString('id', '1');
        for (const [k, v] of entries) d.setBytes(k, v);
        networkConfigFromDictionary(d);
      },
    ),
    { numRuns: 1500 },
  );
});

test("lab capture: the reference controller's netconfs decode, verify and re-encode byte for byte", () => {
  const lab = JSON.parse(
    readFileSync(new URL('../../test/vectors/lab-capture-1-netconf.json', import.meta.url), 'utf8'),
  );
  const manifest = JSON.parse(
    readFileSync(new URL('../../test/vectors/lab-capture-1/manifest.json', import.meta.url), 'utf8'),
  );
  const idOf = (s: string) => {
    const d = Identity.fromString(s);
    assert.ok(d.ok);
    return d.value;
  };
  const controller = idOf(manifest.nodes.root.identitySecret);
  const members = { a: idOf(manifest.nodes.a.identitySecret), c: idOf(manifest.nodes.c.identitySecret) };
  const coms = [];
  for (const [name, member] of Object.entries(members)) {
    const hex = lab.netconf[member.addressString];
    assert.ok(hex, `netconf for ${name}`);
    const d = decodeNetworkConfig(fromHex(hex));
    assert.ok(d.ok, d.ok ? '' : d.reason);
    const c = d.value;
    assert.equal(c.networkId, BigInt(`0x${manifest.network.id}`));
    assert.equal(c.issuedTo, member.address);
    assert.equal(c.name, manifest.network.name);
    assert.equal(c.mtu, manifest.network.mtu);
    assert.equal(c.flags, NetconfFlag.ENABLE_BROADCAST | NetconfFlag.ENABLE_IPV6_NDP_EMULATION);
    assert.ok(c.com?.verify(controller));
    assert.equal(c.com?.issuedTo, member.address);
    coms.push({ com: c.com, member });
    assert.equal(c.certificatesOfOwnership.length, 1);
    assert.ok(c.certificatesOfOwnership[0].verify(controller));
    const ips = c.staticIps.map(inetAddressToString).sort();
    const m = manifest.nodes[name];
    assert.deepEqual(ips, [`${m.ipv4}/24`, `${m.rfc4193}/88`, `${m.sixplane}/40`].sort());
    assert.equal(c.certificatesOfOwnership[0].things.length, 3);
    assert.deepEqual(c.rules, [{ type: RuleType.ACTION_ACCEPT, not: false, or: false }]);
    assert.equal(toHex(encodeNetworkConfig(c)), hex);
  }
  // The members' COMs agree with each other, each bound to its own identity.
  const [x, y] = coms;
  assert.ok(x.com?.agreesWith(y.com!, y.member));
  assert.ok(y.com?.agreesWith(x.com!, x.member));
  assert.equal(x.com?.agreesWith(y.com!, x.member), false);
  // The request metadata dictionary (§6.12) round-trips too.
  const meta = Dictionary.decode(fromHex(lab.requestMetadata), 1024);
  assert.ok(meta.ok);
  assert.equal(meta.value.getNumber('v'), 7);
  assert.equal(meta.value.getString('o'), 'linux/x86_64');
  assert.equal(toHex(meta.value.encode()), lab.requestMetadata);
});

test('helpers: specialists by role, active bridges, tag lookup, flag tests', () => {
  const c = decodeVector();
  assert.ok(broadcastEnabled(c));
  assert.equal(ndpEmulationEnabled(c), false);
  assert.equal(configTag(c, 100)?.value, 42);
  assert.equal(configTag(c, 99), undefined);
  c.specialists = [
    SpecialistFlag.ACTIVE_BRIDGE | 0x1111111111n,
    SpecialistFlag.MULTICAST_REPLICATOR | SpecialistFlag.ANCHOR | 0x2222222222n,
  ];
  assert.deepEqual(specialistsWith(c, SpecialistFlag.ACTIVE_BRIDGE), [0x1111111111]);
  assert.deepEqual(specialistsWith(c, SpecialistFlag.ANCHOR), [0x2222222222]);
  assert.ok(isActiveBridge(c, 0x1111111111));
  assert.equal(isActiveBridge(c, 0x2222222222), false);
});
