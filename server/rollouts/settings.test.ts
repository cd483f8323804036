import { describe, expect, it } from 'vitest';
import { loadControlSettings } from './settings.ts';

describe('loadControlSettings', () => {
  it('defaults to a 7-day lifetime, re-checked hourly', () => {
    expect(loadControlSettings({})).toEqual({ lifetimeMs: 7 * 24 * 3600_000, resignIntervalMs: 3600_000 });
  });

  it('checks a tenth of a short lifetime by default', () => {
    expect(loadControlSettings({ FERRY_CONTROL_LIFETIME_MS: '60000' })).toEqual({
      lifetimeMs: 60_000,
      resignIntervalMs: 6000,
    });
  });

  it('refuses values that would let documents expire or are not numbers, naming the variable', () => {
    expect(() => loadControlSettings({ FERRY_CONTROL_LIFETIME_MS: '999' })).toThrow(
      /^FERRY_CONTROL_LIFETIME_MS: /,
    );
    expect(() => loadControlSettings({ FERRY_CONTROL_LIFETIME_MS: 'week' })).toThrow(
      /^FERRY_CONTROL_LIFETIME_MS: /,
    );
    expect(() =>
      loadControlSettings({ FERRY_CONTROL_LIFETIME_MS: '10000', FERRY_CONTROL_RESIGN_INTERVAL_MS: '5000' }),
    ).toThrow(/^FERRY_CONTROL_RESIGN_INTERVAL_MS: must be less than half/);
  });
});
