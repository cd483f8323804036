import { describe, expect, it } from 'vitest';
import { DriftOptions } from '$shared/schemas/drift.ts';
import { DEFAULT_DRIFT_SETTINGS, optionsFor, parseDriftSettings } from './settings.ts';

describe('drift settings (FERRY_DRIFT_OPTIONS)', () => {
  it('means no overrides when empty', () => {
    expect(parseDriftSettings('')).toEqual(DEFAULT_DRIFT_SETTINGS);
    expect(DriftOptions.parse(optionsFor(DEFAULT_DRIFT_SETTINGS, 'digits'))).toEqual(DriftOptions.parse({}));
  });

  it('layers the calibrated defaults, the server-wide overrides and the model overrides', () => {
    const settings = parseDriftSettings(
      '{"pValueThreshold":0.01,"minLiveSamples":50,"models":{"breast-cancer":{"minLiveSamples":100}}}',
    );
    const cancer = DriftOptions.parse(optionsFor(settings, 'breast-cancer'));
    const digits = DriftOptions.parse(optionsFor(settings, 'digits'));
    expect(cancer).toMatchObject({ pValueThreshold: 0.01, minLiveSamples: 100 });
    expect(digits).toMatchObject({ pValueThreshold: 0.01, minLiveSamples: 50 });
    expect(digits.wassersteinThreshold).toBe(DriftOptions.parse({}).wassersteinThreshold);
  });

  it.each([
    ['{', 'FERRY_DRIFT_OPTIONS: not valid JSON'],
    ['[1]', 'FERRY_DRIFT_OPTIONS'],
    ['{"pValueTreshold":0.01}', 'FERRY_DRIFT_OPTIONS: Unrecognized key: "pValueTreshold"'],
    ['{"pValueThreshold":2}', 'FERRY_DRIFT_OPTIONS.pValueThreshold:'],
    ['{"models":{"Bad Name":{}}}', 'FERRY_DRIFT_OPTIONS.models.Bad Name:'],
    ['{"models":{"digits":{"minLiveSamples":0}}}', 'FERRY_DRIFT_OPTIONS.models.digits.minLiveSamples:'],
  ])('refuses %s naming the field', (text, message) => {
    expect(() => parseDriftSettings(text)).toThrow(message);
  });
});
