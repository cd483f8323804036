import { ErrorCode, FerryError } from '$shared/errors.ts';
import type { PartialStore } from '../cache/partials.ts';
import { errorMessage } from '../errors.ts';
import { verifyFileBytes, type ExpectedFile } from '../integrity.ts';

/** Options of {@link downloadVerified}. */
export interface DownloadOptions {
  url: string;
  file: ExpectedFile;
  fetch: typeof fetch;
  /** Bytes received so far (may drop to 0 if the server ignores a Range request). */
  onBytes?: (received: number) => void;
  /** Where checkpoints of large downloads go, so a later page load resumes them. */
  partials?: PartialStore;
  /** Bytes between two checkpoints; files under twice this size are not checkpointed. */
  checkpointBytes?: number;
  /** Attempts before giving up on network errors (each resumes where the last one stopped). */
  maxAttempts?: number;
  retryDelayMs?: number;
  /**
   * An attempt that receives nothing (neither the response nor a byte of its body) for this long
   * is aborted and resumed like a dropped connection (default {@link STALL_TIMEOUT_MS}).
   */
  stallTimeoutMs?: number;
}

/**
 * How long a download may receive nothing before its attempt is aborted: a connection that stays
 * open and stops sending (a stalled network or proxy, a server that sent less than it declared)
 * would otherwise hold the load, and every load that joined it, for good.
 */
export const STALL_TIMEOUT_MS = 30_000;

interface Received {
  chunks: Uint8Array[];
  bytes: number;
}

const concat = (chunks: Uint8Array[], size: number) => {
  const out = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
};

/**
 * Downloads one blob and returns its bytes only after their sha256 and size match the signed
 * manifest (`INTEGRITY_MISMATCH` naming the file otherwise). An interrupted transfer, or one that
 * receives nothing for `stallTimeoutMs`, resumes with
 * `Range: bytes=<received>-` (within this call, and across page loads through `partials`); a
 * server that answers 200 instead of 206, or a 206 from another offset, restarts it.
 * `cache: 'no-store'`: the verified bytes go to Ferry's own cache, so the HTTP cache would only
 * hold a second copy.
 */
export async function downloadVerified(options: DownloadOptions): Promise<Uint8Array> {
  const { file, maxAttempts = 4, retryDelayMs = 250 } = options;
  const received: Received = { chunks: [], bytes: 0 };
  if (options.partials) {
    received.chunks = await options.partials.load(file.sha256);
    received.bytes = received.chunks.reduce((n, c) => n + c.byteLength, 0);
    if (received.bytes > file.size) await restart(received, options);
  }
  let failures = 0;
  let attempted = false;
  // An empty file still takes one request; bytes already all there (checkpoints) take none.
  while (received.bytes < file.size || (file.size === 0 && !attempted)) {
    attempted = true;
    try {
      await transfer(received, options);
      if (received.bytes < file.size) throw new TypeError('connection closed early');
    } catch (error) {
      if (error instanceof FerryError) {
        if (error.code === ErrorCode.INTEGRITY_MISMATCH) await options.partials?.clear(file.sha256);
        throw error;
      }
      failures++;
      if (failures >= maxAttempts) {
        throw new FerryError(
          ErrorCode.NETWORK_ERROR,
          `${file.path}: download failed after ${failures} attempts (${errorMessage(error)}); ${received.bytes} of ${file.size} bytes kept for resuming`,
          { details: { path: file.path, received: received.bytes } },
        );
      }
      await new Promise((resolve) => setTimeout(resolve, retryDelayMs * failures));
    }
  }
  const bytes = concat(received.chunks, received.bytes);
  try {
    await verifyFileBytes(bytes, file);
  } finally {
    await options.partials?.clear(file.sha256);
  }
  return bytes;
}

async function restart(received: Received, options: DownloadOptions): Promise<void> {
  received.chunks = [];
  received.bytes = 0;
  await options.partials?.clear(options.file.sha256);
  options.onBytes?.(0);
}

/**
 * An abort signal that fires once `ms` pass without a call to `alive()` (counted from the guard's
 * start), with a TypeError as its reason: the download retries it like any network error.
 */
function stallGuard(ms: number) {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const alive = () => {
    clearTimeout(timer);
    timer = setTimeout(() => controller.abort(new TypeError(`nothing received for ${ms} ms`)), ms);
  };
  alive();
  return { signal: controller.signal, alive, stop: () => clearTimeout(timer) };
}

async function transfer(received: Received, options: DownloadOptions): Promise<void> {
  const stall = stallGuard(options.stallTimeoutMs ?? STALL_TIMEOUT_MS);
  try {
    await transferGuarded(received, options, stall);
  } finally {
    stall.stop();
  }
}

async function transferGuarded(
  received: Received,
  options: DownloadOptions,
  stall: ReturnType<typeof stallGuard>,
): Promise<void> {
  const { file } = options;
  const headers: Record<string, string> = {};
  if (received.bytes > 0) headers.Range = `bytes=${received.bytes}-`;
  const response = await options.fetch(options.url, { headers, cache: 'no-store', signal: stall.signal });
  stall.alive();
  if (response.status === 206) {
    const start = /^bytes (\d+)-/.exec(response.headers.get('Content-Range') ?? '')?.[1];
    if (Number(start) !== received.bytes) {
      // The body belongs elsewhere in the file: drop it and what we have, and retry from 0.
      const mismatch = new TypeError(`206 from byte ${start ?? '?'}, asked for ${received.bytes}`);
      await response.body?.cancel();
      await restart(received, options);
      throw mismatch;
    }
  } else if (response.status === 200) {
    if (received.bytes > 0) await restart(received, options);
  } else if (response.status === 416) {
    await restart(received, options);
    throw new TypeError('416 Range Not Satisfiable');
  } else {
    throw httpError(response.status, file.path);
  }
  await readBody(response, received, { ...options, alive: stall.alive });
}

function httpError(status: number, path: string): FerryError | TypeError {
  if (status === 404) {
    return new FerryError(ErrorCode.BLOB_NOT_FOUND, `${path}: the server has no such blob (404)`, {
      details: { path, status },
    });
  }
  // 5xx and the like may pass: retried like a network error.
  return new TypeError(`HTTP ${status}`);
}

async function readBody(
  response: Response,
  received: Received,
  options: DownloadOptions & { /** Called at each chunk (the stall guard). */ alive: () => void },
): Promise<void> {
  const { file, partials, checkpointBytes = 4 * 1024 * 1024 } = options;
  const checkpoints = partials !== undefined && file.size >= 2 * checkpointBytes;
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  const reader = response.body?.getReader();
  if (!reader) throw new TypeError('response has no body');
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    options.alive();
    received.chunks.push(value);
    received.bytes += value.byteLength;
    if (received.bytes > file.size) {
      await reader.cancel();
      throw new FerryError(
        ErrorCode.INTEGRITY_MISMATCH,
        `${file.path}: the server sent more than the ${file.size} bytes the signed manifest says`,
        { details: { path: file.path, expectedSize: file.size } },
      );
    }
    options.onBytes?.(received.bytes);
    if (!checkpoints) continue;
    pending.push(value);
    pendingBytes += value.byteLength;
    if (pendingBytes >= checkpointBytes) {
      const offset = received.bytes - pendingBytes;
      // Best effort: a checkpoint that does not fit only costs re-downloading those bytes later.
      await partials.append(file.sha256, offset, concat(pending, pendingBytes)).catch(() => undefined);
      pending = [];
      pendingBytes = 0;
    }
  }
}
