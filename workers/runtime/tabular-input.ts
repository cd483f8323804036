import { ErrorCode, FerryError } from '$shared/errors.ts';
import type { Preprocessing } from '$shared/schemas/manifest.ts';
import type { TabularInput } from '../types.ts';
import type { Feed } from './tensor-input.ts';

/** The `tabular` variant of a manifest's preprocessing. */
export type TabularPreprocessing = Extract<Preprocessing, { kind: 'tabular' }>;

const invalid = (message: string, field: string) =>
  new FerryError(ErrorCode.INVALID_INPUT, message, { details: { field } });

/**
 * Named feature values as a `[1, n]` float32 tensor in the manifest's feature order. Every
 * feature must be given as a finite number; unknown names are refused (a typo would otherwise
 * silently feed a default).
 */
export function tabularToFeed(values: TabularInput, spec: TabularPreprocessing): Feed {
  const known = new Set(spec.features.map((f) => f.name));
  for (const name of Object.keys(values)) {
    if (!known.has(name)) throw invalid(`${name}: not a feature of this model`, name);
  }
  const data = new Float32Array(spec.features.length);
  spec.features.forEach((feature, i) => {
    const value = values[feature.name];
    if (value === undefined) throw invalid(`${feature.name}: missing feature value`, feature.name);
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw invalid(`${feature.name}: must be a finite number, got ${String(value)}`, feature.name);
    }
    data[i] = value;
  });
  return { type: 'float32', dims: [1, spec.features.length], data };
}
