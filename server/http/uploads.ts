import { ErrorCode, FerryError, isFerryError, type UploadResult } from '$shared';
import type { Ferry } from '../ferry.ts';
import { authorize } from '../services/authorize.ts';
import { assertDigest, payloadTooLarge } from '../storage/blob-store.ts';
import { withIdleTimeout } from './idle-timeout.ts';
import { mediaTypeOf } from './media-type.ts';
import { guarded, json } from './respond.ts';

const UPLOAD_TYPE = 'application/octet-stream';

function assertOctetStream(contentType: string | null): void {
  if (contentType === null) {
    throw new FerryError(
      ErrorCode.UNSUPPORTED_MEDIA_TYPE,
      `Content-Type: an upload needs the header Content-Type: ${UPLOAD_TYPE}`,
    );
  }
  if (mediaTypeOf(contentType) !== UPLOAD_TYPE) {
    throw new FerryError(
      ErrorCode.UNSUPPORTED_MEDIA_TYPE,
      `Content-Type: "${contentType.slice(0, 100)}" is not ${UPLOAD_TYPE}`,
    );
  }
}

// How much of a refused body is read and dropped before answering 413 (see drainForAnswer).
const DRAIN_BYTES = 64 * 1024 * 1024;

/**
 * Reads and drops the rest of a refused body (up to DRAIN_BYTES; nothing when its declared
 * length is longer) before the 413 goes out. Answering while the client still sends makes Node close a
 * socket with unread data, which resets the connection, and the client never sees the 413.
 * Never throws: a client that stalls or leaves just gets no drain.
 */
async function drainForAnswer(rest: AsyncIterable<Uint8Array>, declared: number | null): Promise<void> {
  if (declared !== null && declared > DRAIN_BYTES) return;
  let dropped = 0;
  try {
    for await (const chunk of rest) {
      dropped += chunk.byteLength;
      if (dropped > DRAIN_BYTES) return;
    }
  } catch {
    // Stalled or gone: there is nothing more to read for an answer.
  }
}

/** Whether `error` is the request body failing because the client went away (not our fault). */
function isClientAbort(request: Request, error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return request.signal.aborted || code === 'ECONNRESET' || code === 'ERR_STREAM_PREMATURE_CLOSE';
}

/**
 * `PUT /api/v1/uploads/{sha256}` (scope `publish`): streams the body into the blob store,
 * hashing on the fly. 201 when stored, 200 when those bytes were already there, 400 when they
 * hash to something else, 413 beyond the size limit, 415 unless the body is
 * `application/octet-stream`, 408 when the client stops sending for FERRY_UPLOAD_IDLE_TIMEOUT_MS.
 * An empty body is an empty file. Nothing becomes visible until a publish.
 */
export async function receiveUpload(request: Request, ferry: Ferry, sha256: string): Promise<Response> {
  const response = await guarded(async () => {
    authorize(ferry.deps.db, request.headers.get('authorization'), 'publish');
    assertDigest(sha256);
    assertOctetStream(request.headers.get('content-type'));
    const max = ferry.deps.maxFileBytes;
    const declared = Number(request.headers.get('content-length') ?? NaN);
    // SvelteKit gives a body of Content-Length 0 as null.
    const source =
      request.body ?? new ReadableStream<Uint8Array>({ start: (controller) => controller.close() });
    const idleMs = ferry.config.uploadIdleTimeoutMs;
    const idle = () =>
      new FerryError(ErrorCode.REQUEST_TIMEOUT, `body: no bytes received for ${idleMs} ms, upload abandoned`);
    if (declared > max) {
      await drainForAnswer(withIdleTimeout(source, idleMs, idle), declared);
      throw payloadTooLarge(max);
    }
    try {
      const put = await ferry.deps.blobs.put(withIdleTimeout(source, idleMs, idle), {
        expectedSha256: sha256,
        maxBytes: max,
      });
      const result: UploadResult = { sha256: put.sha256, size: put.size };
      return json(result, { status: put.created ? 201 : 200 });
    } catch (error) {
      if (isFerryError(error) && error.code === ErrorCode.PAYLOAD_TOO_LARGE) {
        await drainForAnswer(withIdleTimeout(source, idleMs, idle), null);
      }
      if (!isClientAbort(request, error)) throw error;
      // The store has removed its temp file; there is nobody left to answer.
      console.error(`ferry: upload of ${sha256} aborted by the client`);
      throw new FerryError(ErrorCode.INVALID_INPUT, 'body: the client aborted the upload');
    }
  });
  // A stalled client's connection is closed once it has its answer, releasing the socket.
  if (response.status === 408) response.headers.set('Connection', 'close');
  return response;
}

/**
 * `HEAD /api/v1/uploads/{sha256}` (scope `publish`): 200 with Content-Length when those bytes are
 * already stored (a client may skip the upload), 404 otherwise.
 */
export function probeUpload(request: Request, ferry: Ferry, sha256: string): Promise<Response> {
  return guarded(async () => {
    authorize(ferry.deps.db, request.headers.get('authorization'), 'publish');
    assertDigest(sha256);
    const stored = await ferry.deps.blobs.stat(sha256);
    if (!stored) return new Response(null, { status: 404 });
    return new Response(null, { status: 200, headers: { 'Content-Length': String(stored.size) } });
  });
}
