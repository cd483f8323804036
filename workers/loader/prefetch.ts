import { fetchEnvelope, manifestUrl, type ModelRequest } from './manifest.ts';

/** A manifest fetch started early, and the version its envelope names. */
export interface PrefetchedManifest {
  /** The unverified envelope (the load verifies it); rejects like {@link fetchEnvelope}. */
  envelope: Promise<unknown>;
  /**
   * The version the envelope claims, unverified: only to choose which manifest to load (the one
   * chosen is verified, version included). Undefined when the fetch failed. Never rejects.
   */
  version: Promise<string | undefined>;
}

/**
 * Starts fetching `request`'s manifest now, so that it travels while control resolves instead of
 * after it (issue 9, point 6). A prefetch nobody uses costs one small request and no rejection.
 */
export function prefetchManifest(
  fetchFn: typeof fetch,
  serverUrl: string,
  options: { request: ModelRequest; origin?: string },
): PrefetchedManifest {
  const envelope = fetchEnvelope(fetchFn, manifestUrl(serverUrl, options.request), {
    ...(options.origin ? { origin: options.origin } : {}),
  });
  envelope.catch(() => undefined); // whoever uses it sees the failure
  const version = envelope.then(
    (body) => {
      const claimed = (body as { signed?: { version?: unknown } } | null)?.signed?.version;
      return typeof claimed === 'string' ? claimed : undefined;
    },
    () => undefined,
  );
  return { envelope, version };
}
