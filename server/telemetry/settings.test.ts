import { describe, expect, it } from 'vitest';
import { INGEST_THREAD_MIN_CORES, loadTelemetrySettings } from './settings.ts';

describe('loadTelemetrySettings: FERRY_TELEMETRY_INGEST_THREAD', () => {
  it('auto, the default, runs the ingest thread only from INGEST_THREAD_MIN_CORES cores up', () => {
    expect(loadTelemetrySettings({}, INGEST_THREAD_MIN_CORES).ingestThread).toBe(true);
    expect(loadTelemetrySettings({}, INGEST_THREAD_MIN_CORES - 1).ingestThread).toBe(false);
    const auto = { FERRY_TELEMETRY_INGEST_THREAD: 'auto' };
    expect(loadTelemetrySettings(auto, 16).ingestThread).toBe(true);
    expect(loadTelemetrySettings(auto, 2).ingestThread).toBe(false);
  });

  it('on and off hold whatever the cores', () => {
    expect(loadTelemetrySettings({ FERRY_TELEMETRY_INGEST_THREAD: 'on' }, 1).ingestThread).toBe(true);
    expect(loadTelemetrySettings({ FERRY_TELEMETRY_INGEST_THREAD: 'off' }, 64).ingestThread).toBe(false);
  });

  it('refuses another value, naming the variable', () => {
    expect(() => loadTelemetrySettings({ FERRY_TELEMETRY_INGEST_THREAD: 'yes' }, 4)).toThrow(
      /FERRY_TELEMETRY_INGEST_THREAD/,
    );
  });
});
