import { ErrorCode, FerryError, type UploadResult } from '$shared';
import type { Ferry } from '../ferry.ts';
import { authorize } from '../services/authorize.ts';
import { assertDigest, payloadTooLarge } from '../storage/blob-store.ts';
import { guarded, json } from './respond.ts';

/**
 * `PUT /api/v1/uploads/{sha256}` (scope `publish`): streams the body into the blob store,
 * hashing on the fly. 201 when stored, 200 when those bytes were already there, 400 when they
 * hash to something else, 413 beyond the size limit. Nothing becomes visible until a publish.
 */
export function receiveUpload(request: Request, ferry: Ferry, sha256: string): Promise<Response> {
  return guarded(async () => {
    authorize(ferry.deps.db, request.headers.get('authorization'), 'publish');
    assertDigest(sha256);
    const max = ferry.deps.maxFileBytes;
    const declared = Number(request.headers.get('content-length') ?? NaN);
    if (declared > max) throw payloadTooLarge(max);
    if (!request.body) throw new FerryError(ErrorCode.INVALID_INPUT, 'body: an upload needs a request body');
    const put = await ferry.deps.blobs.put(request.body, { expectedSha256: sha256, maxBytes: max });
    const body: UploadResult = { sha256: put.sha256, size: put.size };
    return json(body, { status: put.created ? 201 : 200 });
  });
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
