import { once } from 'node:events';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ErrorCode, isFerryError, verifyManifest, type BundleManifest, type UploadedFile } from '$shared';
import { ensureModelWorkBundle } from '../build/server-bundle.js';
import { systemActor } from '../services/deps.ts';
import { readLocalBundle, storeLocalFiles } from '../services/local-bundle.ts';
import { isPublished, publishVersion, publishVersionFor } from '../services/publish.ts';
import { getEnvelope } from '../services/registry.ts';
import { whyNotTheSame } from '../compile/same-outputs.ts';
import { createTempDeps, type TempDeps } from '../testing/temp-deps.ts';
import type { ModelWork } from './model-work.ts';
import { createModelWorkThread, type ModelWorkThreadOptions } from './model-work-thread.ts';
import type { ModelWorkData } from './protocol.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');

let deps: TempDeps;
let entry: string;
let work: ModelWork | null = null;
let spawned = 0;

beforeEach(async () => {
  entry = await ensureModelWorkBundle(ROOT);
  deps = createTempDeps();
  spawned = 0;
});
afterEach(async () => {
  await work?.close();
  work = null;
  deps.dispose();
  vi.restoreAllMocks();
});

const realThread = () => {
  spawned++;
  return new Worker(entry, { workerData: { ortLogLevel: 'fatal' } satisfies ModelWorkData });
};
/** Real threads, each one's exit awaitable in `exits` (in the order they were started). */
function watchedThreads() {
  const exits: Promise<unknown>[] = [];
  const spawn = () => {
    const worker = realThread();
    exits.push(once(worker, 'exit'));
    return worker;
  };
  return { spawn, exits };
}
/** A thread that dies on its first job, as one would if onnxruntime's binding threw past its caller. */
const dyingThread = () => {
  spawned++;
  return new Worker(
    "require('node:worker_threads').parentPort.on('message', () => { throw new Error('onnxruntime blew up'); });",
    { eval: true, stderr: true },
  );
};

/** `deps` publishing through a model-work thread made with `options`. */
function onThread(options: ModelWorkThreadOptions): TempDeps {
  work = createModelWorkThread(options);
  return { ...deps, modelWork: work };
}

/** The example bundle `models/<name>` with its files uploaded, ready to publish. */
async function example(name: string): Promise<{ manifest: BundleManifest; files: UploadedFile[] }> {
  const bundle = await readLocalBundle(path.join(ROOT, 'models', name));
  return { manifest: bundle.manifest, files: await storeLocalFiles(bundle, deps.blobs, deps.maxFileBytes) };
}

/** The files digits@`version`'s signed manifest in `from` lists. */
async function signedFiles(from: TempDeps, version: string) {
  const envelope: unknown = JSON.parse(getEnvelope(from.db, 'digits', version).body);
  return (await verifyManifest(envelope, { publicKey: from.signer.publicKey })).files;
}

/** The FerryError `promise` rejects with; anything else fails the test. */
async function refusal(promise: Promise<unknown>) {
  const outcome = await promise.then(
    () => new Error('expected a refusal'),
    (error: unknown) => error,
  );
  if (!isFerryError(outcome)) throw outcome;
  return outcome;
}

