import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { ensureIngestWorkerBundle, ensureModelWorkBundle } from './build/server-bundle.js';
import type { FerryConfig } from './config.ts';
import { openDatabase, type OpenDatabase } from './db/open.ts';
import { startWalCheckpointer } from './db/wal-checkpointer.ts';
import type { ControlBus } from './events/bus.ts';
import { createInProcessBus } from './events/in-process-bus.ts';
import { createFailpoints } from './failpoints.ts';
import type { ServiceDeps } from './services/deps.ts';
import { systemActor } from './services/deps.ts';
import { createFerryMetrics, type FerryMetrics } from './metrics/ferry-metrics.ts';
import { createModelWorkThread } from './model-work/model-work-thread.ts';
import type { ModelWorkData } from './model-work/protocol.ts';
import type { ControlReader } from './rollouts/control-store.ts';
import { backfillControl, startResigner, type Resigner } from './rollouts/resigner.ts';
import { createSqliteControlStore } from './rollouts/sqlite-control-store.ts';
import { publishExamples, type ExamplesReport } from './services/examples.ts';
import { setOrtLogLevel } from './services/onnx-check.ts';
import { sweepOrphanBlobs } from './services/orphans.ts';
import { ensureBootstrapToken, setLastUsedInterval } from './services/tokens.ts';
import { ensureKeyPair } from './signing/key-pair.ts';
import { createSigner } from './signing/signer.ts';
import { createFsBlobStore } from './storage/fs-blob-store.ts';
import { createTelemetryHandler, type TelemetryHandler } from './telemetry/http.ts';
import { createTelemetryIngest } from './telemetry/ingest.ts';
import { startIngestThread } from './telemetry/ingest-thread/host.ts';
import type { IngestThreadData } from './telemetry/ingest-thread/protocol.ts';
import { createTextIngest } from './telemetry/ingest-text.ts';
import { createRateLimiter } from './telemetry/rate-limit.ts';
import { startRetention, type Retention } from './telemetry/retention.ts';
import { createSqliteTelemetryStore } from './telemetry/sqlite-store.ts';

// An upload is kept this long waiting for the publish that references it.
const ORPHAN_GRACE_MS = 24 * 3600_000;

/** What happened during start-up, for the start-up log. */
export interface StartupReport {
  keyid: string;
  publicKey: string;
  keyCreated: boolean;
  /** The bootstrap admin token's secret, present only on the start that created it. */
  adminToken: string | null;
  tempFilesRemoved: number;
  /** Unpublished uploads older than a day, deleted at this start. */
  orphanBlobsRemoved: number;
  examples: ExamplesReport | null;
}

/** A running Ferry backend: configuration, open database and the services' dependencies. */
export interface Ferry {
  config: FerryConfig;
  /** The `version` of package.json. */
  serverVersion: string;
  deps: ServiceDeps;
  database: OpenDatabase;
  /** The ingest route's handler and the roll-up/prune timer over `deps.telemetry`. */
  telemetry: { handler: TelemetryHandler; retention: Retention };
  /** Prometheus metrics: HTTP and ingest counters, fleet aggregates (server/metrics). */
  metrics: FerryMetrics;
  /** The current signed control documents (issue 9), as the control routes and SSE serve them. */
  control: ControlReader;
  /** Control changes, published after each commit that re-signs a document. */
  events: ControlBus;
  /** Renews control documents before they expire. */
  resigner: Resigner;
  startup: StartupReport;
  /**
   * Stops timers and threads and closes the database; resolves once the model-work thread has
   * stopped, after the onnxruntime call it may be in returns (exiting the process while a thread
   * is inside onnxruntime aborts it).
   */
  close(): Promise<void>;
}

/**
 * Opens the data directory: database (migrated), blob store (temp files of interrupted writes
 * removed), key pair (created on first start), bootstrap admin token (on an empty token table),
 * deletes unpublished uploads older than a day, then publishes the example bundles not yet in
 * the registry.
 */
