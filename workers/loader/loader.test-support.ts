// Test support only (imported by *.test.ts, never by the worker): a registry in memory that signs
// manifests with a throwaway key and answers the routes the loader asks, and a cache to load into.
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { toBase64 } from '$shared/encoding/bytes.ts';
import { ONNXRUNTIME_VERSION } from '$shared/schemas/manifest.ts';
import { canonicalBytes } from '$shared/signing/canonical-json.ts';
import { keyIdOf } from '$shared/signing/verify.ts';
import { createMemoryStore } from '../cache/memory-store.ts';
import { createModelCache } from '../cache/model-cache.ts';
import type { DeliverySettings } from './delivered-files.ts';
import type { LoadBundleOptions } from './load-bundle.ts';
import type { ModelRequest } from './manifest.ts';

const { publicKey, privateKey } = generateKeyPairSync('ed25519');
const spki = publicKey.export({ format: 'der', type: 'spki' });
/** The registry's public key, raw. */
export const raw = new Uint8Array(spki.subarray(spki.length - 32));
/** Hex sha256 of `b`. */
export const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** A worker's delivery settings where a compiled form, when listed, is delivered. */
export const delivery: DeliverySettings = { compiledModels: true, backend: 'auto', webGpuApi: false };

/** A registry in memory, answering the same routes as a Ferry server. */
export function fakeRegistry() {
  const blobs = new Map<string, Uint8Array>();
  const manifests = new Map<string, unknown>();
  const requests: string[] = [];
  let online = true;
  let metadataVersion = 0;
  const order: string[] = [];
  async function signEnvelope(signed: Record<string, unknown>) {
    const sig = toBase64(new Uint8Array(sign(null, canonicalBytes(signed), privateKey)));
    return { signed, signatures: [{ keyid: await keyIdOf(raw), sig }] };
  }
  /** The blob of `text`, served from now on; its digest and size. */
  function put(text: string) {
    const bytes = new TextEncoder().encode(text);
    blobs.set(sha(bytes), bytes);
    return { sha256: sha(bytes), size: bytes.length };
  }
  /** Publishes `files` (path → contents); `compiled` (path → contents) lists compiled forms. */
  async function publish(
    version: string,
    files: Record<string, string>,
    compiled: Record<string, string> = {},
  ) {
    const entries = Object.entries(files).map(([path, text]) => {
      const form = compiled[path];
      return {
        path,
        role: path.endsWith('.onnx') ? 'onnx' : 'other',
        ...put(text),
        ...(form === undefined
          ? {}
          : {
              compiled: {
                format: 'ort',
                optimization: 'extended',
                onnxruntime: ONNXRUNTIME_VERSION,
                ...put(form),
              },
            }),
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
    manifests.set(version, await signEnvelope(signed));
    order.push(version);
    return entries;
  }
  /** Re-signs `version` with `status` and a new metadataVersion, as versions.setStatus does. */
  async function setStatus(version: string, status: 'published' | 'deprecated' | 'yanked') {
    const { signed } = manifests.get(version) as { signed: Record<string, unknown> };
    manifests.set(version, await signEnvelope({ ...signed, status, metadataVersion: ++metadataVersion }));
  }
  /** The newest version not yanked, as the server's `latest` alias. */
  const latest = () =>
    order.findLast((v) => (manifests.get(v) as { signed: { status: string } }).signed.status !== 'yanked');
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
    const ref = decodeURIComponent(version);
    const envelope = manifests.get(ref === 'latest' ? (latest() ?? '') : ref);
    return envelope
      ? Response.json(envelope)
      : Response.json({ error: { code: 'BUNDLE_NOT_FOUND', message: 'no' } }, { status: 404 });
  }) as typeof fetch;
  const blobRequests = () => requests.filter((p) => p.includes('/blobs/')).length;
  return {
    publish,
    setStatus,
    blobs,
    /** The blob paths asked for, in order. */
    blobPaths: () => requests.filter((p) => p.includes('/blobs/')),
    fetch: fetchFn,
    requests,
    blobRequests,
    setOnline: (v: boolean) => (online = v),
  };
}

/** A registry and an empty memory cache; `options(request)` loads `digits` from one into the other. */
export function loaderSetup(registry = fakeRegistry()) {
  const store = createMemoryStore();
  const cache = createModelCache(store, { budgetBytes: 1e6 });
  const options = <R extends Omit<ModelRequest, 'name'>>(request: R): LoadBundleOptions & { request: R } => ({
    request: { name: 'digits', ...request },
    serverUrl: 'http://ferry.test',
    key: { publicKey: raw },
    cache,
    fetch: registry.fetch,
    delivery,
  });
  return { registry, store, cache, options };
}
