import type { FerryClient } from '$workers/client';
import { ModelSession } from './model-session.svelte';

// Not reactive on purpose: a lookup table the page reads while deriving, never renders from.
const cache = new WeakMap<FerryClient, Map<string, ModelSession>>();

/** The one session per model and client, so switching back to a model finds it loaded. */
export function sessionFor(client: FerryClient, name: string): ModelSession {
  let sessions = cache.get(client);
  if (!sessions) {
    sessions = new Map();
    cache.set(client, sessions);
  }
  let session = sessions.get(name);
  if (!session) {
    session = new ModelSession(client, name);
    sessions.set(name, session);
  }
  return session;
}
