import { ErrorCode, FerryError } from '$shared/errors.ts';
import type * as TransformersModule from '@huggingface/transformers';
import type { OrtRuntime } from './ort-runtime.ts';

type Transformers = typeof TransformersModule;

const LOCAL_PREFIX = '/__ferry_bundles__/';
const bundles = new Map<string, ReadonlyMap<string, Uint8Array>>();
let loading: Promise<Transformers> | undefined;
let nextId = 0;

/**
 * transformers.js's `env.fetch`: answers from the verified bundles registered below and nothing
 * else. A file the bundle lacks is a 404 (transformers.js probes optional files that way); any
 * other URL is refused, so transformers.js can never reach the network.
 */
async function serveBundleFile(input: string | URL): Promise<Response> {
  const url = String(input);
  if (!url.startsWith(LOCAL_PREFIX)) {
    throw new FerryError(
      ErrorCode.INTERNAL,
      `transformers.js asked for ${url}; Ferry serves verified bundle files only`,
    );
  }
  const [owner, name, ...rest] = url.slice(LOCAL_PREFIX.length).split('/');
  const bytes = bundles.get(`${owner}/${name}`)?.get(rest.join('/'));
  if (!bytes) return new Response(null, { status: 404 });
  // The Response copies a BufferSource body when it is built (Fetch "extract a body"), so nothing
  // transformers.js does with it can reach the registered bytes. Only a view of a SharedArrayBuffer,
  // which a body refuses, needs a copy of our own (bundle bytes never are one today).
  const body = onArrayBuffer(bytes) ? bytes : bytes.slice();
  return new Response(body, { headers: { 'Content-Length': String(bytes.byteLength) } });
}

const onArrayBuffer = (bytes: Uint8Array): bytes is Uint8Array<ArrayBuffer> =>
  bytes.buffer instanceof ArrayBuffer;

/**
 * transformers.js, imported once per worker and wired to Ferry: it runs on the onnxruntime-web
 * this worker already loaded (injected through `Symbol.for('onnxruntime')` before the import,
 * with our wasm paths), loads files only from {@link registerBundle}, never from the Hub, and
 * keeps no cache of its own (Ferry's verified cache is the only one).
 */
export function loadTransformers(runtime: Pick<OrtRuntime, 'ort'>): Promise<Transformers> {
  loading ??= (async () => {
    (globalThis as Record<symbol, unknown>)[Symbol.for('onnxruntime')] = runtime.ort;
    const tf = await import('@huggingface/transformers');
    Object.assign(tf.env, {
      allowRemoteModels: false,
      allowLocalModels: true,
      localModelPath: LOCAL_PREFIX,
      useBrowserCache: false,
      useFSCache: false,
      useCustomCache: false,
      useWasmCache: false,
      fetch: serveBundleFile,
    });
    return tf;
  })();
  loading.catch(() => (loading = undefined));
  return loading;
}

/** Makes `files` (bundle path → verified bytes) loadable as a model id; returns the id and its release. */
export function registerBundle(
  name: string,
  files: ReadonlyMap<string, Uint8Array>,
): { id: string; release(): void } {
  const id = `m${nextId++}/${name}`;
  bundles.set(id, files);
  return { id, release: () => void bundles.delete(id) };
}
