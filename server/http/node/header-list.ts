import type { FerryConfig } from '../../config.ts';
import { allowedOrigin, isolationHeaders, isPublicReadPath } from '../cors.ts';
import { BASELINE_HEADERS } from './front-door.ts';

/** Headers as `res.writeHead` takes them flat (`[name, value, name, value, …]`), with their names in lower case. */
export interface HeaderList {
  readonly flat: readonly string[];
  readonly names: ReadonlySet<string>;
}

// Past this many (path kind, allowed origin) pairs, lists are built per request instead of kept:
// with FERRY_ALLOWED_ORIGINS=* every origin is allowed, and a client picks its own.
const MAX_KEPT = 64;

function listOf(headers: Record<string, string>): HeaderList {
  const merged = new Map<string, [string, string]>();
  for (const name in headers) merged.set(name.toLowerCase(), [name, headers[name] as string]);
  return { flat: [...merged.values()].flat(), names: new Set(merged.keys()) };
}

/**
 * The headers the front door's baseline and {@link isolationHeaders} give a response to
 * `pathname` from `origin` (isolation wins where both name one, as it did when it was set
 * later), as one list per kind of path and allowed origin, built once: a fast route sends it
 * with its own headers in a single `writeHead`.
 */
export function createHeaderLists(
  config: FerryConfig,
): (pathname: string, origin: string | null) => HeaderList {
  const kept = new Map<string, HeaderList>();
  return (pathname, origin) => {
    const publicRead = isPublicReadPath(pathname);
    // Only whether the path is public and which allowed origin asks change the isolation headers.
    const allowed = publicRead ? allowedOrigin(origin, config) : null;
    const key = `${publicRead ? 'public' : 'same-origin'} ${allowed ?? ''}`;
    let list = kept.get(key);
    if (list === undefined) {
      list = listOf({ ...BASELINE_HEADERS, ...isolationHeaders(pathname, allowed, config) });
      if (kept.size < MAX_KEPT) kept.set(key, list);
    }
    return list;
  };
}
