// The last header and its media type: every POST through the front door asks twice (its CSRF
// screen and the ingest route's media-type check), and a client sends the same header each time.
let lastHeader: string | null | undefined = null;
let lastMediaType = '';

/**
 * The media type of a `Content-Type` header, lower-cased and without parameters
 * (`Application/JSON; charset=utf-8` → `application/json`); `''` when the header is absent.
 */
export function mediaTypeOf(contentType: string | null | undefined): string {
  if (contentType === lastHeader) return lastMediaType;
  lastMediaType = contentType?.split(';', 1)[0]?.trim().toLowerCase() ?? '';
  lastHeader = contentType;
  return lastMediaType;
}
