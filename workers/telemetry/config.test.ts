import { describe, expect, it } from 'vitest';
import { parseTelemetryOptions } from './config.ts';

describe('parseTelemetryOptions', () => {
  it('fills in the defaults a client created without options would have had', () => {
    expect(parseTelemetryOptions({})).toMatchObject({
      flushRuns: 1000,
      flushIntervalMs: 60_000,
      queue: { maxBatches: 500 },
      retry: { baseDelayMs: 1000 },
    });
    expect(parseTelemetryOptions({ flushRuns: 10 }).flushRuns).toBe(10);
  });

  it('refuses a bad setting with INVALID_INPUT naming it as the client option does', () => {
    for (const [field, options] of [
      ['telemetry.flushRuns', { flushRuns: 0 }],
      ['telemetry.queue.maxBytes', { queue: { maxBytes: 10 } }],
      ['telemetry', { sampling: 1 }],
    ] as const) {
      expect(() => parseTelemetryOptions(options as never)).toThrow(
        expect.objectContaining({ code: 'INVALID_INPUT', details: { field } }),
      );
    }
  });
});
