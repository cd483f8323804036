import { ErrorCode, FerryError } from '$shared';
import { describe, expect, it } from 'vitest';
import type { Answer, InlineBody } from '../http/answer.ts';
import { createIngestRoute, type IngestRequest } from './http.ts';
import type { TextIngest } from './ingest-text.ts';
import { createRateLimiter } from './rate-limit.ts';

/** A JSON POST of `body` from one address, as the Node and web adapters present it. */
function post(body: string): IngestRequest {
  return {
    method: 'POST',
    header: (name) => (name === 'content-type' ? 'application/json' : null),
    peerAddress: '192.0.2.1',
    readText: (_maxBytes, receiver) => receiver.resolve(body),
    discard: () => {},
  };
}

/** The route over `ingest`, as a function of the request that resolves with the answer it replied. */
function routeOver(ingest: TextIngest) {
  const route = createIngestRoute({
    ingest,
    limiter: createRateLimiter({ perMinute: 0, burst: 1 }),
    trustedProxies: [],
  });
  return (request: IngestRequest) => new Promise<Answer<InlineBody>>((reply) => route(request, reply));
}

describe('createIngestRoute', () => {
  it('acknowledges what the ingest accepted', async () => {
    const route = routeOver({
      ingestText: (_text, receiver) => receiver.resolve({ outcome: 'accepted', runs: 3 }),
    });
    const answer = await route(post('{}'));
    expect([answer.status, answer.body]).toEqual([200, '{"status":"accepted"}']);
  });

  it('answers 503 with Retry-After while the ingest thread is down, and the refusal as the code says', async () => {
    const refusal = (error: FerryError) =>
      routeOver({ ingestText: (_text, receiver) => receiver.reject(error) })(post('{}'));
    const down = await refusal(new FerryError(ErrorCode.UNAVAILABLE, 'telemetry: restarting'));
    expect([down.status, down.headers['Retry-After']]).toEqual([503, '1']);
    expect(JSON.parse(down.body as string)).toEqual({
      error: { code: 'UNAVAILABLE', message: 'telemetry: restarting' },
    });
    const invalid = await refusal(new FerryError(ErrorCode.INVALID_INPUT, 'runs: no'));
    expect([invalid.status, invalid.headers['Retry-After']]).toEqual([400, undefined]);
  });

  it('answers 500 when the ingest throws on a body that arrived later, rather than throwing', async () => {
    // As Node's request delivers it: from the body's 'end' event, outside any promise.
    const later: IngestRequest = {
      ...post('{}'),
      readText: (_maxBytes, receiver) => void setImmediate(() => receiver.resolve('{}')),
    };
    const route = routeOver({
      ingestText: () => {
        throw new Error('ingest broke');
      },
    });
    const answer = await route(later);
    expect(answer.status).toBe(500);
  });
});
