/**
 * A runnable example of `dgram` over the stack: two stacks on an in-memory link, an echo server on one and a
 * client on the other, then a multicast group joined on the server side.
 *
 * Run: `node --import tsx src/dgram/example.ts`
 * @module
 */

import { once } from 'node:events';
import { pathToFileURL } from 'node:url';
import { createStackPair } from '../testing/stack-pair.ts';
import { createDgram } from './index.ts';

/** Runs the example; returns the messages the client and the group member received (for the test). */
export async function dgramExample(log: (line: string) => void = console.log): Promise<string[]> {
  const pair = createStackPair();
  const seen: string[] = [];
  try {
    const server = createDgram(pair.b).createSocket('udp4');
    server.on('message', (msg, rinfo) => {
      log(`server: ${msg.length} bytes from ${rinfo.address}:${rinfo.port}`);
      server.send(msg, rinfo.port, rinfo.address); // echo
    });
    server.bind(4000);
    await once(server, 'listening');
    server.addMembership('239.1.1.1');

    const client = createDgram(pair.a).createSocket('udp4');
    client.send('ping', 4000, pair.b.v4); // binds implicitly
    const [echo] = await once(client, 'message');
    seen.push(String(echo));
    log(`client: echo "${seen[0]}" on port ${client.address().port}`);

    // Multicast: the server is a member of 239.1.1.1, so it answers the group message too.
    client.setMulticastTTL(4);
    client.send('to the group', 4000, '239.1.1.1');
    const [reply] = await once(client, 'message');
    seen.push(String(reply));
    log(`client: group reply "${seen[1]}"`);
    client.close();
    server.close();
    await once(server, 'close');
    return seen;
  } finally {
    pair.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await dgramExample();
