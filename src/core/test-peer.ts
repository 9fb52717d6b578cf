/**
 * Test helper: a peer with a fixed throwaway identity and key (for unit tests of peer/path
 * logic that never touch the crypto).
 * @module
 */
import { Identity } from '../protocol/identity.ts';
import { Peer } from './peer.ts';

const B =
  '83edc7390e:0:f5330cf1568521bd7300ae4f15de470bc06433116fa0a43c66cb808a590ca411e5afdbf58eb64a55060b91c612fae1bc4ecbe21200c84f450a0eb19d7d1b2716';

/** A {@link Peer} for identity B of Appendix B with an all-zero key. */
export function makeTestPeer(): Peer {
  const d = Identity.fromString(B);
  if (!d.ok) throw new Error(d.reason);
  return new Peer(d.value, new Uint8Array(48));
}
