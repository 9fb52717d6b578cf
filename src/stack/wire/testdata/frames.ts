/**
 * Real frames captured from Linux for the wire-format tests (see linux-frames.json `_source`): Linux at
 * 10.77.0.1 / fd00::1 with MAC 02:00:00:00:00:01, its peer 10.77.0.2 / fd00::2 at 02:00:00:00:00:02.
 * @module
 */
import { readFileSync } from 'node:fs';
import { fromHex } from '../../../util/bytes.ts';

const data = JSON.parse(readFileSync(new URL('./linux-frames.json', import.meta.url), 'utf8')) as Record<
  string,
  { frames: string[] }
>;

/** The frames of capture `name` as bytes (whole Ethernet frames). */
export function frames(name: string): Uint8Array[] {
  const e = data[name];
  if (!e) throw new Error(`no capture ${name}`);
  return e.frames.map((h) => fromHex(h));
}

/** The first frame of capture `name`. */
export function frame(name: string): Uint8Array {
  return frames(name)[0];
}
