import { ErrorCode, FerryError, ModelName } from '$shared';

/** Most models one event stream may follow. */
export const MAX_MODELS = 50;

/** What a GET /api/v1/events request asks for, once validated. */
export interface EventsRequest {
  /** Distinct model names, in the order first given. */
  models: string[];
  /** The `Last-Event-ID` sent (a metadataVersion), or 0 without one: documents newer than it are sent. */
  after: number;
}

const invalid = (message: string) => new FerryError(ErrorCode.INVALID_INPUT, message);

/**
 * Validates the query (`models=a,b`, exactly once, 1–50 valid names) and the `Last-Event-ID`
 * header (a non-negative integer, or empty). Throws INVALID_INPUT naming `models` or
 * `Last-Event-ID`.
 */
export function parseEventsRequest(query: string, lastEventId: string | undefined): EventsRequest {
  let params: URLSearchParams;
  try {
    // URLSearchParams replaces bad escapes silently; decode strictly first so `%ZZ` is refused.
    decodeURIComponent(query);
    params = new URLSearchParams(query);
  } catch {
    throw invalid('models: the query string is not valid percent-encoded UTF-8');
  }
  const given = params.getAll('models');
  if (given.length === 0) throw invalid(`models: required, as models=a,b (at most ${MAX_MODELS} names)`);
  if (given.length !== 1) {
    throw invalid(`models: give the list once, as models=a,b (got it ${given.length} times)`);
  }
  const names = (given[0] as string).split(',');
  if (names.length > MAX_MODELS) {
    throw invalid(`models: at most ${MAX_MODELS} models per stream (got ${names.length})`);
  }
  for (const name of names) {
    if (!ModelName.safeParse(name).success) {
      throw invalid(
        `models: "${name.slice(0, 80)}" is not a model name (1–64 lowercase letters, digits or inner hyphens)`,
      );
    }
  }
  return { models: [...new Set(names)], after: parseLastEventId(lastEventId) };
}

function parseLastEventId(header: string | undefined): number {
  const value = header?.trim() ?? '';
  if (value === '') return 0;
  if (!/^\d{1,15}$/.test(value)) {
    throw invalid(
      `Last-Event-ID: "${value.slice(0, 40)}" is not an event id this server sent (a metadataVersion)`,
    );
  }
  return Number(value);
}