export async function createFerry(config: FerryConfig): Promise<Ferry> {
  const failpoints = createFailpoints(config.failpoints);
  setOrtLogLevel(config.ortLogLevel);
  const blobs = createFsBlobStore({
    dataDir: config.dataDir,
    beforeRename: () => failpoints.hit('upload.before-rename'),
  });
  const tempFilesRemoved = await blobs.cleanTemp();
  const databaseFile = path.join(config.dataDir, 'ferry.db');
  const database = openDatabase(databaseFile, path.join(config.rootDir, 'server', 'db', 'migrations'));
  // Telemetry ingest writes a page per batch: checkpoints must not stall the event loop.
  const checkpointer = startWalCheckpointer(database.sqlite, databaseFile);
  setLastUsedInterval(database.db, config.tokenLastUsedIntervalMs);
  const keys = ensureKeyPair(path.join(config.dataDir, 'keys'));
  const signer = createSigner(keys);
  const events = createInProcessBus();
  // Started on the first publish (the examples', below), stopped when idle.
  const modelWorkEntry = await ensureModelWorkBundle(config.rootDir);
  const modelWorkData: ModelWorkData = { ortLogLevel: config.ortLogLevel };
  const modelWork = createModelWorkThread({
    spawn: () => new Worker(modelWorkEntry, { workerData: modelWorkData }),
  });
  const deps: ServiceDeps = {
    db: database.db,
    blobs,
    signer,
    failpoints,
    maxFileBytes: config.maxFileBytes,
    telemetry: createSqliteTelemetryStore(database.db, { durability: config.telemetry.durability }),
    controlLifetimeMs: config.control.lifetimeMs,
    events,
    compileModels: config.compileModels,
    modelWork,
  };
  const admin = ensureBootstrapToken(database.db, systemActor);
  const orphanBlobsRemoved = await sweepOrphanBlobs(deps, ORPHAN_GRACE_MS);
  // Before the examples: models from before control documents existed get their first one.
  backfillControl(deps);
  const examples = config.modelsDir === null ? null : await publishExamples(deps, config.modelsDir);
  const pkg = JSON.parse(readFileSync(path.join(config.rootDir, 'package.json'), 'utf8')) as {
    version: string;
  };
  const settings = config.telemetry;
  const metrics = createFerryMetrics({
    db: deps.db,
    store: deps.telemetry,
    windowMs: config.metrics.windowMs,
  });
  const ingest = settings.ingestThread
    ? await ingestOnThread(config, databaseFile)
    : {
        ...createTextIngest(createTelemetryIngest({ db: deps.db, blobs, store: deps.telemetry })),
        retention: startRetention(deps.telemetry, settings),
        close: () => Promise.resolve(),
      };
  const handler = createTelemetryHandler({
    ingest,
    limiter: createRateLimiter({ perMinute: settings.ratePerMinute, burst: settings.rateBurst }),
    trustedProxies: settings.trustedProxies,
    observer: metrics.ingest,
  });
  const { retention } = ingest;
  const resigner = startResigner(deps, config.control.resignIntervalMs);
  return {
    config,
    serverVersion: pkg.version,
    deps,
    database,
    telemetry: { handler, retention },
    metrics,
    control: createSqliteControlStore(deps.db),
    events,
    resigner,
    startup: {
      keyid: signer.keyid,
      publicKey: signer.publicKey,
      keyCreated: keys.created,
      adminToken: admin?.token ?? null,
      tempFilesRemoved,
      orphanBlobsRemoved,
      examples,
    },
    close: () => {
      retention.stop();
      void ingest.close();
      const stopped = modelWork.close();
      resigner.stop();
      void checkpointer.stop();
      database.close();
      return stopped;
    },
  };
}

/**
 * The telemetry ingest on its own thread (telemetry/ingest-thread/), started from the worker
 * bundle built beside the server's (server/build/server-bundle.js; fresh already under `npm
 * start`, built here under `vite dev`), over a second connection to `databaseFile`.
 */
async function ingestOnThread(config: FerryConfig, databaseFile: string) {
  const entry = await ensureIngestWorkerBundle(config.rootDir);
  const { durability, rollupIntervalMs, minuteRetentionMs, dedupRetentionMs } = config.telemetry;
  const workerData: IngestThreadData = {
    databaseFile,
    dataDir: config.dataDir,
    durability,
    retention: { rollupIntervalMs, minuteRetentionMs, dedupRetentionMs },
  };
  return startIngestThread({ spawn: () => new Worker(entry, { workerData }) });
}