// Each test publishes real models on a 2-core machine shared with other work: seconds, not milliseconds.
describe('the model-work thread', { timeout: 30_000 }, () => {
  it('publishes with a compiled form made on the thread, as in-process, that gives the original’s outputs', async () => {
    const input = await example('digits');
    const { version } = await publishVersion(onThread({ spawn: realThread }), input, systemActor);
    expect(spawned).toBe(1);
    const other = createTempDeps();
    try {
      const files = await storeLocalFiles(
        await readLocalBundle(path.join(ROOT, 'models', 'digits')),
        other.blobs,
        other.maxFileBytes,
      );
      await publishVersion(other, { manifest: input.manifest, files }, systemActor);
      const threaded = await signedFiles(deps, version);
      const local = await signedFiles(other, version);
      // onnxruntime's saved form differs run to run in bytes that do not matter, not in size.
      const digestless = (files: typeof threaded) =>
        files.map((file) => ({ ...file, compiled: { ...file.compiled, sha256: undefined } }));
      expect(digestless(threaded)).toEqual(digestless(local));
      const compiled = await deps.blobs.readAll(threaded[0]?.compiled?.sha256 ?? '');
      const original = await deps.blobs.readAll(input.files[0]?.sha256 ?? '');
      expect(await whyNotTheSame(original, compiled)).toBeUndefined();
    } finally {
      other.dispose();
    }
  });

  it('refuses a signature mismatch with the same FerryError as in-process', async () => {
    const input = await example('digits');
    // digits' logits are [batch, 10].
    const manifest = structuredClone(input.manifest);
    const logits = manifest.signature.outputs[0];
    if (logits) logits.shape = ['batch', 11];
    const threaded = await refusal(
      publishVersion(onThread({ spawn: realThread }), { ...input, manifest }, systemActor),
    );
    const local = await refusal(publishVersion(deps, { ...input, manifest }, systemActor));
    expect(threaded.code).toBe(ErrorCode.SIGNATURE_MISMATCH);
    expect({ message: threaded.message, details: threaded.details }).toEqual({
      message: local.message,
      details: local.details,
    });
  });

  it('fails the one publish whose thread dies with ONNX_INVALID naming the file; the next publish gets a fresh thread', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const spawns = [dyingThread, realThread];
    const threaded = onThread({ spawn: () => (spawns.shift() ?? realThread)() });
    const input = await example('digits');
    const error = await refusal(publishVersion(threaded, input, systemActor));
    expect(error.code).toBe(ErrorCode.ONNX_INVALID);
    expect(error.message).toMatch(/^model\.onnx: onnxruntime's thread stopped \(exit code 1\)/);
    expect(error.details).toEqual({ file: 'model.onnx', reason: 'thread-stopped' });
    const { version } = input.manifest;
    expect(isPublished(deps.db, 'digits', version)).toBe(false);
    await publishVersion(threaded, input, systemActor);
    expect(isPublished(deps.db, 'digits', version)).toBe(true);
    expect(spawned).toBe(2);
  });

  it('drops a queued job whose caller aborts, and still runs the one ahead of it and the ones after', async () => {
    const threaded = onThread({ spawn: realThread });
    const digits = await example('digits');
    const job = async () => ({
      file: 'model.onnx',
      bytes: await deps.blobs.readAll(digits.files[0]?.sha256 ?? ''),
      signature: digits.manifest.signature,
      compile: true,
    });
    const ahead = threaded.modelWork.examine(await job());
    const cancel = new AbortController();
    const behind = threaded.modelWork.examine(await job(), cancel.signal);
    cancel.abort(new Error('the client went away'));
    await expect(behind).rejects.toThrow('the client went away');
    expect((await ahead).compiled?.byteLength).toBeGreaterThan(0);
    expect((await threaded.modelWork.examine(await job())).compiled?.byteLength).toBeGreaterThan(0);
    expect(spawned).toBe(1);
  });

  it('a publish whose request aborts while it waits for the thread writes nothing; the one ahead publishes', async () => {
    const thread = onThread({ spawn: realThread }).modelWork;
    // Says when each publish has handed its job over (its reads and queries come first).
    const handedOver: (() => void)[] = [];
    const handOver = () => new Promise<void>((resolve) => handedOver.push(resolve));
    const threaded: TempDeps = {
      ...deps,
      modelWork: {
        examine: (job, signal) => {
          const answer = thread.examine(job, signal);
          handedOver.shift()?.();
          return answer;
        },
        close: () => thread.close(),
      },
    };
    const detector = await example('paddleocr-det');
    const digits = await example('digits');
    let next = handOver();
    const ahead = publishVersion(threaded, detector, systemActor);
    await next;
    next = handOver();
    const cancel = new AbortController();
    const behind = publishVersionFor(threaded, digits, { actor: systemActor, signal: cancel.signal });
    await next;
    cancel.abort(new Error('the client went away'));
    await expect(behind).rejects.toThrow('the client went away');
    await ahead;
    expect(isPublished(deps.db, 'paddleocr-det', detector.manifest.version)).toBe(true);
    expect(isPublished(deps.db, 'digits', digits.manifest.version)).toBe(false);
  });

  it('stops when idle and starts again for the next job', async () => {
    const { spawn, exits } = watchedThreads();
    const threaded = onThread({ spawn, idleMs: 1 });
    const input = await example('digits');
    await publishVersion(threaded, input, systemActor);
    await exits[0];
    await publishVersion(
      threaded,
      { ...input, manifest: { ...input.manifest, version: '9.0.0' } },
      systemActor,
    );
    expect(exits).toHaveLength(2);
  });

  it('closes while onnxruntime compiles without aborting the process: the job is refused with UNAVAILABLE, the thread stops after', async () => {
    const detector = await example('paddleocr-det');
    const bytes = await deps.blobs.readAll(detector.files[0]?.sha256 ?? '');
    const job = {
      file: 'model.onnx',
      signature: detector.manifest.signature,
      compile: true,
    };
    // How long the whole job takes on a fresh thread here and now: fixed delays closed after it
    // had finished once the machine ran faster than when they were chosen.
    const timing = createModelWorkThread({ spawn: realThread });
    const started = performance.now();
    try {
      await timing.examine({ ...job, bytes: new Uint8Array(bytes) });
    } finally {
      await timing.close();
    }
    const wholeMs = performance.now() - started;
    // onnxruntime's own calls cannot be observed from here: close at a few points of the job
    // (loading, compiling, comparing); one inside an onnxruntime call used to abort the process.
    for (const share of [0.1, 0.3, 0.5]) {
      const { spawn, exits } = watchedThreads();
      const closing = createModelWorkThread({ spawn });
      const refused = refusal(closing.examine({ ...job, bytes: new Uint8Array(bytes) }));
      await new Promise((resolve) => setTimeout(resolve, share * wholeMs));
      await closing.close();
      expect((await refused).code).toBe(ErrorCode.UNAVAILABLE);
      await Promise.all(exits);
    }
  }, 60_000);

  it('refuses work after close with UNAVAILABLE', async () => {
    const threaded = onThread({ spawn: realThread });
    await threaded.modelWork.close();
    const input = await example('digits');
    expect((await refusal(publishVersion(threaded, input, systemActor))).code).toBe(ErrorCode.UNAVAILABLE);
  });
});
