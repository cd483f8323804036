import type { WorkerConfig } from '../worker-config.ts';
import { openQueue } from './queue.ts';
import { createTelemetry, type Telemetry } from './telemetry.ts';

/** `POST /api/v1/telemetry` on `serverUrl` (which may carry a path prefix). */
export function telemetryUrl(serverUrl: string): string {
  return new URL('api/v1/telemetry', serverUrl.endsWith('/') ? serverUrl : `${serverUrl}/`).href;
}

/**
 * The worker's telemetry as `config.telemetry` asks: none at all for `false` (no queue is even
 * opened), else aggregation with a persistent queue sending to the configured server. Its queue
 * is used only once `after` settles (telemetry it replaces writes its last batches meanwhile, so
 * that one sender sends them); recording never waits for it.
 */
export function startTelemetry(
  config: WorkerConfig,
  fetchFn: typeof fetch,
  after: Promise<unknown> = Promise.resolve(),
): Telemetry | undefined {
  if (config.telemetry === false) return undefined;
  const queue = openQueue(config.telemetry.queue);
  return createTelemetry({
    config: config.telemetry,
    queue: after.then(
      () => queue,
      () => queue,
    ),
    endpoint: telemetryUrl(config.serverUrl),
    fetch: fetchFn,
    // Lets a send started as the page hides outlive the page (Fetch: "keepalive").
    keepalive: true,
  });
}
