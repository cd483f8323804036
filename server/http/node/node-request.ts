import type { IncomingMessage } from 'node:http';
import type { RequestView } from '../answer.ts';

/**
 * The {@link RequestView} of Node's request, read straight from its parsed headers: no web
 * `Request`, URL or `Headers` object is built (they were most of a manifest request's cost).
 * Repeated headers read as one value joined with `, `, as `Headers.get` gives them.
 */
export function viewOfNode(req: IncomingMessage): RequestView {
  const raw = req.url ?? '/';
  const query = raw.indexOf('?');
  return {
    method: req.method ?? 'GET',
    pathname: query === -1 ? raw : raw.slice(0, query),
    header(name) {
      const value = req.headers[name];
      if (value === undefined) return null;
      return typeof value === 'string' ? value : value.join(', ');
    },
  };
}

/** Whether the request's headers say a body follows (RFC 9112 §6.3): only then can one go unread. */
export function hasBody(req: IncomingMessage): boolean {
  const { headers } = req;
  return headers['transfer-encoding'] !== undefined || (headers['content-length'] ?? '0') !== '0';
}
