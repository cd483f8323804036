import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { TelemetryBatch } from '$shared/schemas/telemetry.ts';
import { mulberry32 } from '$shared/stats/random.ts';
import type { ModelInfo } from '../types.ts';
import { createAggregate, type AggregateCounts } from './aggregator.ts';
import { TelemetryConfig } from './config.ts';
import { publishedExample } from './example-manifests.test-support.ts';
import { sealBatch } from './batch.ts';
import { createMemoryQueue } from './queue.ts';
import { SDK_VERSION } from './sdk-version.ts';
import { createInputMeasure } from './measured-input.ts';
import { createTelemetry, type RunRecordInput, type Telemetry } from './telemetry.ts';

const closers: (() => void)[] = [];
afterEach(() => closers.splice(0).forEach((close) => close()));

/** A real ingest endpoint that accepts everything and keeps the parsed batches. */
async function ingest() {
  const batches: TelemetryBatch[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      batches.push(TelemetryBatch.parse(JSON.parse(body)));
      res.writeHead(200).end('{"status":"accepted"}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => server.close());
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/telemetry`, batches };
}

const manifest = publishedExample('breast-cancer');
const info = {
  name: manifest.name,
  version: manifest.version,
  backend: 'wasm',
  threads: 1,
  fromCache: false,
  bytesDownloaded: 2048,
  loadMs: 40,
  manifest,
} as ModelInfo;
const values = Object.fromEntries(
  manifest.preprocessing.kind === 'tabular'
    ? manifest.preprocessing.features.map((f) => [f.name, f.default])
    : [],
);
const run = {
  input: values,
  result: { outputs: {}, scores: [{ label: 'benign', index: 1, score: 0.8 }] },
  latencyMs: 0.2,
};

/** Telemetry on a real endpoint and a memory queue, with model slot `m#0` loaded (or, `attached`, attached). */
async function setUp(config: Partial<TelemetryConfig>, options: { attached?: boolean } = {}) {
  const server = await ingest();
  const queue = createMemoryQueue({ maxBatches: 10, maxBytes: 1 << 20 });
  const telemetry = createTelemetry({
    config: TelemetryConfig.parse(config),
    queue: Promise.resolve(queue),
    endpoint: server.url,
    fetch,
    keepalive: false,
    uniform: mulberry32(11),
  });
  closers.push(() => telemetry.stop());
  const environment = { crossOriginIsolated: false, webgpuAvailable: false };
  if (options.attached) telemetry.attach('m#0', info, environment);
  else telemetry.loaded('m#0', info, environment);
  return { server, queue, telemetry };
}

async function sentAll(telemetry: Telemetry, expected: number) {
  for (;;) {
    const status = await telemetry.status();
    if (status.sent >= expected && status.queued === 0) return status;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('createTelemetry', () => {
  it('seals a batch after flushRuns runs, with exact counts when no ε is set', async () => {
    const { server, telemetry } = await setUp({ flushRuns: 3 });
    for (let i = 0; i < 3; i++) telemetry.ran('m#0', run);
    const status = await sentAll(telemetry, 1);
    expect(status).toMatchObject({ enabled: true, storage: 'memory', batches: 1, internalErrors: 0 });
    const [batch] = server.batches;
    expect(batch).toMatchObject({
      model: 'breast-cancer',
      runs: 3,
      loads: { cold: 1, warm: 0, bytesDownloaded: 2048 },
    });
    expect(batch?.predictions?.counts).toEqual([0, 3]);
    expect(batch?.features.every((f) => f.counts.reduce((a, b) => a + b, 0) === 3)).toBe(true);
  });

  it('ends a batch every flushRuns runs but writes it to the queue only once runs pause', async () => {
    const { server, telemetry } = await setUp({ flushRuns: 3 });
    for (let i = 0; i < 7; i++) telemetry.ran('m#0', run);
    // Every run is counted now and two batches are cut, but nothing is queued mid-burst.
    expect(await telemetry.status()).toMatchObject({ batches: 0, queued: 0, internalErrors: 0 });
    await sentAll(telemetry, 2);
    expect(server.batches.map((batch) => batch.runs)).toEqual([3, 3]);
    await telemetry.flush();
    await sentAll(telemetry, 3);
    expect(server.batches.map((batch) => batch.runs)).toEqual([3, 3, 1]);
  });

  it('writes cut batches while runs keep coming without the pause it waits for', async () => {
    const { server, telemetry } = await setUp({ flushRuns: 3 });
    // A run every 2 ms (a model on every video frame) never leaves the 20 ms pause.
    const ticking = setInterval(() => telemetry.ran('m#0', run), 2);
    closers.push(() => clearInterval(ticking));
    await expect.poll(() => server.batches.length, { timeout: 4000, interval: 20 }).toBeGreaterThan(0);
    expect(server.batches[0]?.runs).toBe(3);
  });

  it('flush() seals what was counted so far; an empty aggregate sends nothing', async () => {
    const { server, telemetry } = await setUp({});
    telemetry.ran('m#0', run);
    telemetry.failed('m#0', 'INVALID_INPUT');
    telemetry.failed('m#0', 'MODEL_DISPOSED'); // never reached the model: not counted
    await telemetry.flush();
    await sentAll(telemetry, 1);
    await telemetry.flush();
    expect((await telemetry.status()).batches).toBe(1);
    expect(server.batches[0]).toMatchObject({ runs: 2, errors: { INVALID_INPUT: 1 } });
  });

  it('never throws into the caller: a recording that fails is counted and skipped', async () => {
    const { telemetry } = await setUp({});
    const hostile = new Proxy(
      {},
      {
        ownKeys: () => {
          throw new Error('boom');
        },
      },
    );
    expect(() => telemetry.ran('m#0', { ...run, input: hostile })).not.toThrow();
    expect(() => telemetry.ran('unknown slot', run)).not.toThrow();
    expect((await telemetry.status()).internalErrors).toBe(1);
  });

  it('adds noise to counts when ε is set', async () => {
    const { server, telemetry } = await setUp({ epsilon: 0.5 });
    for (let i = 0; i < 50; i++) telemetry.ran('m#0', run);
    await telemetry.flush();
    await sentAll(telemetry, 1);
    const [batch] = server.batches;
    const featureTotals = batch!.features.map((f) => f.counts.reduce((a, b) => a + b, 0));
    expect(featureTotals.some((total) => total !== 50)).toBe(true);
  });
});

describe('createTelemetry consent at run time', () => {
  it('counts nothing while paused, keeps what it counted before and sends it', async () => {
    const { server, telemetry } = await setUp({});
    for (let i = 0; i < 3; i++) telemetry.ran('m#0', run);
    telemetry.pause(true);
    for (let i = 0; i < 5; i++) telemetry.ran('m#0', run);
    telemetry.failed('m#0', 'INVALID_INPUT');
    telemetry.loaded('m#0', info, { crossOriginIsolated: false, webgpuAvailable: false });
    expect(await telemetry.status()).toMatchObject({ paused: true });
    await telemetry.flush();
    await sentAll(telemetry, 1);
    telemetry.pause(false);
    telemetry.ran('m#0', run);
    await telemetry.flush();
    const status = await sentAll(telemetry, 2);
    expect(status).toMatchObject({ paused: false, internalErrors: 0 });
    expect(server.batches.map((b) => [b.runs, b.errors, b.loads.cold])).toEqual([
      [3, {}, 1],
      [1, {}, 0],
    ]);
  });

  it('cuts a batch every flushRuns counted runs, however many runs came while paused between them', async () => {
    const { server, telemetry } = await setUp({ flushRuns: 4 });
    for (let i = 0; i < 6; i++) {
      telemetry.ran('m#0', run);
      telemetry.pause(true);
      telemetry.ran('m#0', run);
      telemetry.pause(false);
    }
    await sentAll(telemetry, 1);
    expect(server.batches.map((b) => b.runs)).toEqual([4]);
  });

  it('counts the runs of a model attached after its load, not the load', async () => {
    const { server, telemetry } = await setUp({}, { attached: true });
    for (let i = 0; i < 2; i++) telemetry.ran('m#0', run);
    await telemetry.flush();
    await sentAll(telemetry, 1);
    expect(server.batches[0]).toMatchObject({ runs: 2, loads: { cold: 0, warm: 0 } });
  });

  it('discard() deletes held runs, open counts, cut batches and the queue, and sends nothing after', async () => {
    const { server, queue, telemetry } = await setUp({ flushRuns: 2 });
    // An earlier page's batch, waiting in the queue (pushed once the sender's first look, all
    // microtasks on a memory queue, found it empty: nothing sends it but a later kick).
    await new Promise((resolve) => setTimeout(resolve, 0));
    await queue.push({ batchId: 'f'.repeat(32), body: '{}', bytes: 2 }, { reportedDrops: 0 });
    for (let i = 0; i < 5; i++) telemetry.ran('m#0', run); // two batches cut, one run held
    await telemetry.discard();
    telemetry.ran('m#0', run);
    await telemetry.flush();
    expect(await queue.size()).toEqual({ batches: 0, bytes: 0 });
    // Long enough for the write timer (20 ms) and a send to have happened.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await queue.size()).toEqual({ batches: 0, bytes: 0 });
    expect(server.batches.filter((b) => b.runs > 0)).toEqual([]);
  });
});

describe('createTelemetry recording runs once they pause', () => {
  const digits = publishedExample('digits');
  const environment = { crossOriginIsolated: true, webgpuAvailable: false };
  const infoOf = (m: typeof manifest) =>
    ({ ...info, name: m.name, version: m.version, manifest: m }) as ModelInfo;

  /** Run `i` of digits: ink that differs from run to run, and now and then a feed it cannot measure. */
  function digitsRun(i: number): RunRecordInput {
    const size = i % 13 === 5 ? 16 : 64;
    const data = Float32Array.from({ length: size }, (_, p) => (((i * 7 + p * 3) % 17) - 8) / 4);
    const dims = size === 64 ? [1, 1, 8, 8] : [1, 1, 4, 4];
    const scores = (digits.labels ?? []).map((label, index) => ({ label, index, score: 0.05 }));
    scores.unshift({ label: String(i % 10), index: i % 10, score: 0.3 + (i % 7) / 10 });
    return {
      input: { pixels: { data, dims } },
      result: { outputs: {}, inputs: { pixels: { type: 'float32', dims, data } }, scores },
      latencyMs: 0.05 + (i % 11) * 0.07,
    };
  }

  /** Run `i` of breast-cancer: one column moved across its bins. */
  function tabularRun(i: number): RunRecordInput {
    return {
      input: { ...values, mean_radius: 5 + i * 0.9, mean_texture: 30 - i * 0.4 },
      result: {
        outputs: {},
        scores: [{ label: i % 3 ? 'benign' : 'malignant', index: 0, score: 0.55 + (i % 4) / 10 }],
      },
      latencyMs: 0.2 + (i % 5) * 0.3,
    };
  }

  const sealing = { firstEventAt: 0, now: 0, sdkVersion: SDK_VERSION, droppedBatches: 0 };
  const countsOf = ({
    batchId: _id,
    windowStart: _start,
    windowEnd: _end,
    sdkVersion: _sdk,
    schemaVersion: _schema,
    ...rest
  }: TelemetryBatch) => rest;

  it('sends exactly the batches that recording each run at once gives, across bursts, pauses, bounds and cuts', async () => {
    const server = await ingest();
    const flushRuns = 40;
    const telemetry = createTelemetry({
      config: TelemetryConfig.parse({ flushRuns }),
      queue: Promise.resolve(createMemoryQueue({ maxBatches: 100, maxBytes: 1 << 22 })),
      endpoint: server.url,
      fetch,
      keepalive: false,
      uniform: mulberry32(5),
    });
    closers.push(() => telemetry.stop());
    // The reference: one aggregate per model, each run recorded with its input measured at once,
    // a batch taken at the same run counts.
    const reference = {
      digits: createAggregate(digits, { backend: 'wasm', threads: 1, ...environment }),
      'breast-cancer': createAggregate(manifest, { backend: 'wasm', threads: 1, ...environment }),
    };
    const expected: Record<string, AggregateCounts[]> = { digits: [], 'breast-cancer': [] };
    for (const [slot, m] of [
      ['d#0', digits],
      ['b#0', manifest],
    ] as const) {
      telemetry.loaded(slot, infoOf(m), environment);
      reference[m.name as keyof typeof reference].recordLoad({
        fromCache: false,
        bytesDownloaded: 2048,
        loadMs: 40,
      });
    }
    const record = (name: keyof typeof reference, m: typeof manifest, run: RunRecordInput) => {
      const aggregate = reference[name];
      aggregate.recordRun({
        latencyMs: run.latencyMs,
        measured: createInputMeasure(m).measure(run.input, run.result),
        scores: run.result.scores,
      });
      if (aggregate.runs >= flushRuns) expected[name]!.push(aggregate.take());
    };
    // 700 digits runs (more than the 64 held at most, so the bound records most) and 90 tabular
    // ones, interleaved, with pauses of 15 ms (shorter than the idle wait: the bound and the cuts
    // record here; pending-runs.test.ts covers the idle timer).
    for (let i = 0; i < 700; i++) {
      const run = digitsRun(i);
      telemetry.ran('d#0', run);
      record('digits', digits, run);
      if (i % 8 === 3) {
        const other = tabularRun(i / 8);
        telemetry.ran('b#0', other);
        record('breast-cancer', manifest, other);
      }
      if (i % 97 === 0) await new Promise((resolve) => setTimeout(resolve, 15));
    }
    await telemetry.flush();
    for (const name of ['digits', 'breast-cancer'] as const) expected[name]!.push(reference[name].take());
    const total = expected.digits!.length + expected['breast-cancer']!.length;
    expect(total).toBe(Math.ceil(700 / flushRuns) + Math.ceil(88 / flushRuns));
    await sentAll(telemetry, total);
    expect((await telemetry.status()).internalErrors).toBe(0);
    for (const name of ['digits', 'breast-cancer'] as const) {
      const sent = server.batches.filter((batch) => batch.model === name).map(countsOf);
      const want = expected[name]!.map((counts) =>
        countsOf(TelemetryBatch.parse(JSON.parse(sealBatch(counts, sealing).body))),
      );
      expect(sent).toEqual(want);
    }
    // The features were counted: every measurable digits run in some bin of each feature.
    const inked = server.batches
      .filter((batch) => batch.model === 'digits')
      .reduce((sum, batch) => sum + batch.features[0]!.counts.reduce((a, b) => a + b, 0), 0);
    expect(inked).toBe(700 - Math.ceil((700 - 5) / 13));
  });
});
