import { mediaTypeOf } from './media-type.ts';

/** What {@link isCrossSiteForm} looks at, whatever the server framework. */
export interface FormRequestFacts {
  method: string;
  pathname: string;
  contentType: string | null;
  origin: string | null;
  /** The Host header the request was sent to. */
  host: string | null;
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
// The content types an HTML form (or a no-CORS fetch) can send without a preflight.
const FORM_TYPES = new Set(['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain']);

/**
 * Paths that take cross-site simple requests on purpose and must not be refused here: the telemetry
 * ingest, to which `navigator.sendBeacon` posts `text/plain` from product pages (it changes no
 * state a forged request could abuse: a batch only adds counts, under a rate limit).
 */
export const CSRF_EXEMPT: readonly RegExp[] = [/^\/api\/v1\/telemetry$/];

/**
 * SvelteKit's CSRF rule (kit's `csrf.checkOrigin`, turned off in svelte.config.js so that Ferry
 * answers in its own error format): an unsafe method with a form content type from an Origin
 * other than the server's own is refused. A missing Origin counts as foreign, as in kit. The
 * scheme is not compared: behind a TLS proxy the server sees http while the browser says https.
 */
export function isCrossSiteForm(facts: FormRequestFacts, exempt: readonly RegExp[] = CSRF_EXEMPT): boolean {
  if (!UNSAFE.has(facts.method)) return false;
  const mediaType = mediaTypeOf(facts.contentType);
  if (!FORM_TYPES.has(mediaType)) return false;
  if (exempt.some((pattern) => pattern.test(facts.pathname))) return false;
  return facts.host === null || facts.origin === null || hostOf(facts.origin) !== facts.host.toLowerCase();
}

function hostOf(origin: string): string | null {
  try {
    return new URL(origin).host;
  } catch {
    return null;
  }
}
