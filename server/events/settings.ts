import { z } from 'zod';
import { ErrorCode, FerryError, describeIssue } from '$shared';

const EventsEnv = z.object({
  FERRY_SSE_HEARTBEAT_MS: z.coerce.number().int().min(100).max(3_600_000).default(15_000),
  FERRY_SSE_RETRY_MS: z.coerce.number().int().min(0).max(3_600_000).default(3_000),
  FERRY_SSE_MAX_CONNECTIONS: z.coerce.number().int().min(1).default(20_000),
  FERRY_SSE_BUFFER_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(1024 * 1024),
});

/** How GET /api/v1/events streams control documents (server/events/hub.ts). */
export interface EventsSettings {
  /** A `: ping` comment goes to every stream this often, so proxies and clients see it alive. */
  heartbeatMs: number;
  /** The `retry:` each stream starts with: how long an EventSource waits before reconnecting. */
  retryMs: number;
  /** Streams held at once; one more is answered 503 with `Retry-After`. */
  maxConnections: number;
  /**
   * Unsent bytes a stream may hold in the process (beyond what the kernel took) when its next
   * frame is due; a stream over it is dropped, and its client reconnects with `Last-Event-ID`.
   */
  bufferBytes: number;
}

/** Parses the FERRY_SSE_* settings; throws INVALID_INPUT naming the variable at fault. */
export function loadEventsSettings(env: Record<string, string | undefined>): EventsSettings {
  const parsed = EventsEnv.safeParse(env);
  if (!parsed.success)
    throw new FerryError(ErrorCode.INVALID_INPUT, describeIssue(parsed.error, 'environment'));
  const e = parsed.data;
  return {
    heartbeatMs: e.FERRY_SSE_HEARTBEAT_MS,
    retryMs: e.FERRY_SSE_RETRY_MS,
    maxConnections: e.FERRY_SSE_MAX_CONNECTIONS,
    bufferBytes: e.FERRY_SSE_BUFFER_BYTES,
  };
}
