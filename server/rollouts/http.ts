import { createHash } from 'node:crypto';
import { ErrorCode, FerryError, ModelName } from '$shared';
import { guarded, matchesEtag } from '../http/respond.ts';
import type { ControlReader } from './control-store.ts';

/** Most models one `GET /api/v1/control` may ask for. */
export const MAX_CONTROL_MODELS = 50;

/** An answer before it is written: the front door writes it to Node's `res`, SvelteKit gets a `Response`. */
export interface ControlAnswer {
  status: number;
  headers: Record<string, string>;
  body: string | null;
}

/** A `no-cache` JSON answer with a strong ETag, or 304 when `ifNoneMatch` matches it. */
function revalidated(ifNoneMatch: string | null, body: string, sha256: string): ControlAnswer {
  const headers = { ETag: `"${sha256}"`, 'Cache-Control': 'no-cache' };
  if (matchesEtag(ifNoneMatch, headers.ETag)) return { status: 304, headers, body: null };
  return { status: 200, headers: { ...headers, 'Content-Type': 'application/json; charset=utf-8' }, body };
}

/**
 * `GET /api/v1/models/{name}/control`: the model's signed control envelope byte for byte as
 * stored, ETag the sha256 of the body, `no-cache` (every change re-signs it). Throws
 * `MODEL_NOT_FOUND` for a model without one.
 */
export function controlAnswer(
  reader: ControlReader,
  name: string,
  ifNoneMatch: string | null,
): ControlAnswer {
  const [stored] = reader.current([name]);
  if (!stored) throw new FerryError(ErrorCode.MODEL_NOT_FOUND, `model: "${name}" does not exist`);
  return revalidated(ifNoneMatch, stored.body, stored.sha256);
}

/** The distinct model names of a `models=a,b` query, validated; throws INVALID_INPUT naming `models`. */
export function parseModelsQuery(query: URLSearchParams): string[] {
  const raw = query.getAll('models');
  if (raw.length === 0)
    throw new FerryError(ErrorCode.INVALID_INPUT, 'models: the query parameter is required');
  const names = [...new Set(raw.flatMap((value) => value.split(',')).map((name) => name.trim()))].filter(
    (name) => name.length > 0,
  );
  if (names.length === 0) throw new FerryError(ErrorCode.INVALID_INPUT, 'models: names no model');
  if (names.length > MAX_CONTROL_MODELS) {
    throw new FerryError(
      ErrorCode.INVALID_INPUT,
      `models: ${names.length} names, at most ${MAX_CONTROL_MODELS} per request`,
    );
  }
  for (const name of names) {
    if (!ModelName.safeParse(name).success) {
      throw new FerryError(ErrorCode.INVALID_INPUT, `models: "${name.slice(0, 100)}" is not a model name`);
    }
  }
  return names;
}

/**
 * `GET /api/v1/control?models=a,b`: `{ "documents": [envelope, …], "missing": [name, …] }`, the
 * envelopes byte for byte as stored, in the order asked (duplicates once), `missing` the names
 * without a document. ETag the sha256 of the body, `no-cache`. Throws INVALID_INPUT naming
 * `models` for no names, more than {@link MAX_CONTROL_MODELS}, or one that is not a model name.
 */
export function controlBatchAnswer(
  reader: ControlReader,
  query: URLSearchParams,
  ifNoneMatch: string | null,
): ControlAnswer {
  const names = parseModelsQuery(query);
  const found = reader.current(names);
  const have = new Set(found.map((stored) => stored.model));
  const missing = names.filter((name) => !have.has(name));
  // The stored bytes are spliced in as they are, so each envelope is exactly what was signed.
  const body = `{"documents":[${found.map((stored) => stored.body).join(',')}],"missing":${JSON.stringify(missing)}}`;
  return revalidated(ifNoneMatch, body, createHash('sha256').update(body).digest('hex'));
}

function responseOf(answer: ControlAnswer): Response {
  return new Response(answer.body, { status: answer.status, headers: answer.headers });
}

/** {@link controlAnswer} for a web `Request`; errors become the JSON error response. */
export function serveControl(request: Request, reader: ControlReader, name: string): Promise<Response> {
  return guarded(() => responseOf(controlAnswer(reader, name, request.headers.get('if-none-match'))));
}

/** {@link controlBatchAnswer} for a web `Request`; errors become the JSON error response. */
export function serveControlBatch(request: Request, reader: ControlReader): Promise<Response> {
  return guarded(() => {
    const query = new URL(request.url).searchParams;
    return responseOf(controlBatchAnswer(reader, query, request.headers.get('if-none-match')));
  });
}
