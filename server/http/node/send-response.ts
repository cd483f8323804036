import type { ServerResponse } from 'node:http';
import { setResponse } from '@sveltejs/kit/node';

/** Bodies up to this size are read whole and written in one call. */
const SINGLE_WRITE_BYTES = 256 * 1024;

/**
 * Writes a web `Response` to Node's `res`. A body that declares more than
 * {@link SINGLE_WRITE_BYTES} (a blob, a large static file) streams through SvelteKit's
 * `setResponse`, with back-pressure and cancellation. Anything else — the manifests, server info,
 * telemetry acks and JSON errors of the fast routes, which are built from strings and carry no
 * Content-Length — is read whole and sent with its headers in one `res.end`: no stream reader's
 * async hops and one write instead of two on the hottest public routes.
 */
export async function sendResponse(res: ServerResponse, response: Response): Promise<void> {
  const declared = Number(response.headers.get('content-length'));
  if (response.body !== null && declared > SINGLE_WRITE_BYTES) return setResponse(res, response);
  const body = response.body === null ? undefined : new Uint8Array(await response.arrayBuffer());
  for (const [name, value] of response.headers) res.setHeader(name, value);
  // statusCode rather than writeHead: with headers still unsent, end() adds Content-Length and
  // writes headers and body together.
  res.statusCode = response.status;
  res.end(body);
}
