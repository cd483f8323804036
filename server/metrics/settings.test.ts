import { describe, expect, it } from 'vitest';
import { loadMetricsSettings } from './settings.ts';

describe('loadMetricsSettings', () => {
  it('keeps /metrics off by default with a one-hour fleet window', () => {
    expect(loadMetricsSettings({})).toEqual({ mode: 'off', windowMs: 3600_000 });
  });

  it('reads FERRY_METRICS=token and the window', () => {
    expect(loadMetricsSettings({ FERRY_METRICS: 'token', FERRY_METRICS_WINDOW_MINUTES: '15' })).toEqual({
      mode: 'token',
      windowMs: 15 * 60_000,
    });
  });

  it.each([
    [{ FERRY_METRICS: 'on' }, /^FERRY_METRICS: /],
    [{ FERRY_METRICS_WINDOW_MINUTES: '0' }, /^FERRY_METRICS_WINDOW_MINUTES: /],
  ])('refuses %j naming the variable', (env, message) => {
    expect(() => loadMetricsSettings(env)).toThrow(message);
  });
});
