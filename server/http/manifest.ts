import type Database from 'better-sqlite3';
import { preparedPerHandle } from '../db/prepared.ts';
import type { Ferry } from '../ferry.ts';
import { getEnvelope, listModels, type StoredEnvelope } from '../services/registry.ts';
import { toResponse, viewOfRequest, type Answer, type InlineBody, type RequestView } from './answer.ts';
import { guarded, guardedAnswer, json, matchesEtag } from './respond.ts';

/** The key server/services/metadata-counter.ts counts under. */
const COUNTER_KEY = 'metadata_version';

// On the raw connection: drizzle's row mapping cost more than the query itself on this path.
const counterQuery = preparedPerHandle((sqlite: Database.Database) =>
  sqlite.prepare<[string], number>('SELECT value FROM meta WHERE key = ?').pluck(),
);

/**
 * Envelopes by `name@version` (`latest` included), valid while the metadata counter stands
 * where it stood when they were read. Every publish and status change (the only writes of an
 * envelope or of what `latest` resolves to) takes a new counter value in its own transaction,
 * so a change is seen by the very next request; one indexed read replaces the two or three
 * queries a manifest costs. What is kept is the whole answer (status, headers, body bytes).
 */
interface EnvelopeCache {
  stamp: number;
  entries: Map<string, ManifestAnswers>;
}

/** The two answers a manifest request can get, built once per envelope and never changed. */
interface ManifestAnswers {
  etag: string;
  ok: Answer<InlineBody>;
  notModified: Answer<InlineBody>;
}

const caches = new WeakMap<object, EnvelopeCache>();

function answersOf(stored: StoredEnvelope): ManifestAnswers {
  const etag = `"${stored.sha256}"`;
  const headers = { ETag: etag, 'Cache-Control': 'no-cache' };
  // Frozen: every request of this envelope shares them, so no writer may add to them.
  const answer = (status: number, extra: Record<string, string>, body: InlineBody) =>
    Object.freeze({ status, headers: Object.freeze({ ...headers, ...extra }), body });
  return {
    etag,
    // The bytes once, not a UTF-8 encoding of the envelope per request.
    ok: answer(200, { 'Content-Type': 'application/json; charset=utf-8' }, Buffer.from(stored.body)),
    notModified: answer(304, {}, null),
  };
}

function cachedAnswers(ferry: Ferry, name: string, version: string): ManifestAnswers {
  const db = ferry.deps.db;
  // Read before the envelope: a change landing in between makes the next request miss, never
  // keeps an old envelope under a new stamp.
  const stamp = counterQuery(ferry.database.sqlite).get(COUNTER_KEY) ?? 0;
  let cache = caches.get(db);
  if (!cache || cache.stamp !== stamp) caches.set(db, (cache = { stamp, entries: new Map() }));
  const key = `${name}@${version}`;
  let answers = cache.entries.get(key);
  if (!answers) {
    // Unknown names throw here and are not cached, so a hostile client cannot grow the map.
    answers = answersOf(getEnvelope(db, name, version));
    cache.entries.set(key, answers);
  }
  return answers;
}

/**
 * `GET /api/v1/models/{name}/versions/{version}/manifest`: the signed manifest envelope, byte for
 * byte as signed-and-stored. `version` may be `latest`. Revalidated on every use (`no-cache`)
 * because a status change re-signs it; the ETag is the sha256 of the body. The answer is shared
 * by every request of the same envelope: read it, never change it.
 */
export function manifestAnswer(
  request: RequestView,
  ferry: Ferry,
  params: { name: string; version: string },
): Answer<InlineBody> {
  return guardedAnswer(() => {
    const answers = cachedAnswers(ferry, params.name, params.version);
    return matchesEtag(request.header('if-none-match'), answers.etag) ? answers.notModified : answers.ok;
  });
}

/** {@link manifestAnswer} for a web `Request` (the SvelteKit route). */
export function serveManifest(request: Request, ferry: Ferry, params: { name: string; version: string }) {
  return toResponse(manifestAnswer(viewOfRequest(request), ferry, params));
}

/** `GET /api/v1/models`: every model with its versions and `latest` alias. */
export function serveModelList(ferry: Ferry): Promise<Response> {
  return guarded(() => json(listModels(ferry.deps.db), { headers: { 'Cache-Control': 'no-cache' } }));
}
