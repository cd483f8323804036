import { ErrorCode, FerryError, Sha256 } from '$shared';
import type { Ferry } from '../ferry.ts';
import { publishedBlobSize } from '../services/registry.ts';
import { toResponse, viewOfRequest, type Answer, type RequestView } from './answer.ts';
import { rangedAnswer } from './ranged.ts';
import { guardedAnswer } from './respond.ts';

function notFound(sha256: string): FerryError {
  return new FerryError(ErrorCode.BLOB_NOT_FOUND, `blob ${sha256} is not part of any published version`);
}

/**
 * `GET|HEAD /api/v1/blobs/{sha256}`: the immutable bytes of a blob that a committed version
 * references (uploaded-but-unpublished blobs are invisible), with a strong ETag, long-lived
 * caching, 304 on If-None-Match and 206 for a single byte range.
 */
export function blobAnswer(request: RequestView, ferry: Ferry, sha256: string): Answer {
  return guardedAnswer(() => {
    if (!Sha256.safeParse(sha256).success) throw notFound(sha256);
    const size = publishedBlobSize(ferry.deps.db, sha256);
    if (size === null) throw notFound(sha256);
    return rangedAnswer(request, {
      size,
      etag: `"${sha256}"`,
      headers: {
        'Content-Type': 'application/octet-stream',
        'Cache-Control': 'public, max-age=31536000, immutable',
      },
      read: (range) => ferry.deps.blobs.read(sha256, range),
    });
  });
}

/** {@link blobAnswer} for a web `Request` (the SvelteKit route). */
export function serveBlob(request: Request, ferry: Ferry, sha256: string): Promise<Response> {
  return toResponse(blobAnswer(viewOfRequest(request), ferry, sha256));
}
