// A plain ES module served as-is (.mjs keeps it out of the app type check, where its /sdk/ import
// cannot resolve); its contract is typed on the test side, in support/harness.ts.
// The page the browser tests drive: it imports the built SDK exactly as a product team would and
// exposes small helpers on window.harness, taking and returning only JSON-friendly values.
import { createFerryClient } from '/sdk/client.js';

const clients = new Map();
const models = new Map();
/** Client id → the Workers its `worker` factory made, newest last. */
const madeWorkers = new Map();
/** Calls started by `begin`, by handle key: their outcome, once settled. */
const pending = new Map();

const ARRAYS = { float32: Float32Array, int32: Int32Array, int64: BigInt64Array, uint8: Uint8Array };

const plainError = (e) => ({
  name: e?.name,
  code: e?.code,
  message: e?.message,
  details: e?.details ?? null,
});

function toInput(input) {
  if (input.kind === 'text') return input.text;
  if (input.kind === 'filled') {
    const data = new Float32Array(input.dims.reduce((a, b) => a * b, 1)).fill(input.value);
    return { [input.name]: { data, dims: input.dims } };
  }
  if (input.kind === 'tabular') return input.values;
  if (input.kind === 'image') {
    return { image: new ImageData(new Uint8ClampedArray(input.rgba), input.width, input.height) };
  }
  const tensors = {};
  for (const [name, t] of Object.entries(input.tensors)) {
    const data = t.type === 'int64' ? t.data.map((v) => BigInt(v)) : t.data;
    tensors[name] = { data: ARRAYS[t.type].from(data), dims: t.dims };
  }
  return tensors;
}

function plainResult(result) {
  const outputs = {};
  for (const [name, o] of Object.entries(result.outputs)) {
    outputs[name] = {
      type: o.type,
      dims: o.dims,
      data: Array.from(o.data, Number),
      transferable: o.data.buffer instanceof ArrayBuffer,
    };
  }
  return { outputs, scores: result.scores, latencyMs: result.latencyMs };
}

window.harness = {
  /** Creates a client; `options.workerUrl` (not JSON-able as a function) becomes the `worker` factory. */
  open(id, options) {
    const { workerUrl, ...rest } = options;
    madeWorkers.set(id, []);
    const worker = workerUrl
      ? () => {
          const made = new Worker(workerUrl, { type: 'module', name: 'ferry' });
          madeWorkers.get(id).push(made);
          return made;
        }
      : undefined;
    clients.set(id, createFerryClient(worker ? { ...rest, worker } : rest));
  },
  /** Loads `name` on client `clientId`; `options.key` names the handle (default: `name`). */
  async load(clientId, name, options = {}) {
    const { key = name, ...selector } = options;
    const model = clients.get(clientId).model(name, selector);
    models.set(key, model);
    const progress = [];
    const errors = [];
    const versionChanges = [];
    model.on('progress', (p) => progress.push(p));
    model.on('error', (e) => errors.push(plainError(e)));
    model.on('versionChanged', (c) => versionChanges.push(c));
    try {
      const info = await model.ready();
      return { ok: true, info, progress, errors, versionChanges };
    } catch (e) {
      return { ok: false, error: plainError(e), progress, errors, versionChanges };
    }
  },
  async run(key, input) {
    const converted = toInput(input);
    const buffers = typeof converted === 'object' ? Object.values(converted).map((v) => v?.data) : [];
    try {
      const result = await models.get(key).run(converted);
      return { ok: true, result: plainResult(result), detached: buffers.map((b) => b?.byteLength === 0) };
    } catch (e) {
      return { ok: false, error: plainError(e) };
    }
  },
  /** Round trips of `run()` and bare in-worker inferences, each `iterations` times, in ms. */
  async measure(key, input, iterations) {
    const model = models.get(key);
    const roundTripMs = [];
    for (let i = 0; i < iterations; i++) {
      const start = performance.now();
      await model.run(toInput(input));
      roundTripMs.push(performance.now() - start);
    }
    return { roundTripMs, workerMs: await model.measure(toInput(input), iterations) };
  },
  /** Milliseconds from creating a client to the first result of `name` on `input`. */
  async timeToFirstInference(options, name, input) {
    const start = performance.now();
    const model = createFerryClient(options).model(name);
    const info = await model.ready();
    await model.run(toInput(input));
    return { ms: performance.now() - start, info };
  },
  /** Decodes an image file of the bundle (model.file) as a canvas would and runs the model on it. */
  async runBundleImage(key, path) {
    const model = models.get(key);
    const bytes = await model.file(path);
    const bitmap = await createImageBitmap(new Blob([bytes]), {
      colorSpaceConversion: 'none',
      premultiplyAlpha: 'none',
    });
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    const context = canvas.getContext('2d');
    context.drawImage(bitmap, 0, 0);
    const image = context.getImageData(0, 0, bitmap.width, bitmap.height);
    const result = await model.run({ image });
    const dims = Object.fromEntries(Object.entries(result.outputs).map(([name, o]) => [name, o.dims]));
    return { boxes: result.boxes, dims, fileBytes: bytes.byteLength };
  },
  /** Starts `model.measure(input, iterations)` on handle `key` without waiting: a pending call. */
  begin(key, input, iterations) {
    const call = models.get(key).measure(toInput(input), iterations);
    pending.set(
      key,
      call.then(
        () => ({ ok: true }),
        (e) => ({ ok: false, error: plainError(e) }),
      ),
    );
  },
  /** The outcome of the call `begin` started on handle `key`, once it settles. */
  outcome(key) {
    return pending.get(key);
  },
  /**
   * Terminates the newest Worker that client `clientId`'s `worker` factory made, from outside the
   * SDK (as the browser does to a worker it kills): the client is not told. Returns how many
   * Workers the factory has made so far.
   */
  killWorker(clientId) {
    const made = madeWorkers.get(clientId);
    made.at(-1).terminate();
    return made.length;
  },
  /** How many Workers client `clientId`'s `worker` factory has made. */
  workersMade(clientId) {
    return madeWorkers.get(clientId).length;
  },
  async dispose(key) {
    await models.get(key).dispose();
  },
  async status(clientId) {
    return clients.get(clientId).status();
  },
  /** Runs `key` on each input in turn; the number of runs that succeeded. */
  async runEach(key, inputs) {
    let ok = 0;
    for (const input of inputs) {
      await models.get(key).run(toInput(input));
      ok++;
    }
    return ok;
  },
  /** Queues what the client's telemetry counted so far (as the page hiding does). */
  async flushTelemetry(clientId) {
    await clients.get(clientId).flushTelemetry();
  },
  terminate(clientId) {
    clients.get(clientId).terminate();
  },
  /** What Ferry's IndexedDB holds: blob keys and, per model, the cached versions. */
  async cached() {
    const db = await new Promise((resolve, reject) => {
      const open = indexedDB.open('ferry');
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(open.error);
    });
    const all = (store, method) =>
      new Promise((resolve, reject) => {
        const req = db.transaction(store).objectStore(store)[method]();
        req.onsuccess = () => resolve(req.result);
        req.onerror = () => reject(req.error);
      });
    const blobs = await all('blobs', 'getAllKeys');
    const records = await all('records', 'getAll');
    db.close();
    return {
      blobs,
      models: Object.fromEntries(records.map((r) => [r.name, r.versions.map((v) => v.version)])),
    };
  },
};
