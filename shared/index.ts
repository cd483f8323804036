export { fromBase64, sha256Hex, toBase64, toHex } from './encoding/bytes.ts';
export { binIndex } from './features/bin-index.ts';
export { FULL_INK, INK_THRESHOLD, imageFeatures, inkGrid, type InkGrid } from './features/image-features.ts';
export { measureFeatures, type MeasuredInput } from './features/measure.ts';
export {
  characterCount,
  textFeatures,
  tokenCount,
  unknownTokenRate,
  wordCount,
  type Tokenized,
} from './features/text-features.ts';
export {
  ErrorCode,
  FerryError,
  deserializeFerryError,
  isErrorCode,
  isFerryError,
  type ErrorDetails,
  type SerializedFerryError,
} from './errors.ts';
export { AnyEnvelope, Signature64, signedEnvelope, type Envelope } from './schemas/envelope.ts';
export {
  BundleFile,
  BundleManifest,
  BundlePath,
  BundleSource,
  CompiledForm,
  Dim,
  DynamicSide,
  ElementType,
  ExecutionProvider,
  FileRole,
  ImageResize,
  ModelName,
  ONNXRUNTIME_VERSION,
  Postprocessing,
  Preprocessing,
  PublishedFile,
  PublishedManifest,
  RuntimeHints,
  SemVer,
  Sha256,
  Signature,
  TabularFeature,
  Task,
  TensorSpec,
  VersionStatus,
  type BundleManifestInput,
} from './schemas/manifest.ts';
export {
  CategoricalFeatureProfile,
  FeatureMeasure,
  FeatureProfile,
  ImageExtractor,
  NumericFeatureProfile,
  ReferenceProfile,
  TextExtractor,
} from './schemas/reference-profile.ts';
export {
  HttpErrorBody,
  ModelList,
  ModelSummary,
  PublishInput,
  PublishResult,
  TokenInfo,
  TokenScope,
  UploadResult,
  UploadedFile,
  VersionSummary,
  scopeGrants,
  type PublishInputRaw,
} from './schemas/registry.ts';
export {
  ClassificationExpected,
  DetectedBox,
  DetectionExpected,
  SampleInput,
  SampleSet,
} from './schemas/samples.ts';
export { ServerInfo } from './schemas/server-info.ts';
export {
  Count,
  FallbackReason,
  FeatureCounts,
  LATENCY_EDGES_MS,
  LOAD_TIME_EDGES_MS,
  LatencyHistogram,
  LoadTimeHistogram,
  MAX_COUNT,
  MAX_WINDOW_MINUTES,
  TELEMETRY_BOUNDS,
  TELEMETRY_MAX_BYTES,
  TOP_SCORE_EDGES,
  TelemetryBatch,
  ThreadBucket,
  TopScoreHistogram,
  threadBucket,
} from './schemas/telemetry.ts';
export { canonicalBytes, canonicalJson } from './signing/canonical-json.ts';
export { verifyEd25519 } from './signing/ed25519.ts';
export { keyIdOf, verifyEnvelope, verifyManifest, type TrustedKey } from './signing/verify.ts';
export { softmax } from './stats/softmax.ts';
export { scaleBoxes, textBoxes, type TextBox } from './vision/text-boxes.ts';
export { describeIssue } from './zod-issue.ts';
export { BUCKETS, ControlAction, ControlDocument, Rollout, TargetingCondition } from './schemas/control.ts';
export {
  ControlStatus,
  ModelInput,
  ModelVersionInput,
  RolloutShareInput,
  RolloutStartInput,
  basisPointsOf,
} from './schemas/rollout-ops.ts';
export { RolloutCompareInput, RolloutComparison, VersionTelemetry } from './schemas/rollout-compare.ts';
