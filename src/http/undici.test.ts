import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadUndici } from './undici.ts';

test('loadUndici returns the one undici module (the instance the application imports)', async () => {
  const u = loadUndici();
  assert.equal(loadUndici(), u);
  const imported = await import('undici');
  assert.equal(u.Agent, imported.Agent);
  assert.equal(typeof u.fetch, 'function');
});

test('importing src/http and creating/closing an http module does not load undici; fetch does', () => {
  // A fresh process: this one may have undici loaded already.
  const index = fileURLToPath(new URL('./index.ts', import.meta.url));
  const script = `
    import { createRequire } from 'node:module';
    const { createHttp } = await import(${JSON.stringify(index)});
    const loaded = () => Object.keys(createRequire(import.meta.url).cache).some((k) => k.includes('/node_modules/undici/'));
    const out = [loaded()];
    const h = createHttp({ connect() { throw new Error('unused'); }, isIP: () => 0, createServer() {} });
    await h.close();
    out.push(loaded());
    h.dispatcher;
    out.push(loaded());
    await h.close();
    console.log(JSON.stringify(out));`;
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    encoding: 'utf8',
  });
  assert.deepEqual(JSON.parse(out.trim().split('\n').pop()!), [false, false, true]);
});
