import { ErrorCode, isFerryError, type ErrorCode as Code } from '$shared';

/** The tRPC error codes Ferry maps onto (a subset of TRPC_ERROR_CODE_KEY). */
export type TrpcCode =
  | 'BAD_REQUEST'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'METHOD_NOT_SUPPORTED'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'TIMEOUT'
  | 'CONFLICT'
  | 'PAYLOAD_TOO_LARGE'
  | 'PRECONDITION_FAILED'
  | 'TOO_MANY_REQUESTS'
  | 'INTERNAL_SERVER_ERROR';

const table: Record<Code, { status: number; trpc: TrpcCode }> = {
  BUNDLE_NOT_FOUND: { status: 404, trpc: 'NOT_FOUND' },
  MODEL_NOT_FOUND: { status: 404, trpc: 'NOT_FOUND' },
  BLOB_NOT_FOUND: { status: 404, trpc: 'NOT_FOUND' },
  VERSION_EXISTS: { status: 409, trpc: 'CONFLICT' },
  INTEGRITY_MISMATCH: { status: 400, trpc: 'BAD_REQUEST' },
  SIGNATURE_INVALID: { status: 400, trpc: 'BAD_REQUEST' },
  METADATA_STALE: { status: 412, trpc: 'PRECONDITION_FAILED' },
  METADATA_EXPIRED: { status: 412, trpc: 'PRECONDITION_FAILED' },
  VERSION_BLOCKED: { status: 409, trpc: 'CONFLICT' },
  ROLLOUT_EXISTS: { status: 409, trpc: 'CONFLICT' },
  NO_ROLLOUT: { status: 409, trpc: 'CONFLICT' },
  VERSION_YANKED: { status: 409, trpc: 'CONFLICT' },
  MANIFEST_INVALID: { status: 400, trpc: 'BAD_REQUEST' },
  SIGNATURE_MISMATCH: { status: 400, trpc: 'BAD_REQUEST' },
  ONNX_INVALID: { status: 400, trpc: 'BAD_REQUEST' },
  PAYLOAD_TOO_LARGE: { status: 413, trpc: 'PAYLOAD_TOO_LARGE' },
  BATCH_TOO_LARGE: { status: 400, trpc: 'BAD_REQUEST' },
  INVALID_INPUT: { status: 400, trpc: 'BAD_REQUEST' },
  NOT_FOUND: { status: 404, trpc: 'NOT_FOUND' },
  METHOD_NOT_ALLOWED: { status: 405, trpc: 'METHOD_NOT_SUPPORTED' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, trpc: 'UNSUPPORTED_MEDIA_TYPE' },
  REQUEST_TIMEOUT: { status: 408, trpc: 'TIMEOUT' },
  RANGE_NOT_SATISFIABLE: { status: 416, trpc: 'BAD_REQUEST' },
  UNAUTHENTICATED: { status: 401, trpc: 'UNAUTHORIZED' },
  FORBIDDEN: { status: 403, trpc: 'FORBIDDEN' },
  BACKEND_UNAVAILABLE: { status: 500, trpc: 'INTERNAL_SERVER_ERROR' },
  NETWORK_ERROR: { status: 500, trpc: 'INTERNAL_SERVER_ERROR' },
  QUOTA_EXCEEDED: { status: 413, trpc: 'PAYLOAD_TOO_LARGE' },
  RATE_LIMITED: { status: 429, trpc: 'TOO_MANY_REQUESTS' },
  UNAVAILABLE: { status: 503, trpc: 'TOO_MANY_REQUESTS' },
  MODEL_DISPOSED: { status: 500, trpc: 'INTERNAL_SERVER_ERROR' },
  WORKER_CRASHED: { status: 500, trpc: 'INTERNAL_SERVER_ERROR' },
  MODEL_NOT_READY: { status: 500, trpc: 'INTERNAL_SERVER_ERROR' },
  INFERENCE_FAILED: { status: 500, trpc: 'INTERNAL_SERVER_ERROR' },
  UNSUPPORTED_TASK: { status: 400, trpc: 'BAD_REQUEST' },
  INTERNAL: { status: 500, trpc: 'INTERNAL_SERVER_ERROR' },
};

/** The HTTP status and tRPC code for a Ferry error code: the one place this mapping lives. */
export function statusOf(code: Code): { status: number; trpc: TrpcCode } {
  return table[code];
}

/** Whether an error is a client's fault and safe to show as is (its message names the field). */
export function isExposable(error: unknown): error is { code: Code; message: string } {
  return isFerryError(error) && error.code !== ErrorCode.INTERNAL && statusOf(error.code).status < 500;
}
