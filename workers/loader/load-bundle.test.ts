import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { toBase64 } from '$shared/encoding/bytes.ts';
import { canonicalBytes } from '$shared/signing/canonical-json.ts';
import { keyIdOf } from '$shared/signing/verify.ts';
import { createMemoryStore } from '../cache/memory-store.ts';
import { createModelCache } from '../cache/model-cache.ts';
import type { LoadProgress, VersionChange } from '../types.ts';
import { loadBundle } from './load-bundle.ts';

const { publicKey, privateKey } = generateKeyPairSync('ed25519');
const spki = publicKey.export({ format: 'der', type: 'spki' });
const raw = new Uint8Array(spki.subarray(spki.length - 32));
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** A registry in memory, answering the same routes as a Ferry server. */
function fakeRegistry() {
  const blobs = new Map<string, Uint8Array>();
  const manifests = new Map<string, unknown>();
  const requests: string[] = [];
  let online = true;
  let metadataVersion = 0;
  async function publish(version: string, files: Record<string, string>) {
    const entries = Object.entries(files).map(([path, text]) => {
      const bytes = new TextEncoder().encode(text);
      blobs.set(sha(bytes), bytes);
      return {
        path,
        role: path.endsWith('.onnx') ? 'onnx' : 'other',
        sha256: sha(bytes),
        size: bytes.length,
      };
    });
    const signed = {
      _type: 'ferry/manifest',
      schemaVersion: 1,
      name: 'digits',
      version,
      task: 'custom',
      description: 'd',
      license: 'MIT',
      source: { description: 's' },
      signature: {
        inputs: [{ name: 'x', type: 'float32', shape: [1] }],
        outputs: [{ name: 'y', type: 'float32', shape: [1] }],
      },
      files: entries,
      metadataVersion: ++metadataVersion,
      publishedAt: '2026-11-25T12:00:00.000Z',
      status: 'published',
    };
    const sig = toBase64(new Uint8Array(sign(null, canonicalBytes(signed), privateKey)));
    const envelope = { signed, signatures: [{ keyid: await keyIdOf(raw), sig }] };
    manifests.set(version, envelope);
    manifests.set('latest', envelope);
    return entries;
  }
  const fetchFn = (async (input: RequestInfo | URL) => {
    const url = new URL(String(input));
    requests.push(url.pathname);
    if (!online) throw new TypeError('Failed to fetch');
    const blob = /\/blobs\/(\w+)$/.exec(url.pathname);
    if (blob) {
      const bytes = blobs.get(blob[1]!);
      return bytes ? new Response(bytes.slice()) : new Response('{}', { status: 404 });
    }
    const version = /\/versions\/([^/]+)\/manifest$/.exec(url.pathname)?.[1] ?? '';
    const envelope = manifests.get(decodeURIComponent(version));
    return envelope
      ? Response.json(envelope)
      : Response.json({ error: { code: 'BUNDLE_NOT_FOUND', message: 'no' } }, { status: 404 });
  }) as typeof fetch;
  const blobRequests = () => requests.filter((p) => p.includes('/blobs/')).length;
  return { publish, blobs, fetch: fetchFn, blobRequests, setOnline: (v: boolean) => (online = v) };
}

function setup() {
  const registry = fakeRegistry();
  const store = createMemoryStore();
  const cache = createModelCache(store, { budgetBytes: 1e6 });
  const progress: LoadProgress[] = [];
  const changes: VersionChange[] = [];
  const load = (request: { version?: string } = {}) =>
    loadBundle({
      request: { name: 'digits', ...request },
      serverUrl: 'http://ferry.test',
      key: { publicKey: raw },
      cache,
      fetch: registry.fetch,
      onProgress: (p) => progress.push(p),
      onVersionChange: (c) => changes.push(c),
    });
  return { registry, store, load, progress, changes };
}

const decode = (b: Uint8Array | undefined) => new TextDecoder().decode(b);

describe('loadBundle', () => {
  it('downloads each blob once on a cold load and none from the warm cache', async () => {
    const { registry, load, progress } = setup();
    await registry.publish('1.0.0', { 'model.onnx': 'weights', 'labels.txt': 'a,b', 'copy.txt': 'a,b' });
    const cold = await load();
    expect(registry.blobRequests()).toBe(2);
    expect(cold).toMatchObject({
      fromCache: false,
      bytesDownloaded: 10,
      offline: false,
      cache: { persisted: true },
    });
    expect(progress.at(-1)).toMatchObject({ loaded: 13, total: 13, fraction: 1 });
    const warm = await load();
    expect(registry.blobRequests()).toBe(2);
    expect(warm.fromCache).toBe(true);
    expect(decode(warm.files.get('model.onnx'))).toBe('weights');
  });

  it('loads the cached version when the server is unreachable', async () => {
    const { registry, load } = setup();
    await registry.publish('1.0.0', { 'model.onnx': 'weights' });
    await load();
    registry.setOnline(false);
    const offline = await load();
    expect(offline).toMatchObject({ offline: true, fromCache: true });
    expect(offline.manifest.version).toBe('1.0.0');
  });

  it('fails offline with NETWORK_ERROR when nothing is cached', async () => {
    const { registry, load } = setup();
    registry.setOnline(false);
    await expect(load()).rejects.toMatchObject({ code: 'NETWORK_ERROR' });
  });

  it('keeps the last good version when a new version has an altered blob, caching nothing of it', async () => {
    const { registry, store, load, changes } = setup();
    await registry.publish('1.0.0', { 'model.onnx': 'weights-1' });
    await load();
    const [file] = await registry.publish('1.1.0', { 'model.onnx': 'weights-2' });
    registry.blobs.set(file!.sha256, new TextEncoder().encode('weights-X'));
    const loaded = await load();
    expect(loaded.manifest.version).toBe('1.0.0');
    expect(loaded.fallbackFrom).toMatchObject({ requested: 'latest', code: 'INTEGRITY_MISMATCH' });
    expect(loaded.fallbackFrom?.message).toContain('model.onnx');
    expect(await store.blobs.keys()).not.toContain(file!.sha256);
    expect(changes).toEqual([]);
    await expect(load({ version: '1.1.0' })).rejects.toMatchObject({ code: 'INTEGRITY_MISMATCH' });
  });

  it('reports a channel that moved to a new version', async () => {
    const { registry, load, changes } = setup();
    await registry.publish('1.0.0', { 'model.onnx': 'weights-1' });
    await load();
    await registry.publish('1.1.0', { 'model.onnx': 'weights-2' });
    expect((await load()).manifest.version).toBe('1.1.0');
    expect(changes).toEqual([{ name: 'digits', from: '1.0.0', to: '1.1.0' }]);
  });
});
