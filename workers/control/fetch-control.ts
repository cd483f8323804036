import { ErrorCode, FerryError, isFerryError } from '$shared/errors.ts';
import { fetchEnvelope } from '../loader/manifest.ts';

const base = (serverUrl: string) => (serverUrl.endsWith('/') ? serverUrl : `${serverUrl}/`);

/** `GET /api/v1/models/{name}/control` on `serverUrl`. */
export function controlUrl(serverUrl: string, model: string): string {
  return new URL(`api/v1/models/${encodeURIComponent(model)}/control`, base(serverUrl)).href;
}

/** `GET /api/v1/control?models=a,b` on `serverUrl`. */
export function controlBatchUrl(serverUrl: string, models: readonly string[]): string {
  const url = new URL('api/v1/control', base(serverUrl));
  url.searchParams.set('models', models.join(','));
  return url.href;
}

/** `GET /api/v1/events?models=a,b` on `serverUrl`. */
export function eventsUrl(serverUrl: string, models: readonly string[]): string {
  const url = new URL('api/v1/events', base(serverUrl));
  url.searchParams.set('models', models.join(','));
  return url.href;
}

/**
 * The model's control envelope (not yet verified), or null when the server has none for it: a
 * 404 (`MODEL_NOT_FOUND`, or a server older than control), so the model behaves as it did before
 * control existed. Throws `NETWORK_ERROR` when the server cannot be reached or fails.
 */
export async function fetchControl(
  fetchFn: typeof fetch,
  serverUrl: string,
  model: string,
): Promise<unknown> {
  try {
    return await fetchEnvelope(fetchFn, controlUrl(serverUrl, model));
  } catch (error) {
    if (isFerryError(error) && error.details?.status === 404) return null;
    throw error;
  }
}

/** The envelopes `GET /api/v1/control?models=…` answers (not yet verified). Throws `NETWORK_ERROR`. */
export async function fetchControls(
  fetchFn: typeof fetch,
  serverUrl: string,
  models: readonly string[],
): Promise<unknown[]> {
  const body = (await fetchEnvelope(fetchFn, controlBatchUrl(serverUrl, models))) as {
    documents?: unknown;
  } | null;
  if (!Array.isArray(body?.documents)) {
    throw new FerryError(ErrorCode.NETWORK_ERROR, 'control: the answer has no documents array');
  }
  return body.documents;
}
