/**
 * Every error code Ferry raises, on the server, in the worker and in the client. Branch on
 * `error.code`, never on `instanceof`: errors cross the worker boundary and HTTP, where
 * class identity is lost but the code survives.
 */
export const ErrorCode = {
  BUNDLE_NOT_FOUND: 'BUNDLE_NOT_FOUND',
  MODEL_NOT_FOUND: 'MODEL_NOT_FOUND',
  VERSION_EXISTS: 'VERSION_EXISTS',
  BLOB_NOT_FOUND: 'BLOB_NOT_FOUND',
  INTEGRITY_MISMATCH: 'INTEGRITY_MISMATCH',
  SIGNATURE_INVALID: 'SIGNATURE_INVALID',
  METADATA_STALE: 'METADATA_STALE',
  /** Signed metadata past its `expires` (a freeze attack, or a device offline too long). */
  METADATA_EXPIRED: 'METADATA_EXPIRED',
  /** The version is blocked by the model's control document (the kill switch). */
  VERSION_BLOCKED: 'VERSION_BLOCKED',
  /** A model already has a rollout in progress; promote or roll it back first. */
  ROLLOUT_EXISTS: 'ROLLOUT_EXISTS',
  /** The operation needs a rollout in progress and the model has none. */
  NO_ROLLOUT: 'NO_ROLLOUT',
  /** The version is yanked, so it cannot become a candidate or the stable version. */
  VERSION_YANKED: 'VERSION_YANKED',
  MANIFEST_INVALID: 'MANIFEST_INVALID',
  SIGNATURE_MISMATCH: 'SIGNATURE_MISMATCH',
  ONNX_INVALID: 'ONNX_INVALID',
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  BATCH_TOO_LARGE: 'BATCH_TOO_LARGE',
  INVALID_INPUT: 'INVALID_INPUT',
  NOT_FOUND: 'NOT_FOUND',
  METHOD_NOT_ALLOWED: 'METHOD_NOT_ALLOWED',
  UNSUPPORTED_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  REQUEST_TIMEOUT: 'REQUEST_TIMEOUT',
  RANGE_NOT_SATISFIABLE: 'RANGE_NOT_SATISFIABLE',
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  BACKEND_UNAVAILABLE: 'BACKEND_UNAVAILABLE',
  NETWORK_ERROR: 'NETWORK_ERROR',
  QUOTA_EXCEEDED: 'QUOTA_EXCEEDED',
  RATE_LIMITED: 'RATE_LIMITED',
  /** The server is at a capacity limit (e.g. its event streams); retry after `Retry-After`. */
  UNAVAILABLE: 'UNAVAILABLE',
  MODEL_DISPOSED: 'MODEL_DISPOSED',
  WORKER_CRASHED: 'WORKER_CRASHED',
  MODEL_NOT_READY: 'MODEL_NOT_READY',
  INFERENCE_FAILED: 'INFERENCE_FAILED',
  UNSUPPORTED_TASK: 'UNSUPPORTED_TASK',
  INTERNAL: 'INTERNAL',
} as const;

/** One of {@link ErrorCode}'s values. */
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

const codes = new Set<string>(Object.values(ErrorCode));

/** True when `value` is one of Ferry's error codes. */
export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && codes.has(value);
}

/** Extra, structured facts about an error: the field or file at fault, sizes, and so on. */
export type ErrorDetails = Readonly<Record<string, string | number | boolean | null>>;

/**
 * The one error class of Ferry. `code` says what went wrong in a way programs can branch on;
 * `message` says it to a person and names the field or file at fault.
 */
export class FerryError extends Error {
  override readonly name = 'FerryError';
  readonly code: ErrorCode;
  readonly details: ErrorDetails | undefined;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; details?: ErrorDetails }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options?.details;
  }

  /** A plain object that survives structured clone and JSON. */
  toJSON(): SerializedFerryError {
    return serializeFerryError(this);
  }
}

/** The wire form of a {@link FerryError}. */
export interface SerializedFerryError {
  name: 'FerryError';
  code: ErrorCode;
  message: string;
  details: ErrorDetails | null;
}

/** True for anything carrying a Ferry error code, whatever realm or process made it. */
export function isFerryError(value: unknown): value is FerryError {
  return typeof value === 'object' && value !== null && isErrorCode((value as { code?: unknown }).code);
}

/** The wire form of `error`: what {@link deserializeFerryError} rebuilds it from. */
export function serializeFerryError(error: FerryError): SerializedFerryError {
  return { name: 'FerryError', code: error.code, message: error.message, details: error.details ?? null };
}

/** Rebuilds a {@link FerryError} from its wire form. */
export function deserializeFerryError(value: SerializedFerryError): FerryError {
  return new FerryError(value.code, value.message, value.details ? { details: value.details } : undefined);
}
