/**
 * What the route cores (manifest, blob, server info, telemetry ingest) read of a request,
 * whichever way it arrived: a web `Request` under SvelteKit (`vite dev`), or Node's
 * `IncomingMessage` at the front door (server/http/node/node-request.ts).
 */
export interface RequestView {
  readonly method: string;
  /** The path before any `?`, still percent-encoded. */
  readonly pathname: string;
  /** A header's value (name in lower case), or null when absent. */
  header(name: string): string | null;
}

/** A body opened only when an answer is actually sent (a blob or file, never for HEAD or 304). */
export interface BodySource {
  open(): Promise<ReadableStream<Uint8Array>>;
}

/** A body that is already in memory. */
export type InlineBody = string | Uint8Array | null;

/**
 * An answer before it is written. The cores build these; {@link toResponse} turns one into a web
 * `Response` for SvelteKit, server/http/node/write-answer.ts writes one to Node's `res`, so one
 * implementation serves both without a `Request`/`Response` pair per request on the fast lane.
 */
export interface Answer<B = InlineBody | BodySource> {
  status: number;
  /** Header names as they should be sent; a later writer overrides a name case-insensitively. */
  headers: Record<string, string>;
  body: B;
}

/** The view of a web `Request`. */
export function viewOfRequest(request: Request): RequestView {
  return {
    method: request.method,
    pathname: new URL(request.url).pathname,
    header: (name) => request.headers.get(name),
  };
}

/** Whether `body` must be opened before it can be sent. */
export function isBodySource(body: InlineBody | BodySource): body is BodySource {
  return body !== null && typeof body === 'object' && 'open' in body;
}

/** A web `Response` of an answer whose body is in memory. */
export function responseOf(answer: Answer<InlineBody>): Response {
  // A Uint8Array is a valid BodyInit; TypeScript's DOM types want an ArrayBuffer-backed view.
  return new Response(answer.body as ConstructorParameters<typeof Response>[0], {
    status: answer.status,
    headers: answer.headers,
  });
}

/** A web `Response` of any answer, opening its body source if it has one. */
export async function toResponse(answer: Answer): Promise<Response> {
  const { body } = answer;
  if (!isBodySource(body)) return responseOf({ ...answer, body });
  return new Response(await body.open(), { status: answer.status, headers: answer.headers });
}
