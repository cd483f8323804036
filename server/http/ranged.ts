import { ErrorCode, FerryError } from '$shared';
import type { ByteRange } from '../storage/blob-store.ts';
import { decideRange } from './range.ts';
import { errorResponse, matchesEtag } from './respond.ts';

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
 * (`RANGE_NOT_SATISFIABLE`) for an unsatisfiable one, else 200 with the whole body. The one range logic of the blob route and static files.
 */
export async function rangedResponse(request: Request, resource: RangedResource): Promise<Response> {
  const { size, etag } = resource;
  const headers: Record<string, string> = { ...resource.headers, ETag: etag, 'Accept-Ranges': 'bytes' };
  if (matchesEtag(request.headers.get('if-none-match'), etag)) {
    return new Response(null, { status: 304, headers });
  }
  const ifRange = request.headers.get('if-range');
  const rangeHeader = ifRange === null || ifRange === etag ? request.headers.get('range') : null;
  const decision = decideRange(rangeHeader, size);
  if (decision.kind === 'unsatisfiable') {
    // The error contract's body; no Cache-Control, so that no cache keeps the refusal.
    const error = new FerryError(
      ErrorCode.RANGE_NOT_SATISFIABLE,
      `Range: "${String(rangeHeader).slice(0, 100)}" starts at or past the end (${size} bytes)`,
    );
    const refusal = errorResponse(error);
    refusal.headers.set('Content-Range', `bytes */${size}`);
    refusal.headers.set('Accept-Ranges', 'bytes');
    refusal.headers.set('ETag', etag);
    return refusal;
  }
  const partial = decision.kind === 'partial';
  // The whole resource is the range 0…size-1: its size is known, so the reader need not stat it.
  const range = partial ? decision.range : { start: 0, end: size - 1 };
  const length = range.end - range.start + 1;
  if (partial) headers['Content-Range'] = `bytes ${range.start}-${range.end}/${size}`;
  headers['Content-Length'] = String(length);
  const status = partial ? 206 : 200;
  if (request.method === 'HEAD' || length === 0) return new Response(null, { status, headers });
  return new Response(await resource.read(range), { status, headers });
}
