import type { z } from 'zod';
import {
  LATENCY_EDGES_MS,
  LOAD_TIME_EDGES_MS,
  MAX_COUNT,
  MAX_WINDOW_MINUTES,
  TELEMETRY_BOUNDS,
  TOP_SCORE_EDGES,
  TelemetryBatch,
} from './telemetry.ts';

const {
  featureCounts: FEATURE_COUNTS,
  predictionCounts: PREDICTION_COUNTS,
  featureName: FEATURE_NAME,
  features: MAX_FEATURES,
  bytesDownloaded: MAX_BYTES_DOWNLOADED,
  droppedBatches: MAX_DROPPED_BATCHES,
} = TELEMETRY_BOUNDS;
/**
 * Whether `value` is 32 lowercase hex digits (`batchId`'s pattern, /^[0-9a-f]{32}$/): the one field
 * that never repeats, so no memo can spare its check; a char loop costs less than the regex.
 */
export function isBatchId(value: unknown): value is string {
  if (typeof value !== 'string' || value.length !== 32) return false;
  for (let i = 0; i < 32; i++) {
    const code = value.charCodeAt(i);
    // 0-9 (48-57) or a-f (97-102).
    if (code > 102 || code < 48 || (code > 57 && code < 97)) return false;
  }
  return true;
}

const shape = TelemetryBatch.shape;
const loads = shape.loads.shape;
const environment = shape.environment.shape;
const predictions = shape.predictions.unwrap().shape;
const feature = shape.features.element.shape;

type Obj = Record<string, unknown>;

const isObject = (value: unknown): value is Obj =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Whether `value` is a `Count` (a non-negative integer up to MAX_COUNT). */
const isCount = (value: unknown): boolean =>
  typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= MAX_COUNT;

function isCountArray(value: unknown, min: number, max: number): boolean {
  if (!Array.isArray(value) || value.length < min || value.length > max) return false;
  for (let i = 0; i < value.length; i++) if (!isCount(value[i])) return false;
  return true;
}

/**
 * Whether `value` has no key beyond `keys` (a strict object). A required key that is missing
 * fails its own field's check, which gets `undefined`.
 */
function hasOnly(value: Obj, keys: ReadonlySet<string>): boolean {
  for (const key in value) if (!keys.has(key)) return false;
  return true;
}

const keysOf = (objectShape: Record<string, z.ZodType>): ReadonlySet<string> =>
  new Set(Object.keys(objectShape));

/**
 * A field schema's verdicts, remembered per value: model names, versions and window minutes repeat
 * across nearly every batch, so zod runs once per distinct string. Bounded: past `MEMO_SIZE` the
 * memo starts over.
 */
function memoized(schema: z.ZodType) {
  const verdicts = new Map<string, boolean>();
  return (value: unknown): boolean => {
    if (typeof value !== 'string') return schema.safeParse(value).success;
    let verdict = verdicts.get(value);
    if (verdict === undefined) {
      verdict = schema.safeParse(value).success;
      if (verdicts.size >= MEMO_SIZE) verdicts.clear();
      verdicts.set(value, verdict);
    }
    return verdict;
  };
}
const MEMO_SIZE = 256;

const top = keysOf(shape);
const loadKeys = keysOf(loads);
const environmentKeys = keysOf(environment);
const predictionKeys = keysOf(predictions);
// A feature's two keys (`name`, `counts`), compared directly: a set lookup per key cost more, for
// 30 features a batch. A third field in the schema would fail the property test at once.
const [FEATURE_KEY_A, FEATURE_KEY_B] = Object.keys(feature) as [string, string];
const yesNoKeys = keysOf(environment.crossOriginIsolated.shape);

const fieldCheck = {
  model: memoized(shape.model),
  version: memoized(shape.version),
  sdkVersion: memoized(shape.sdkVersion),
  windowStart: memoized(shape.windowStart),
  windowEnd: memoized(shape.windowEnd),
};
const errorCodes = new Set<string>(shape.errors.keyType.options);
const providers = new Set<string>(shape.latencyMs.keyType.options);
const fallbackReasons = new Set<string>(loads.fallbacks.keyType.options);
const threadBuckets = new Set<string>(environment.threads.keyType.options);

/** A partial record: only keys of `keys`, each value passing `valid`. */
function isRecord(value: unknown, keys: ReadonlySet<string>, valid: (entry: unknown) => boolean): boolean {
  if (!isObject(value)) return false;
  for (const key in value) if (!keys.has(key) || !valid(value[key])) return false;
  return true;
}

const isLatencyHistogram = (value: unknown) =>
  isCountArray(value, LATENCY_EDGES_MS.length + 1, LATENCY_EDGES_MS.length + 1);

function isYesNo(value: unknown): boolean {
  return isObject(value) && hasOnly(value, yesNoKeys) && isCount(value.yes) && isCount(value.no);
}

