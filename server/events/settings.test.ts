import { describe, expect, it } from 'vitest';
import { loadEventsSettings } from './settings.ts';

describe('loadEventsSettings', () => {
  it('defaults to 15 s heartbeats, 3 s retry, 20,000 streams and 1 MiB per stream', () => {
    expect(loadEventsSettings({})).toEqual({
      heartbeatMs: 15_000,
      retryMs: 3_000,
      maxConnections: 20_000,
      bufferBytes: 1024 * 1024,
    });
  });

  it('names the variable at fault', () => {
    expect(() => loadEventsSettings({ FERRY_SSE_HEARTBEAT_MS: '0' })).toThrow(/^FERRY_SSE_HEARTBEAT_MS: /);
    expect(() => loadEventsSettings({ FERRY_SSE_MAX_CONNECTIONS: 'many' })).toThrow(
      /^FERRY_SSE_MAX_CONNECTIONS: /,
    );
    expect(() => loadEventsSettings({ FERRY_SSE_BUFFER_BYTES: '10' })).toThrow(/^FERRY_SSE_BUFFER_BYTES: /);
  });
});
