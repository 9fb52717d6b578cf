import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Capability } from '../../protocol/credentials/capability.ts';
import { CertificateOfOwnership } from '../../protocol/credentials/coo.ts';
import { Tag } from '../../protocol/credentials/tag.ts';
import { CredentialKind, usableCredentials } from './peer-credentials.ts';

const NWID = 0x8056c2e21c000001n;
const cfg = { timestamp: 10_000_000, credentialTimeMaxDelta: 1_800_000 };
const tag = (id: number, ts: number) =>
  new Tag({ networkId: NWID, timestamp: ts, id, value: id, issuedTo: 1 });
const cap = (id: number, ts: number) => new Capability({ networkId: NWID, timestamp: ts, id, rules: [] });
const coo = (id: number, ts: number) =>
  new CertificateOfOwnership({ networkId: NWID, timestamp: ts, id, issuedTo: 1 });

describe('usableCredentials (§8.7)', () => {
  it('keeps credentials within ctmd of our config (inclusive), either side', () => {
    const u = usableCredentials(cfg, {
      tags: [
        tag(1, cfg.timestamp - 1_800_000),
        tag(2, cfg.timestamp - 1_800_001),
        tag(3, cfg.timestamp + 1_800_000),
      ],
      capabilities: [],
      coos: [coo(1, cfg.timestamp + 1_800_001), coo(2, cfg.timestamp)],
    });
    assert.deepEqual(
      u.tags.map((t) => t.id),
      [1, 3],
    );
    assert.deepEqual(
      u.coos.map((c) => c.id),
      [2],
    );
  });
  it('drops revoked ones (by kind and id) and sorts capabilities by id', () => {
    const seen: Array<[number, number]> = [];
    const u = usableCredentials(
      cfg,
      {
        tags: [tag(5, cfg.timestamp)],
        capabilities: [cap(9, cfg.timestamp), cap(3, cfg.timestamp), cap(4, cfg.timestamp)],
        coos: [],
      },
      (kind, id) => {
        seen.push([kind, id]);
        return kind === CredentialKind.CAPABILITY && id === 4;
      },
    );
    assert.deepEqual(
      u.capabilities.map((c) => c.id),
      [3, 9],
    );
    assert.equal(u.tags.length, 1);
    assert.ok(seen.some(([k, i]) => k === CredentialKind.TAG && i === 5));
  });
});
