import { fromBase64 } from '$shared/encoding/bytes.ts';
import { invalidInput } from './errors.ts';
import type { BackendPreference } from './types.ts';

/** Test-only switches, documented on the client option that sets them. */
export interface TestHooks {
  loseWebGpuAdapter?: boolean;
}

/** The worker's settings, as the client sends them. */
export interface WorkerConfig {
  serverUrl: string;
  publicKey: string;
  keyid?: string;
  cache: 'indexeddb' | 'memory';
  cacheBudgetBytes: number;
  backend: BackendPreference;
  numThreads?: number;
  assetsUrl?: string;
  testHooks: TestHooks;
}

/** Checks every option and names the first bad one (INVALID_INPUT). */
export function parseWorkerConfig(options: WorkerConfig): WorkerConfig {
  try {
    const url = new URL(options.serverUrl);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError('not http(s)');
  } catch {
    throw invalidInput(
      'serverUrl',
      `must be an absolute http(s) URL, got ${JSON.stringify(options.serverUrl)}`,
    );
  }
  let key: Uint8Array | undefined;
  try {
    key = fromBase64(options.publicKey);
  } catch {
    key = undefined;
  }
  if (key?.length !== 32) throw invalidInput('publicKey', 'must be base64 of the raw 32-byte Ed25519 key');
  if (options.keyid !== undefined && !/^[0-9a-f]{64}$/.test(options.keyid)) {
    throw invalidInput('keyid', 'must be 64 lowercase hex digits');
  }
  if (options.cache !== 'indexeddb' && options.cache !== 'memory')
    throw invalidInput('cache', 'indexeddb or memory');
  if (!(options.cacheBudgetBytes >= 0))
    throw invalidInput('cacheBudgetBytes', 'must be a non-negative number');
  if (!['auto', 'wasm', 'webgpu'].includes(options.backend))
    throw invalidInput('backend', 'auto, wasm or webgpu');
  if (
    options.numThreads !== undefined &&
    !(Number.isInteger(options.numThreads) && options.numThreads >= 1)
  ) {
    throw invalidInput('numThreads', 'must be a positive integer');
  }
  if (options.assetsUrl !== undefined && !URL.canParse(options.assetsUrl)) {
    throw invalidInput('assetsUrl', 'must be an absolute URL of the folder holding the .wasm files');
  }
  return options;
}
