import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ensureIngestWorkerBundle } from '../../build/server-bundle.js';
import { systemActor } from '../../services/deps.ts';
import { setVersionStatus } from '../../services/status.ts';
import { createToken, revokeToken } from '../../services/tokens.ts';
import { createTempDeps, type TempDeps } from '../../testing/temp-deps.ts';
import { telemetryBatch } from '../../testing/telemetry-batch.ts';
import { publishTinyWithReference } from '../../testing/tiny-bundle.ts';
import { createTelemetryIngest } from '../ingest.ts';
import { createTextIngest, type Ingested, type TextIngest } from '../ingest-text.ts';
import { startIngestThread, type IngestThread } from './host.ts';
import type { IngestThreadData } from './protocol.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..', '..');
const HOUR = 3600_000;

let deps: TempDeps;
let entry: string;
let thread: IngestThread | null = null;

beforeEach(async () => {
  entry = await ensureIngestWorkerBundle(ROOT);
  deps = createTempDeps();
  await publishTinyWithReference(deps);
});
afterEach(async () => {
  await thread?.close();
  thread = null;
  deps.dispose();
});

const workerData = (): IngestThreadData => ({
  databaseFile: path.join(deps.dataDir, 'ferry.db'),
  dataDir: deps.dataDir,
  durability: 'normal',
  retention: { rollupIntervalMs: HOUR, minuteRetentionMs: HOUR, dedupRetentionMs: HOUR },
});
const realThread = () => new Worker(entry, { workerData: workerData() });
const body = (edit?: Parameters<typeof telemetryBatch>[1]) =>
  JSON.stringify(telemetryBatch({ runs: 3 }, edit));
/** What `ingest` made of `text`: the value, or the refusal's code and message. */
const settled = (ingest: TextIngest, text: string) =>
  new Promise<Ingested>((resolve, reject) => ingest.ingestText(text, { resolve, reject })).then(
    (value) => ({ value }),
    (error: { code: string; message: string }) => ({ code: error.code, message: error.message }),
  );
const turn = () => new Promise((resolve) => setTimeout(resolve, 0));

// Real threads committing thousands of batches to SQLite: a CI host under CPU steal took over 5 s
// for the 2,000-batch test (vitest's default), which finishes in about 1 s on a quiet one.
describe('startIngestThread', { timeout: 30_000 }, () => {
  it('gives the same outcomes and refusals as the in-process pipeline, and stores what it accepts', async () => {
    thread = startIngestThread({ spawn: realThread });
    const inProcess = createTextIngest(
      createTelemetryIngest({ db: deps.db, blobs: deps.blobs, store: deps.telemetry }),
    );
    const accepted = body();
    const refused = [
      '{"batchId": ',
      body((b) => void (b.features[0]!.name = 'c')),
      body((b) => void ((b as { runs: unknown }).runs = 'many')),
      body((b) => void (b.model = 'other')),
      body((b) => void (b.version = '9.9.9')),
    ];
    // All in one turn: they travel as one message and share one commit.
    const onThread = await Promise.all(
      [accepted, accepted, ...refused].map((text) => settled(thread!, text)),
    );
    expect(onThread.slice(0, 2)).toEqual([
      { value: { outcome: 'accepted', runs: 3 } },
      { value: { outcome: 'duplicate', runs: 3 } },
    ]);
    const here = await Promise.all([accepted, ...refused].map((text) => settled(inProcess, text)));
    expect(here[0]).toEqual({ value: { outcome: 'duplicate', runs: 3 } });
    expect(onThread.slice(2)).toEqual(here.slice(1));
    expect(onThread.slice(2).map((r) => ('code' in r ? r.code : null))).toEqual([
      'INVALID_INPUT',
      'INVALID_INPUT',
      'INVALID_INPUT',
      'MODEL_NOT_FOUND',
      'BUNDLE_NOT_FOUND',
    ]);
    const buckets = await deps.telemetry.buckets({
      versionId: 1,
      from: new Date(0),
      to: new Date(Date.now() + HOUR),
    });
    expect(buckets.map((b) => b.aggregate.runs)).toEqual([3]);
  });

  it('lets registry writes on the server thread commit while the ingest thread is committing', async () => {
    const ingestThread = startIngestThread({ spawn: realThread });
    thread = ingestThread;
    let left = 0;
    let accepted = 0;
    const refusals: string[] = [];
    // As a client does: a body refused with UNAVAILABLE (the write lock stayed taken past the busy
    // timeout: these writes, back to back, can starve the thread's) is sent again, unchanged.
    const send = (text: string) =>
      ingestThread.ingestText(text, {
        resolve: ({ outcome }) => {
          if (outcome === 'accepted') accepted++;
          left--;
        },
        reject: (error: { code?: string }) => {
          refusals.push(String(error.code));
          if (error.code === 'UNAVAILABLE') setTimeout(() => send(text), 10);
          else left--;
        },
      });
    // Groups of 50 bodies, 40 turns: the thread commits back to back while the loop below writes.
    for (let group = 0; group < 40; group++) {
      for (let i = 0; i < 50; i++) {
        left++;
        send(body());
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
    let writes = 0;
    const version = { name: 'tiny', version: '1.0.0' };
    // Each reads, then writes: as DEFERRED transactions these failed with SQLITE_BUSY here.
    while (left > 0 || writes < 50) {
      const { id } = createToken(deps.db, { name: `t${writes}`, scopes: ['read'] }, systemActor);
      revokeToken(deps.db, id, systemActor);
      setVersionStatus(
        deps,
        { ...version, status: writes % 2 === 0 ? 'deprecated' : 'published' },
        systemActor,
      );
      writes++;
      await new Promise((resolve) => setImmediate(resolve));
    }
    // Every body counted once, resends included, and nothing refused otherwise.
    expect(accepted).toBe(2000);
    expect(refusals.filter((code) => code !== 'UNAVAILABLE')).toEqual([]);
    expect(writes).toBeGreaterThanOrEqual(50);
  });

  it('refuses what a thread held when it exits with UNAVAILABLE, then takes bodies on a new thread', async () => {
    let spawned = 0;
    const exitsOnFirstMessage = () =>
      new Worker("require('node:worker_threads').parentPort.once('message', () => process.exit(1));", {
        eval: true,
      });
    thread = startIngestThread({
      spawn: () => (spawned++ === 0 ? exitsOnFirstMessage() : realThread()),
      restartDelayMs: 0,
    });
    expect(await settled(thread, body())).toMatchObject({
      code: 'UNAVAILABLE',
      message: expect.stringMatching(/^telemetry: the ingest thread stopped; retry after 1 s$/),
    });
    await turn(); // the restart's timer, set when the thread exited
    expect(await settled(thread, body())).toEqual({ value: { outcome: 'accepted', runs: 3 } });
    expect(spawned).toBe(2);
  });

  it('runs retention passes on the thread', async () => {
    thread = startIngestThread({ spawn: realThread });
    expect(await settled(thread, body())).toMatchObject({ value: { outcome: 'accepted' } });
    expect(await thread.retention.runOnce()).toEqual({ minutesRolledUp: 0, batchIdsPruned: 0 });
  });

  it('refuses bodies pending at close and after it with UNAVAILABLE', async () => {
    thread = startIngestThread({ spawn: realThread });
    const pending = settled(thread, body());
    await thread.close();
    expect(await pending).toMatchObject({ code: 'UNAVAILABLE' });
    expect(await settled(thread, body())).toMatchObject({
      code: 'UNAVAILABLE',
      message: expect.stringMatching(/shutting down/),
    });
  });
});
