import { loadConfig } from './config.ts';
import { createFerry, type Ferry } from './ferry.ts';

// One backend per process, shared between the start script (run by tsx) and the SvelteKit
// bundle (which holds its own copy of this module): a global symbol is the one name both see.
const KEY = Symbol.for('ferry.runtime');

type Holder = { [KEY]?: Promise<Ferry> };

/**
 * Creates the process's Ferry backend from `process.env` on first call and returns the same one
 * afterwards (also across module copies and dev-server reloads). Rejects when configuration or
 * start-up fails.
 */
export function initFerry(): Promise<Ferry> {
  const holder = globalThis as Holder;
  holder[KEY] ??= createFerry(loadConfig(process.env));
  return holder[KEY];
}
