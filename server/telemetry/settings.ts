import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { ErrorCode, FerryError, describeIssue } from '$shared';

const ms = z.coerce.number().int().positive();

const TelemetryEnv = z.object({
  FERRY_TELEMETRY_ROLLUP_INTERVAL_MS: ms.default(5 * 60_000),
  FERRY_TELEMETRY_MINUTE_RETENTION_MS: ms.default(48 * 3600_000),
  FERRY_TELEMETRY_DEDUP_RETENTION_MS: ms.default(7 * 24 * 3600_000),
  FERRY_TELEMETRY_RATE_PER_MINUTE: z.coerce.number().int().min(0).default(600),
  FERRY_TELEMETRY_RATE_BURST: z.coerce.number().int().positive().default(120),
  FERRY_TRUSTED_PROXIES: z.string().default(''),
  FERRY_TELEMETRY_DURABILITY: z.enum(['full', 'normal']).default('normal'),
  FERRY_TELEMETRY_INGEST_THREAD: z.enum(['auto', 'on', 'off']).default('auto'),
});

/**
 * How an accepted telemetry batch is committed: `full` syncs the WAL to disk before the answer
 * (survives power loss), `normal` leaves the sync to the next checkpoint or registry write
 * (survives a crash of the process, not of the machine). See {@link TelemetrySettings.durability}.
 */
export type TelemetryDurability = 'full' | 'normal';

/** How telemetry is kept and how fast a client may send it. */
export interface TelemetrySettings {
  /** How often minute buckets are rolled up and old batch ids pruned. */
  rollupIntervalMs: number;
  /** Minute buckets older than this are merged into hour buckets. */
  minuteRetentionMs: number;
  /**
   * Batch ids are remembered this long; a replay arriving later counts again, so keep it longer
   * than any client keeps retrying a batch (the worker's queue drops batches well before).
   */
  dedupRetentionMs: number;
  /** Ingest requests per client address per minute, sustained (0: no limit). */
  ratePerMinute: number;
  /** Requests a client address may send at once before the rate applies. */
  rateBurst: number;
  /**
   * Peer addresses of reverse proxies whose `X-Forwarded-For` names the client; from any other
   * peer the header is ignored, since the client could write anything there.
   */
  trustedProxies: readonly string[];
  /**
   * `normal` by default: a batch acknowledged just before a power loss or kernel crash may be
   * lost (never counted twice: its id is lost with it, and the device has already forgotten it),
   * in exchange for ingest that does not wait for a disk sync per commit (5-6 ms here) while
   * every other request waits too. Registry writes stay `full` whatever this says.
   */
  durability: TelemetryDurability;
  /**
   * Whether ingest parses, checks and commits on a thread of its own (ingest-thread/), so that a
   * burst of telemetry does not hold up the event loop; otherwise the same pipeline runs on the
   * server's thread. See {@link INGEST_THREAD_MIN_CORES} for `auto`, the default.
   */
  ingestThread: boolean;
}

/**
 * `FERRY_TELEMETRY_INGEST_THREAD=auto` runs the ingest thread from this many cores up. The thread
 * takes the main thread's CPU per batch from ~80 to ~45 µs but costs ~15 µs more in all (messages,
 * wake-ups, a second heap), so it pays only with a core of its own beside the event loop and
 * whatever else the machine runs: on 2 cores with the load on the same machine it lowered ingest
 * from 0.44× to 0.35× a bare endpoint (10 interleaved rounds each), while it took GET latency
 * under ingest load (p50) from 1-7 ms to under 1 ms.
 */
export const INGEST_THREAD_MIN_CORES = 4;

/**
 * Parses the FERRY_TELEMETRY_* settings and FERRY_TRUSTED_PROXIES from `env`. Throws
 * `INVALID_INPUT` naming the variable at fault.
 */
export function loadTelemetrySettings(
  env: Record<string, string | undefined>,
  cores: number = availableParallelism(),
): TelemetrySettings {
  const parsed = TelemetryEnv.safeParse(env);
  if (!parsed.success)
    throw new FerryError(ErrorCode.INVALID_INPUT, describeIssue(parsed.error, 'environment'));
  const e = parsed.data;
  return {
    rollupIntervalMs: e.FERRY_TELEMETRY_ROLLUP_INTERVAL_MS,
    minuteRetentionMs: e.FERRY_TELEMETRY_MINUTE_RETENTION_MS,
    dedupRetentionMs: e.FERRY_TELEMETRY_DEDUP_RETENTION_MS,
    ratePerMinute: e.FERRY_TELEMETRY_RATE_PER_MINUTE,
    rateBurst: e.FERRY_TELEMETRY_RATE_BURST,
    trustedProxies: e.FERRY_TRUSTED_PROXIES.split(',')
      .map((item) => item.trim())
      .filter((item) => item.length > 0),
    durability: e.FERRY_TELEMETRY_DURABILITY,
    ingestThread:
      e.FERRY_TELEMETRY_INGEST_THREAD === 'auto'
        ? cores >= INGEST_THREAD_MIN_CORES
        : e.FERRY_TELEMETRY_INGEST_THREAD === 'on',
  };
}
