// The page the rollout-control browser tests drive (typed on the test side in
// support/control-page.ts). It imports the built SDK as a product team would and records, per
// model handle, every versionChanged, assignment and error event with the wall-clock time it
// arrived, and can keep a loop of run() calls going while control switches versions.
import { createFerryClient } from '/sdk/client.js';

const clients = new Map();
const handles = new Map();
const loops = new Map();

const plainError = (e) => ({ code: e?.code, message: e?.message });
const digitsInput = () => ({ pixels: { data: new Float32Array(64).fill(0.5), dims: [1, 1, 8, 8] } });

window.control = {
  open(id, options) {
    clients.set(id, createFerryClient(options));
  },
  async load(key, { client, name, selector = {} }) {
    const model = clients.get(client).model(name, selector);
    const record = { model, versionChanges: [], assignments: [], errors: [] };
    handles.set(key, record);
    model.on('versionChanged', (change) => record.versionChanges.push({ ...change, at: Date.now() }));
    model.on('assignment', (assignment) => record.assignments.push(assignment));
    model.on('error', (e) => record.errors.push(plainError(e)));
    try {
      const info = await model.ready();
      return { ok: true, version: info.version, assignment: info.assignment };
    } catch (e) {
      return { ok: false, error: plainError(e) };
    }
  },
  /** What handle `key` runs now and every event it has seen. */
  state(key) {
    const { model, versionChanges, assignments, errors } = handles.get(key);
    return {
      version: model.info?.version ?? null,
      assignment: model.assignment(),
      versionChanges,
      assignments,
      errors,
    };
  },
  async run(key) {
    try {
      await handles.get(key).model.run(digitsInput());
      return { ok: true };
    } catch (e) {
      return { ok: false, error: plainError(e) };
    }
  },
  /** Starts run() calls one after another on `key` until `stopLoop`. */
  startLoop(key) {
    const loop = { running: true, runs: 0, failures: [] };
    loop.done = (async () => {
      while (loop.running) {
        try {
          await handles.get(key).model.run(digitsInput());
          loop.runs++;
        } catch (e) {
          loop.failures.push(plainError(e));
        }
      }
    })();
    loops.set(key, loop);
  },
  loopRuns: (key) => loops.get(key).runs,
  async stopLoop(key) {
    const loop = loops.get(key);
    loop.running = false;
    await loop.done;
    return { runs: loop.runs, failures: loop.failures };
  },
  /** The device id as the worker stored it (same origin, same IndexedDB). */
  deviceId() {
    return new Promise((resolve, reject) => {
      const open = indexedDB.open('ferry-control');
      open.onerror = () => reject(open.error);
      open.onsuccess = () => {
        const get = open.result.transaction('state').objectStore('state').get('device-id');
        get.onsuccess = () => resolve(get.result ?? null);
        get.onerror = () => reject(get.error);
      };
    });
  },
  terminate(clientId) {
    clients.get(clientId).terminate();
  },
};
