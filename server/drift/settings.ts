import { z } from 'zod';
import { ErrorCode, FerryError, ModelName } from '$shared';
import { DriftOptions, type DriftOptionsInput } from '$shared/schemas/drift.ts';

/**
 * The server's drift thresholds: overrides of the defaults of shared/schemas/drift.ts for every
 * model, and per model on top of those. A per-model setting in the manifest can join later as one
 * more layer in {@link optionsFor}.
 */
export interface DriftSettings {
  defaults: DriftOptionsInput;
  models: Readonly<Record<string, DriftOptionsInput>>;
}

/** No overrides: every model uses the calibrated defaults. */
export const DEFAULT_DRIFT_SETTINGS: DriftSettings = { defaults: {}, models: {} };

// Strict, so that a misspelt threshold fails the start instead of being ignored.
const Overrides = DriftOptions.strict();
const Setting = z
  .record(z.string(), z.unknown())
  .and(z.object({ models: z.record(ModelName, z.record(z.string(), z.unknown())).optional() }));

/** INVALID_INPUT for the first issue of `error`, its path under `prefix`. */
function invalid(error: z.ZodError, prefix: string): FerryError {
  const issue = error.issues[0];
  const path = issue?.path.map(String).join('.');
  return new FerryError(
    ErrorCode.INVALID_INPUT,
    `${prefix}${path ? `.${path}` : ''}: ${issue?.message ?? 'invalid'}`,
  );
}

/** The drift options for `model`: the calibrated defaults, then the server's, then the model's. */
export function optionsFor(settings: DriftSettings, model: string): DriftOptionsInput {
  return { ...settings.defaults, ...settings.models[model] };
}

/**
 * Parses `FERRY_DRIFT_OPTIONS`, a JSON object of drift options with an optional `models` map of
 * per-model ones, e.g. `{"pValueThreshold":0.01,"models":{"breast-cancer":{"minLiveSamples":100}}}`.
 * Empty means no overrides. Throws INVALID_INPUT naming the setting and field at fault.
 */
export function parseDriftSettings(text: string, variable = 'FERRY_DRIFT_OPTIONS'): DriftSettings {
  if (text.trim() === '') return DEFAULT_DRIFT_SETTINGS;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new FerryError(ErrorCode.INVALID_INPUT, `${variable}: not valid JSON`);
  }
  const setting = Setting.safeParse(json);
  if (!setting.success) throw invalid(setting.error, variable);
  const { models = {}, ...defaults } = setting.data;
  const check = (value: Record<string, unknown>, path: string) => {
    const parsed = Overrides.safeParse(value);
    if (!parsed.success) throw invalid(parsed.error, path);
  };
  check(defaults, variable);
  for (const [model, options] of Object.entries(models)) {
    check({ ...defaults, ...options }, `${variable}.models.${model}`);
  }
  return { defaults: defaults as DriftOptionsInput, models: models as Record<string, DriftOptionsInput> };
}
