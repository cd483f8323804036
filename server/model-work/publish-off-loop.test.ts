import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ensureModelWorkBundle } from '../build/server-bundle.js';
import { systemActor } from '../services/deps.ts';
import { readLocalBundle, storeLocalFiles } from '../services/local-bundle.ts';
import { publishVersion } from '../services/publish.ts';
import { createTempDeps, type TempDeps } from '../testing/temp-deps.ts';
import type { ModelWork } from './model-work.ts';
import { createModelWorkThread } from './model-work-thread.ts';
import type { ModelWorkData } from './protocol.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const DETECTOR = path.join(ROOT, 'models', 'paddleocr-det');

let work: ModelWork;
const made: TempDeps[] = [];
beforeEach(async () => {
  const entry = await ensureModelWorkBundle(ROOT);
  work = createModelWorkThread({
    spawn: () => new Worker(entry, { workerData: { ortLogLevel: 'fatal' } satisfies ModelWorkData }),
  });
});
afterEach(async () => {
  await work.close();
  for (const deps of made.splice(0)) deps.dispose();
  vi.restoreAllMocks();
});

/** A fresh registry (so each publish makes its compiled form) whose onnxruntime work runs on `on`. */
function registry(on: 'thread' | 'event loop'): TempDeps {
  const deps = createTempDeps();
  made.push(deps);
  return on === 'thread' ? { ...deps, modelWork: work } : deps;
}

/** Watches the event loop with a 1 ms timer; `stop` says the longest it went without turning. */
function watchEventLoop(): { stop(): number } {
  let last = performance.now();
  let worst = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    worst = Math.max(worst, now - last);
    last = now;
  }, 1);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(worst, performance.now() - last);
    },
  };
}

/** The median of three onnxruntime-node loads of `bytes` as written on this thread, after a warm-up load. */
async function oneLoadMs(bytes: Uint8Array): Promise<number> {
  const ort = await import('onnxruntime-node');
  const options = { graphOptimizationLevel: 'disabled' as const, logSeverityLevel: 4 as const };
  await (await ort.InferenceSession.create(bytes, options)).release();
  const took: number[] = [];
  for (let i = 0; i < 3; i++) {
    const start = performance.now();
    const session = await ort.InferenceSession.create(bytes, options);
    took.push(performance.now() - start);
    await session.release();
  }
  return took.sort((a, b) => a - b)[1] ?? Number.NaN;
}

/**
 * The longest the event loop went without turning while `into` published the example bundle
 * `models/<name>` (uploaded first, not timed).
 */
async function worstStall(into: TempDeps, name: string): Promise<number> {
  const bundle = await readLocalBundle(path.join(ROOT, 'models', name));
  const files = await storeLocalFiles(bundle, into.blobs, into.maxFileBytes);
  const loop = watchEventLoop();
  await publishVersion(into, { manifest: bundle.manifest, files }, systemActor);
  return loop.stop();
}

describe('publishing on the model-work thread', () => {
  it("keeps the event loop turning while it checks and compiles PaddleOCR's detector: its longest stall is under half an onnxruntime load of the model, where publishing on the event loop stalls it for longer", async () => {
    // Warm both paths (the thread's start, first queries, onnxruntime's own start) on a small model.
    await worstStall(registry('thread'), 'digits');
    await worstStall(registry('event loop'), 'digits');
    const load = await oneLoadMs(new Uint8Array(readFileSync(path.join(DETECTOR, 'model.onnx'))));

    // The same publish on the event loop, as it ran before the thread: the control.
    const inProcess = await worstStall(registry('event loop'), 'paddleocr-det');
    // Best of three: other processes on this machine can keep it from scheduling the event loop
    // for a while, whatever runs where; publishing on the event loop stalls it on every try.
    const onThread: number[] = [];
    while (onThread.length < 3 && !onThread.some((stall) => stall < load / 2)) {
      onThread.push(await worstStall(registry('thread'), 'paddleocr-det'));
    }

    const measured = `one load ${load.toFixed(1)} ms; longest stall in-process ${inProcess.toFixed(1)} ms, on the thread ${onThread.map((ms) => ms.toFixed(1)).join(', ')} ms`;
    // Half a load: well above the thread's stalls (timers, reading and hashing the files,
    // signing) and well below the control's, which holds the loop for a load of the model or more.
    expect(inProcess, measured).toBeGreaterThan(load / 2);
    expect(Math.min(...onThread), measured).toBeLessThan(load / 2);
  }, 60_000);

  it('creates no onnxruntime session on the event loop', async () => {
    const ort = await import('onnxruntime-node');
    const create = vi.spyOn(ort.InferenceSession, 'create');
    await worstStall(registry('thread'), 'paddleocr-det');
    expect(create).not.toHaveBeenCalled();
    // The control: in-process, the same publish makes its four sessions here.
    await worstStall(registry('event loop'), 'paddleocr-det');
    expect(create).toHaveBeenCalled();
  }, 60_000);
});
