/**
 * Control-plane codecs of VL2 configuration: the netconf Dictionary, NetworkConfig, credentials
 * (decode + signature check), rules and worlds. None of these are on the data path; the numbers
 * say what a config update or a NETWORK_CREDENTIALS packet costs. Run: `npm run bench netconf`.
 */
import { readFileSync } from 'node:fs';
import { CertificateOfMembership } from '../src/protocol/credentials/com.ts';
import { defaultPlanetBytes } from '../src/protocol/default-planet.ts';
import { Dictionary } from '../src/protocol/dictionary.ts';
import { Identity } from '../src/protocol/identity.ts';
import { decodeNetworkConfig, encodeNetworkConfig } from '../src/protocol/netconf.ts';
import { decodeRules, encodeRules, type Rule } from '../src/protocol/rules.ts';
import { World } from '../src/protocol/world.ts';
import { fromHex } from '../src/util/bytes.ts';
import { report, timePerCall } from './measure.ts';

const cv = JSON.parse(readFileSync(new URL('../test/vectors/crypto-vectors.json', import.meta.url), 'utf8'));
const dictBytes = fromHex(cv.values.netconf_dict);
const comBytes = fromHex(cv.values.com);
const idA = Identity.fromString(cv.identities.A);
const idB = Identity.fromString(cv.identities.B);
if (!idA.ok || !idB.ok) throw new Error('identities');
const A = idA.value;
const B = idB.value;

const must = <T>(d: { ok: true; value: T } | { ok: false; reason: string }): T => {
  if (!d.ok) throw new Error(d.reason);
  return d.value;
};

const dict = must(Dictionary.decode(dictBytes));
report(
  `Dictionary.decode (${dictBytes.length} B netconf)`,
  timePerCall(() => Dictionary.decode(dictBytes)),
  'µs',
);
report(
  'Dictionary.encode (same)',
  timePerCall(() => dict.encode()),
  'µs',
);
const conf = must(decodeNetworkConfig(dictBytes));
report(
  'decodeNetworkConfig (dictionary + credentials)',
  timePerCall(() => decodeNetworkConfig(dictBytes)),
  'µs',
);
report(
  'encodeNetworkConfig',
  timePerCall(() => encodeNetworkConfig(conf)),
  'µs',
);

const com = must(CertificateOfMembership.fromBytes(comBytes));
report(
  'COM decode',
  timePerCall(() => CertificateOfMembership.fromBytes(comBytes)),
  'µs',
);
report(
  'COM verify (Ed25519)',
  timePerCall(() => com.verify(A), { batch: 20 }),
  'µs',
);
const mine = CertificateOfMembership.create({
  networkId: com.networkId,
  timestamp: com.timestamp,
  maxDelta: 1800000,
  issuedTo: A,
});
report(
  'COM agreesWith (cached key hash)',
  timePerCall(() => mine.agreesWith(com, B)),
  'µs',
);

const rules: Rule[] = [];
for (let i = 0; i < 100; i++) {
  rules.push({ type: 37, not: i % 2 === 0, or: false, etherType: 0x0800 + i });
  rules.push({ type: 33, not: false, or: true, ip: new Uint8Array(16).fill(i), prefixBits: 64 });
  rules.push({ type: 1, not: false, or: false });
}
const rulesBlob = encodeRules(rules);
report(
  `decodeRules (${rules.length} rules, ${rulesBlob.length} B)`,
  timePerCall(() => decodeRules(rulesBlob)),
  'µs',
);
report(
  `encodeRules (${rules.length} rules)`,
  timePerCall(() => encodeRules(rules)),
  'µs',
);

const planet = defaultPlanetBytes();
const world = must(World.fromBytes(planet));
report(
  'World.fromBytes (default planet, 570 B)',
  timePerCall(() => World.fromBytes(planet)),
  'µs',
);
report(
  'World.verify (default planet)',
  timePerCall(() => world.verify(), { batch: 20 }),
  'µs',
);