function isLoads(value: unknown): boolean {
  if (!isObject(value) || !hasOnly(value, loadKeys)) return false;
  const { bytesDownloaded } = value;
  return (
    isCount(value.cold) &&
    isCount(value.warm) &&
    typeof bytesDownloaded === 'number' &&
    Number.isInteger(bytesDownloaded) &&
    bytesDownloaded >= 0 &&
    bytesDownloaded <= MAX_BYTES_DOWNLOADED &&
    isCountArray(value.timeMs, LOAD_TIME_EDGES_MS.length + 1, LOAD_TIME_EDGES_MS.length + 1) &&
    isRecord(value.fallbacks, fallbackReasons, isCount)
  );
}

function isEnvironment(value: unknown): boolean {
  return (
    isObject(value) &&
    hasOnly(value, environmentKeys) &&
    isRecord(value.backend, providers, isCount) &&
    isRecord(value.threads, threadBuckets, isCount) &&
    isYesNo(value.crossOriginIsolated) &&
    isYesNo(value.webgpuAvailable)
  );
}

function isPredictions(value: unknown): boolean {
  return (
    isObject(value) &&
    hasOnly(value, predictionKeys) &&
    isCountArray(value.counts, PREDICTION_COUNTS.min, PREDICTION_COUNTS.max) &&
    isCountArray(value.topScore, TOP_SCORE_EDGES.length + 1, TOP_SCORE_EDGES.length + 1)
  );
}

const seenNames = new Set<string>();
/** The feature names of the last batch whose features passed, in order: known to be unique. */
let lastNames: readonly string[] = [];

/** Whether the names of `features` (each already checked to be a string) are unique. */
function areUnique(features: readonly Obj[]): boolean {
  // One set for every call (the check is synchronous): no allocation but the names kept.
  const seen = seenNames;
  seen.clear();
  const names: string[] = [];
  for (const feature of features) {
    const name = feature.name as string;
    if (seen.has(name)) return false;
    seen.add(name);
    names.push(name);
  }
  lastNames = names;
  return true;
}

/**
 * The features array: each strict `{ name, counts }`, names unique. Every device of a model sends
 * the same names in the same order, so comparing them with the last batch's as they are checked
 * (a string compare each) spares hashing every name into a set, and collecting them.
 */
function isFeatures(value: unknown): boolean {
  if (!Array.isArray(value) || value.length > MAX_FEATURES) return false;
  const last = lastNames;
  let same = value.length === last.length;
  for (let i = 0; i < value.length; i++) {
    const item: unknown = value[i];
    if (!isObject(item)) return false;
    for (const key in item) if (key !== FEATURE_KEY_A && key !== FEATURE_KEY_B) return false;
    const { name } = item;
    if (typeof name !== 'string' || name.length < FEATURE_NAME.min || name.length > FEATURE_NAME.max)
      return false;
    if (!isCountArray(item.counts, FEATURE_COUNTS.min, FEATURE_COUNTS.max)) return false;
    same = same && name === last[i];
  }
  return same || areUnique(value as Obj[]);
}

function isDropped(value: unknown): boolean {
  return (
    value === undefined ||
    (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= MAX_DROPPED_BATCHES)
  );
}

/**
 * Whether a parsed JSON value is a valid {@link TelemetryBatch}: the same verdict as
 * `TelemetryBatch.safeParse(value).success` (proven by server/telemetry/batch-check.test.ts over
 * valid and invalid batches) at a fraction of its cost, since every ingest request parses one and
 * every device seals them (without compiling the whole schema first: some 5 ms in a fresh worker).
 * Field names, enum keys and the string fields' verdicts come from the schema itself. Only the
 * verdict: a refused batch goes through the schema for the error that names the field.
 *
 * Defined for what `JSON.parse` returns (no `undefined`, functions or class instances).
 */
export function isTelemetryBatch(value: unknown): value is TelemetryBatch {
  if (!isObject(value) || !hasOnly(value, top)) return false;
  if (value.schemaVersion !== 1) return false;
  if (!isBatchId(value.batchId)) return false;
  const { metadataVersion, windowStart, windowEnd } = value;
  if (
    !fieldCheck.model(value.model) ||
    !fieldCheck.version(value.version) ||
    !fieldCheck.sdkVersion(value.sdkVersion) ||
    !fieldCheck.windowStart(windowStart) ||
    !fieldCheck.windowEnd(windowEnd)
  )
    return false;
  if (typeof metadataVersion !== 'number' || !Number.isSafeInteger(metadataVersion) || metadataVersion <= 0)
    return false;
  // The schema's superRefine: the window's end within MAX_WINDOW_MINUTES after its start.
  const span = Date.parse(windowEnd as string) - Date.parse(windowStart as string);
  if (span < 0 || span > MAX_WINDOW_MINUTES * 60_000) return false;
  return (
    isCount(value.runs) &&
    isRecord(value.errors, errorCodes, isCount) &&
    isRecord(value.latencyMs, providers, isLatencyHistogram) &&
    isLoads(value.loads) &&
    isFeatures(value.features) &&
    (value.predictions === undefined || isPredictions(value.predictions)) &&
    isEnvironment(value.environment) &&
    isDropped(value.droppedBatches)
  );
}
