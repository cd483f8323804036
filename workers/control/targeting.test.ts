import { describe, expect, it } from 'vitest';
import { TargetingCondition } from '$shared/schemas/control.ts';
import { conditionHolds, failedCondition, type DeviceFacts } from './targeting.ts';

const facts: DeviceFacts = {
  webgpu: true,
  webgpuFeatures: ['shader-f16', 'timestamp-query'],
  deviceMemory: 8,
  hardwareConcurrency: 4,
  crossOriginIsolated: false,
  appVersion: '2.4.1',
  locale: 'en-GB',
  attributes: { plan: 'pro', seats: 12, beta: true },
};

const holds = (condition: unknown, on: DeviceFacts = facts) =>
  conditionHolds(TargetingCondition.parse(condition), on);

describe('conditionHolds', () => {
  it('checks WebGPU and its features', () => {
    expect(holds({ attribute: 'webgpu', equals: true })).toBe(true);
    expect(holds({ attribute: 'webgpu', equals: false })).toBe(false);
    expect(holds({ attribute: 'webgpuFeatures', includes: ['shader-f16'] })).toBe(true);
    expect(holds({ attribute: 'webgpuFeatures', includes: ['shader-f16', 'subgroups'] })).toBe(false);
    // Features of an adapter that is not used (software fallback) count for nothing.
    expect(
      holds({ attribute: 'webgpuFeatures', includes: ['shader-f16'] }, { ...facts, webgpu: false }),
    ).toBe(false);
  });

  it('checks numeric facts against inclusive bounds, failing when the browser hides the fact', () => {
    expect(holds({ attribute: 'deviceMemory', min: 8 })).toBe(true);
    expect(holds({ attribute: 'deviceMemory', min: 4, max: 6 })).toBe(false);
    expect(holds({ attribute: 'hardwareConcurrency', max: 4 })).toBe(true);
    expect(holds({ attribute: 'hardwareConcurrency', min: 5 })).toBe(false);
    const { deviceMemory: _, ...withoutMemory } = facts;
    expect(holds({ attribute: 'deviceMemory', min: 0 }, withoutMemory)).toBe(false);
  });

  it('checks cross-origin isolation', () => {
    expect(holds({ attribute: 'crossOriginIsolated', equals: false })).toBe(true);
    expect(holds({ attribute: 'crossOriginIsolated', equals: true })).toBe(false);
  });

  it('checks appVersion against a semver range, failing for a missing or malformed version or range', () => {
    expect(holds({ attribute: 'appVersion', range: '>=2.3.0 <3' })).toBe(true);
    expect(holds({ attribute: 'appVersion', range: '^2.5.0' })).toBe(false);
    expect(holds({ attribute: 'appVersion', range: '>=1' }, { ...facts, appVersion: 'not-a-version' })).toBe(
      false,
    );
    expect(holds({ attribute: 'appVersion', range: '>=1 <<<' })).toBe(false);
    const { appVersion: _, ...withoutVersion } = facts;
    expect(holds({ attribute: 'appVersion', range: '*' }, withoutVersion)).toBe(false);
  });

  it('matches a locale by tag or tag prefix, case-insensitively', () => {
    expect(holds({ attribute: 'locale', in: ['en'] })).toBe(true);
    expect(holds({ attribute: 'locale', in: ['EN-gb'] })).toBe(true);
    expect(holds({ attribute: 'locale', in: ['fr', 'de'] })).toBe(false);
    expect(holds({ attribute: 'locale', in: ['e'] })).toBe(false);
  });

  it('checks custom attributes by presence, allowed values and numeric bounds', () => {
    expect(holds({ attribute: 'custom', name: 'plan' })).toBe(true);
    expect(holds({ attribute: 'custom', name: 'plan', in: ['pro', 'team'] })).toBe(true);
    expect(holds({ attribute: 'custom', name: 'plan', in: ['free'] })).toBe(false);
    expect(holds({ attribute: 'custom', name: 'seats', min: 10, max: 50 })).toBe(true);
    expect(holds({ attribute: 'custom', name: 'plan', min: 1 })).toBe(false);
    expect(holds({ attribute: 'custom', name: 'beta', in: [true] })).toBe(true);
    expect(holds({ attribute: 'custom', name: 'beta', in: ['true'] })).toBe(false);
    expect(holds({ attribute: 'custom', name: 'toString' })).toBe(false);
    expect(holds({ attribute: 'custom', name: 'missing' })).toBe(false);
  });

  it('fails a condition of a kind this SDK does not know', () => {
    expect(conditionHolds({ attribute: 'battery' } as unknown as TargetingCondition, facts)).toBe(false);
  });
});

describe('failedCondition', () => {
  it('ANDs the conditions and names the first that fails', () => {
    const targeting = [
      { attribute: 'webgpu', equals: true },
      { attribute: 'locale', in: ['fr'] },
      { attribute: 'custom', name: 'plan', in: ['free'] },
    ].map((c) => TargetingCondition.parse(c));
    expect(failedCondition(targeting, facts)).toEqual(targeting[1]);
    expect(failedCondition(targeting.slice(0, 1), facts)).toBeUndefined();
    expect(failedCondition([], facts)).toBeUndefined();
  });
});
