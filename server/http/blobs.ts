import { ErrorCode, FerryError, Sha256 } from '$shared';
import type { Ferry } from '../ferry.ts';
import { publishedBlobSize } from '../services/registry.ts';
import { decideRange } from './range.ts';
import { guarded, matchesEtag } from './respond.ts';

function notFound(sha256: string): FerryError {
  return new FerryError(ErrorCode.BLOB_NOT_FOUND, `blob ${sha256} is not part of any published version`);
}

/**
 * `GET|HEAD /api/v1/blobs/{sha256}`: the immutable bytes of a blob that a committed version
 * references (uploaded-but-unpublished blobs are invisible), with a strong ETag, long-lived
 * caching, 304 on If-None-Match and 206 for a single byte range.
 */
export function serveBlob(request: Request, ferry: Ferry, sha256: string): Promise<Response> {
  return guarded(async () => {
    if (!Sha256.safeParse(sha256).success) throw notFound(sha256);
    const size = publishedBlobSize(ferry.deps.db, sha256);
    if (size === null) throw notFound(sha256);
    const etag = `"${sha256}"`;
    const headers: Record<string, string> = {
      'Content-Type': 'application/octet-stream',
      ETag: etag,
      'Cache-Control': 'public, max-age=31536000, immutable',
      'Accept-Ranges': 'bytes',
    };
    if (matchesEtag(request.headers.get('if-none-match'), etag)) {
      return new Response(null, { status: 304, headers });
    }
    const ifRange = request.headers.get('if-range');
    const rangeHeader = ifRange === null || ifRange === etag ? request.headers.get('range') : null;
    const decision = decideRange(rangeHeader, size);
    if (decision.kind === 'unsatisfiable') {
      return new Response(null, { status: 416, headers: { ...headers, 'Content-Range': `bytes */${size}` } });
    }
    const partial = decision.kind === 'partial';
    // The whole blob is the range 0…size-1: the size is known here, so the store need not stat it.
    const range = partial ? decision.range : { start: 0, end: size - 1 };
    const length = range.end - range.start + 1;
    if (partial) headers['Content-Range'] = `bytes ${range.start}-${range.end}/${size}`;
    headers['Content-Length'] = String(length);
    const status = partial ? 206 : 200;
    if (request.method === 'HEAD' || length === 0) return new Response(null, { status, headers });
    return new Response(await ferry.deps.blobs.read(sha256, range), { status, headers });
  });
}
