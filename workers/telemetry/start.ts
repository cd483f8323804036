import type { WorkerConfig } from '../worker-config.ts';
import { openQueue } from './queue.ts';
import { createTelemetry, type Telemetry } from './telemetry.ts';

/** `POST /api/v1/telemetry` on `serverUrl` (which may carry a path prefix). */
export function telemetryUrl(serverUrl: string): string {
  return new URL('api/v1/telemetry', serverUrl.endsWith('/') ? serverUrl : `${serverUrl}/`).href;
}

/**
 * The worker's telemetry as `config.telemetry` asks: none at all for `false` (no queue is even
 * opened), else aggregation with a persistent queue sending to the configured server.
 */
export function startTelemetry(config: WorkerConfig, fetchFn: typeof fetch): Telemetry | undefined {
  if (config.telemetry === false) return undefined;
  return createTelemetry({
    config: config.telemetry,
    queue: openQueue(config.telemetry.queue),
    endpoint: telemetryUrl(config.serverUrl),
    fetch: fetchFn,
    // Lets a send started as the page hides outlive the page (Fetch: "keepalive").
    keepalive: true,
  });
}
