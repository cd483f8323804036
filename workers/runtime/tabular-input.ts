import type { Preprocessing } from '$shared/schemas/manifest.ts';
import { invalidInput } from '../errors.ts';
import type { TabularInput } from '../types.ts';
import type { Feed } from './tensor-input.ts';

/** The `tabular` variant of a manifest's preprocessing. */
export type TabularPreprocessing = Extract<Preprocessing, { kind: 'tabular' }>;

/**
 * Named feature values as a `[1, n]` float32 tensor in the manifest's feature order. Every
 * feature must be given as a finite number; unknown names are refused (a typo would otherwise
 * silently feed a default).
 */
export function tabularToFeed(values: TabularInput, spec: TabularPreprocessing): Feed {
  const known = new Set(spec.features.map((f) => f.name));
  for (const name of Object.keys(values)) {
    if (!known.has(name)) throw invalidInput(name, 'not a feature of this model');
  }
  const data = new Float32Array(spec.features.length);
  spec.features.forEach((feature, i) => {
    const value = values[feature.name];
    if (value === undefined) throw invalidInput(feature.name, 'missing feature value');
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw invalidInput(feature.name, `must be a finite number, got ${String(value)}`);
    }
    data[i] = value;
  });
  return { type: 'float32', dims: [1, spec.features.length], data };
}
