import path from 'node:path';
import { z } from 'zod';
import { ErrorCode, FerryError, describeIssue } from '$shared';
import { parseDriftSettings, type DriftSettings } from './drift/settings.ts';
import { loadEventsSettings, type EventsSettings } from './events/settings.ts';
import { loadMetricsSettings, type MetricsSettings } from './metrics/settings.ts';
import { loadControlSettings, type ControlSettings } from './rollouts/settings.ts';
import { loadTelemetrySettings, type TelemetrySettings } from './telemetry/settings.ts';

/** FERRY_ORT_LOG_LEVEL's values: onnxruntime's native log severities, least severe first. */
export const ORT_LOG_LEVELS = ['verbose', 'info', 'warning', 'error', 'fatal'] as const;

/** One of {@link ORT_LOG_LEVELS}. */
export type OrtLogLevel = (typeof ORT_LOG_LEVELS)[number];

const port = z.coerce.number().int().min(0).max(65535);
const bytes = z.coerce.number().int().positive();

const EnvSchema = z.object({
  PORT: port.default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  FERRY_ROOT: z.string().min(1).optional(),
  FERRY_DATA_DIR: z.string().min(1).default('data'),
  FERRY_ALLOWED_ORIGINS: z.string().default(''),
  FERRY_MAX_FILE_BYTES: bytes.default(512 * 1024 * 1024),
  FERRY_UPLOAD_IDLE_TIMEOUT_MS: z.coerce.number().int().positive().default(30_000),
  FERRY_MODELS_DIR: z.string().optional(),
  FERRY_FAILPOINTS: z.string().default(''),
  FERRY_TRPC_MAX_BATCH: z.coerce.number().int().positive().default(50),
  FERRY_TOKEN_LAST_USED_INTERVAL_MS: z.coerce.number().int().min(0).default(60_000),
  FERRY_ORT_LOG_LEVEL: z.enum(ORT_LOG_LEVELS).default('fatal'),
  FERRY_COMPILE_MODELS: z.enum(['on', 'off']).default('on'),
});

/** Everything the server reads from its environment, parsed and resolved to absolute paths. */
export interface FerryConfig {
  port: number;
  host: string;
  /** The repository root: migrations and default example models are found from it. */
  rootDir: string;
  dataDir: string;
  /** Origins allowed to read public routes cross-origin; `['*']` allows any. */
  allowedOrigins: readonly string[];
  maxFileBytes: number;
  /** An upload that sends no bytes for this long is abandoned (408) and its temp file removed. */
  uploadIdleTimeoutMs: number;
  /** Folder of example bundles published at start, or null when disabled (empty FERRY_MODELS_DIR). */
  modelsDir: string | null;
  failpoints: readonly string[];
  /** Most calls one tRPC batch request may carry. */
  trpcMaxBatch: number;
  /** How often, at most, a token's `lastUsedAt` is written (0: on every use). */
  tokenLastUsedIntervalMs: number;
  /**
   * How much of onnxruntime-node's own native log reaches stderr, ANSI colours and all (default
   * `fatal`: none; Ferry logs what matters in its own words). Raise it to debug a model's load.
   */
  ortLogLevel: OrtLogLevel;
  /**
   * Whether publishing makes a compiled form of each ONNX file (server/compile/): devices that
   * run it on WASM then load faster. Off publishes the files alone, as before.
   */
  compileModels: boolean;
  /** Telemetry retention and ingest rate limit (FERRY_TELEMETRY_*, FERRY_TRUSTED_PROXIES). */
  telemetry: TelemetrySettings;
  /** Drift thresholds: server-wide and per-model overrides of the calibrated defaults (FERRY_DRIFT_OPTIONS). */
  drift: DriftSettings;
  /** GET /metrics: off or behind a `metrics` token, and its fleet window (FERRY_METRICS*). */
  metrics: MetricsSettings;
  /** GET /api/v1/events: heartbeat, retry, connection limit, per-stream buffer (FERRY_SSE_*). */
  events: EventsSettings;
  /** Control documents' lifetime and re-sign interval (FERRY_CONTROL_*). */
  control: ControlSettings;
}

function list(value: string): string[] {
  return value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}

/**
 * Parses the process environment into a {@link FerryConfig}. Throws `INVALID_INPUT` naming the
 * variable at fault (e.g. `PORT: must be …`).
 */
export function loadConfig(env: Record<string, string | undefined>): FerryConfig {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    throw new FerryError(ErrorCode.INVALID_INPUT, describeIssue(parsed.error, 'environment'));
  }
  const e = parsed.data;
  const rootDir = path.resolve(e.FERRY_ROOT ?? process.cwd());
  const models = e.FERRY_MODELS_DIR;
  return {
    port: e.PORT,
    host: e.HOST,
    rootDir,
    dataDir: path.resolve(rootDir, e.FERRY_DATA_DIR),
    allowedOrigins: list(e.FERRY_ALLOWED_ORIGINS),
    maxFileBytes: e.FERRY_MAX_FILE_BYTES,
    uploadIdleTimeoutMs: e.FERRY_UPLOAD_IDLE_TIMEOUT_MS,
    modelsDir: models === '' ? null : path.resolve(rootDir, models ?? 'models'),
    failpoints: list(e.FERRY_FAILPOINTS),
    trpcMaxBatch: e.FERRY_TRPC_MAX_BATCH,
    tokenLastUsedIntervalMs: e.FERRY_TOKEN_LAST_USED_INTERVAL_MS,
    ortLogLevel: e.FERRY_ORT_LOG_LEVEL,
    compileModels: e.FERRY_COMPILE_MODELS === 'on',
    telemetry: loadTelemetrySettings(env),
    drift: parseDriftSettings(env.FERRY_DRIFT_OPTIONS ?? ''),
    metrics: loadMetricsSettings(env),
    events: loadEventsSettings(env),
    control: loadControlSettings(env),
  };
}
