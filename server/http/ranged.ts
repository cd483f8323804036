import { ErrorCode, FerryError } from '$shared';
import type { ByteRange } from '../storage/blob-store.ts';
import { decideRange } from './range.ts';
import { toResponse, viewOfRequest, type Answer, type RequestView } from './answer.ts';
import { errorAnswer, matchesEtag } from './respond.ts';

/** A resource of known size and strong ETag that can be read whole or by byte range. */
export interface RangedResource {
  size: number;
  /** A strong entity tag, quoted (`"…"`): If-Range needs strong comparison (RFC 9110 §13.1.5). */
  etag: string;
  /** Content-Type, Cache-Control and whatever else every answer about it carries. */
  headers: Record<string, string>;
  /** The bytes of `range` (inclusive, never empty), as a stream the response may cancel. */
  read(range: ByteRange): Promise<ReadableStream<Uint8Array>>;
}

/**
 * Answers GET or HEAD for `resource`: 304 on a matching If-None-Match, 206 for one satisfiable
 * byte range (If-Range permitting), 416 with `Content-Range: bytes *\/size` and a JSON error
 * (`RANGE_NOT_SATISFIABLE`) for an unsatisfiable one, else 200 with the whole body, opened only
 * when the answer is sent. The one range logic of the blob route and static files.
 */
export function rangedAnswer(request: RequestView, resource: RangedResource): Answer {
  const { size, etag } = resource;
  const headers: Record<string, string> = { ...resource.headers, ETag: etag, 'Accept-Ranges': 'bytes' };
  if (matchesEtag(request.header('if-none-match'), etag)) return { status: 304, headers, body: null };
  const ifRange = request.header('if-range');
  const rangeHeader = ifRange === null || ifRange === etag ? request.header('range') : null;
  const decision = decideRange(rangeHeader, size);
  if (decision.kind === 'unsatisfiable') {
    // The error contract's body; no Cache-Control, so that no cache keeps the refusal.
    const error = new FerryError(
      ErrorCode.RANGE_NOT_SATISFIABLE,
      `Range: "${String(rangeHeader).slice(0, 100)}" starts at or past the end (${size} bytes)`,
    );
    const refusal = errorAnswer(error);
    Object.assign(refusal.headers, {
      'Content-Range': `bytes */${size}`,
      'Accept-Ranges': 'bytes',
      ETag: etag,
    });
    return refusal;
  }
  const partial = decision.kind === 'partial';
  // The whole resource is the range 0…size-1: its size is known, so the reader need not stat it.
  const range = partial ? decision.range : { start: 0, end: size - 1 };
  const length = range.end - range.start + 1;
  if (partial) headers['Content-Range'] = `bytes ${range.start}-${range.end}/${size}`;
  headers['Content-Length'] = String(length);
  const status = partial ? 206 : 200;
  if (request.method === 'HEAD' || length === 0) return { status, headers, body: null };
  return { status, headers, body: { open: () => resource.read(range) } };
}

/** {@link rangedAnswer} for a web `Request`, as a web `Response`. */
export function rangedResponse(request: Request, resource: RangedResource): Promise<Response> {
  return toResponse(rangedAnswer(viewOfRequest(request), resource));
}
