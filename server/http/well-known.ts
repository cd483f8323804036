import type { Ferry } from '../ferry.ts';
import { serverInfo } from '../services/server-info.ts';
import { responseOf, type Answer, type InlineBody } from './answer.ts';

// The server info of one Ferry never changes while it runs (its key and version are fixed at start).
const bodies = new WeakMap<Ferry, string>();

/** `GET /.well-known/ferry.json`: server info including the public key manifests are signed with. */
export function wellKnownAnswer(ferry: Ferry): Answer<InlineBody> {
  let body = bodies.get(ferry);
  if (body === undefined) bodies.set(ferry, (body = JSON.stringify(serverInfo(ferry))));
  return {
    status: 200,
    headers: { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'public, max-age=300' },
    body,
  };
}

/** {@link wellKnownAnswer} as a web `Response` (the SvelteKit route). */
export async function serveWellKnown(ferry: Ferry): Promise<Response> {
  return responseOf(wellKnownAnswer(ferry));
}
