import satisfies from 'semver/functions/satisfies.js';
import type { TargetingCondition } from '$shared/schemas/control.ts';

/** A value the host app passes as a custom targeting attribute. */
export type AttributeValue = string | number | boolean;

/**
 * What targeting is evaluated against. Gathered in the worker (see device-facts.ts) plus what
 * the host passed; it never leaves the device. A fact the browser does not expose is undefined.
 */
export interface DeviceFacts {
  /** A usable, non-fallback (hardware) WebGPU adapter. */
  webgpu: boolean;
  webgpuFeatures: readonly string[];
  deviceMemory?: number;
  hardwareConcurrency?: number;
  crossOriginIsolated: boolean;
  appVersion?: string;
  locale?: string;
  attributes: Readonly<Record<string, AttributeValue>>;
}

const inRange = (value: number | undefined, min?: number, max?: number) =>
  value !== undefined &&
  Number.isFinite(value) &&
  (min === undefined || value >= min) &&
  (max === undefined || value <= max);

/** `en` matches `en`, `en-GB` and `EN-gb` (BCP 47 tags compare case-insensitively), not `eng`. */
function localeMatches(locale: string | undefined, tags: readonly string[]): boolean {
  if (!locale) return false;
  const value = locale.toLowerCase();
  return tags.some((tag) => {
    const prefix = tag.toLowerCase();
    return value === prefix || value.startsWith(`${prefix}-`);
  });
}

function customMatches(
  condition: Extract<TargetingCondition, { attribute: 'custom' }>,
  attributes: DeviceFacts['attributes'],
): boolean {
  if (!Object.hasOwn(attributes, condition.name)) return false;
  const value = attributes[condition.name];
  if (condition.in && !condition.in.some((allowed) => allowed === value)) return false;
  if (condition.min !== undefined || condition.max !== undefined) {
    return typeof value === 'number' && inRange(value, condition.min, condition.max);
  }
  return true;
}

/**
 * Whether one condition holds for `facts`. Never throws: a fact that is missing, of the wrong type
 * or unparseable (an `appVersion` that is not semver, a range semver cannot read) fails the
 * condition, so the device stays on the stable version.
 */
export function conditionHolds(condition: TargetingCondition, facts: DeviceFacts): boolean {
  switch (condition.attribute) {
    case 'webgpu':
      return facts.webgpu === condition.equals;
    case 'webgpuFeatures':
      return facts.webgpu && condition.includes.every((f) => facts.webgpuFeatures.includes(f));
    case 'deviceMemory':
      return inRange(facts.deviceMemory, condition.min, condition.max);
    case 'hardwareConcurrency':
      return inRange(facts.hardwareConcurrency, condition.min, condition.max);
    case 'crossOriginIsolated':
      return facts.crossOriginIsolated === condition.equals;
    case 'appVersion':
      try {
        return facts.appVersion !== undefined && satisfies(facts.appVersion, condition.range);
      } catch {
        return false;
      }
    case 'locale':
      return localeMatches(facts.locale, condition.in);
    case 'custom':
      return customMatches(condition, facts.attributes);
    default:
      // A condition kind newer than this SDK: the device cannot show it holds.
      return false;
  }
}

/** The first condition of `targeting` that fails for `facts` (conditions are AND-ed), or undefined. */
export function failedCondition(
  targeting: readonly TargetingCondition[],
  facts: DeviceFacts,
): TargetingCondition | undefined {
  return targeting.find((condition) => !conditionHolds(condition, facts));
}
