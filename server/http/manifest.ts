import type { Ferry } from '../ferry.ts';
import { getEnvelope, listModels } from '../services/registry.ts';
import { guarded, json, matchesEtag } from './respond.ts';

/**
 * `GET /api/v1/models/{name}/versions/{version}/manifest`: the signed manifest envelope, byte for
 * byte as signed-and-stored. `version` may be `latest`. Revalidated on every use (`no-cache`)
 * because a status change re-signs it; the ETag is the sha256 of the body.
 */
export function serveManifest(request: Request, ferry: Ferry, params: { name: string; version: string }) {
  return guarded(() => {
    const stored = getEnvelope(ferry.deps.db, params.name, params.version);
    const headers = { ETag: `"${stored.sha256}"`, 'Cache-Control': 'no-cache' };
    if (matchesEtag(request.headers.get('if-none-match'), headers.ETag)) {
      return new Response(null, { status: 304, headers });
    }
    return new Response(stored.body, {
      headers: { ...headers, 'Content-Type': 'application/json; charset=utf-8' },
    });
  });
}

/** `GET /api/v1/models`: every model with its versions and `latest` alias. */
export function serveModelList(ferry: Ferry): Promise<Response> {
  return guarded(() => json(listModels(ferry.deps.db), { headers: { 'Cache-Control': 'no-cache' } }));
}
