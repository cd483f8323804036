import Database from 'better-sqlite3';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { callTrpc } from '../support/registry-http.ts';
import type { FerryServer } from '../support/ferry-server.ts';
import { rssOf } from '../support/process-memory.ts';
import { useFerryServer } from '../support/use-ferry-server.ts';

const MiB = 1024 * 1024;

/** What the server answered to a raw request: status, headers and the parsed JSON body. */
interface RawReply {
  status: number;
  contentType: string;
  body: unknown;
  /** Bytes the client had handed to the socket when the answer arrived. */
  sentBeforeAnswer: number;
}

function readAll(response: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => (text += chunk));
    response.on('end', () => resolve(text));
    response.on('error', reject);
  });
}

/**
 * POSTs a body of `totalBytes` zeros in 1 MiB chunks, chunked unless `contentLength` is given.
 * With `stopOnAnswer` the client stops sending once the server answers (as curl and browsers
 * do); otherwise it sends everything first and only then reads the answer.
 */
function sendLargeBody(
  server: FerryServer,
  procedure: string,
  options: { totalBytes: number; token: string; stopOnAnswer: boolean; contentLength?: number },
): Promise<RawReply> {
  const url = new URL(`/api/trpc/${procedure}`, server.url);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    authorization: `Bearer ${options.token}`,
  };
  if (options.contentLength !== undefined) headers['content-length'] = String(options.contentLength);
  return new Promise((resolve, reject) => {
    let sent = 0;
    let answered = false;
    const req = httpRequest(url, { method: 'POST', headers });
    const chunk = Buffer.alloc(MiB, 0x20);
    const pump = () => {
      while (sent < options.totalBytes && !(answered && options.stopOnAnswer)) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
      if (!answered || !options.stopOnAnswer) req.end();
    };
    req.on('response', (response) => {
      answered = true;
      const sentBeforeAnswer = sent;
      readAll(response).then((text) => {
        if (options.stopOnAnswer) req.destroy();
        resolve({
          status: response.statusCode ?? 0,
          contentType: String(response.headers['content-type']),
          body: JSON.parse(text) as unknown,
          sentBeforeAnswer,
        });
      }, reject);
    });
    // Once the answer is in, the server may stop reading; a reset of the rest is expected then.
    req.on('error', (error) => (answered ? undefined : reject(error)));
    pump();
  });
}

/**
 * Counts every write of `api_tokens.last_used_at` from now on with a trigger in the server's own
 * database file, whoever makes it. Returns a reader of the count.
 */
function countLastUsedWrites(server: FerryServer): () => number {
  const db = new Database(path.join(server.dataDir, 'ferry.db'));
  db.pragma('busy_timeout = 5000');
  db.exec(`CREATE TABLE IF NOT EXISTS test_last_used_writes (token_id INTEGER);
    CREATE TRIGGER IF NOT EXISTS test_count_last_used AFTER UPDATE OF last_used_at ON api_tokens
    BEGIN INSERT INTO test_last_used_writes VALUES (NEW.id); END;
    DELETE FROM test_last_used_writes;`);
  db.close();
  return () => {
    const reader = new Database(path.join(server.dataDir, 'ferry.db'), { readonly: true });
    try {
      return (reader.prepare('SELECT count(*) AS n FROM test_last_used_writes').get() as { n: number }).n;
    } finally {
      reader.close();
    }
  };
}

/** A GET batch of `calls` × `procedure` without input (1,000 calls stay under Node's 16 KiB header limit). */
function batchUrl(server: FerryServer, procedure: string, calls: number): string {
  const paths = Array.from({ length: calls }, () => procedure).join(',');
  return `${server.url}/api/trpc/${paths}?batch=1`;
}

async function createToken(server: FerryServer, scopes: string[]): Promise<string> {
  const reply = await callTrpc(server.url, 'tokens.create', {
    input: { name: `${scopes.join('+')} ${Math.random()}`, scopes },
    token: server.adminToken,
  });
  return (reply.body.result?.data as { token: string }).token;
}

const server = useFerryServer();
let publishToken = '';
beforeAll(async () => {
  publishToken = await createToken(server(), ['publish']);
});

/** {@link sendLargeBody} to versions.publish with a valid token, checking the server's memory grew < 64 MiB. */
async function publishLargeBody(options: { totalBytes: number; stopOnAnswer: boolean }) {
  const pid = server().child.pid as number;
  const before = rssOf(pid);
  const reply = await sendLargeBody(server(), 'versions.publish', { ...options, token: publishToken });
  expect(rssOf(pid) - before).toBeLessThan(64 * MiB);
  return reply;
}

describe('the tRPC body limit holds on the stream', () => {
  it('answers a 600 MiB chunked body with 413 PAYLOAD_TOO_LARGE, quickly and without the memory growing', async () => {
    const reply = await publishLargeBody({ totalBytes: 600 * MiB, stopOnAnswer: true });
    expect(reply.status).toBe(413);
    expect(reply.contentType).toMatch(/^application\/json/);
    expect(reply.body).toEqual({
      error: { code: 'PAYLOAD_TOO_LARGE', message: 'body: larger than the limit of 16777216 bytes' },
    });
    // Answered once the limit was passed, not after the whole body.
    expect(reply.sentBeforeAnswer).toBeLessThan(100 * MiB);
    expect(server().output()).not.toContain('Cannot create a string');
  });

  it('still answers 413 to a client that sends its whole chunked body before reading, and keeps serving', async () => {
    const reply = await publishLargeBody({ totalBytes: 80 * MiB, stopOnAnswer: false });
    expect(reply.status).toBe(413);
    expect(reply.body).toMatchObject({ error: { code: 'PAYLOAD_TOO_LARGE' } });
    expect((await callTrpc(server().url, 'server.info', { query: true })).status).toBe(200);
  });

  it('answers a declared Content-Length over 16 MiB with 413 before the body arrives', async () => {
    const reply = await sendLargeBody(server(), 'versions.publish', {
      totalBytes: 1 * MiB,
      contentLength: 17 * MiB,
      token: publishToken,
      stopOnAnswer: true,
    });
    expect(reply.status).toBe(413);
    expect(reply.body).toMatchObject({ error: { code: 'PAYLOAD_TOO_LARGE' } });
    expect(reply.sentBeforeAnswer).toBeLessThan(17 * MiB);
  });

  it('accepts a body just under the limit and validates it as usual', async () => {
    const input = JSON.stringify({ name: 'x'.repeat(16 * MiB - 100), scopes: ['publish'] });
    const response = await fetch(`${server().url}/api/trpc/tokens.create`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${server().adminToken}` },
      body: input,
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { message: string; data: { ferryCode: string } } };
    expect(body.error.data.ferryCode).toBe('INVALID_INPUT');
    expect(body.error.message).toMatch(/^name: /);
  });
});

describe('tRPC batches are bounded', () => {
  it('refuses a 1,000-call GET batch up front with 400 BATCH_TOO_LARGE naming the size and limit', async () => {
    const response = await fetch(batchUrl(server(), 'models.list', 1000));
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await response.json()).toEqual({
      error: {
        code: 'BATCH_TOO_LARGE',
        message: 'batch: 1000 calls in one request, more than the limit of 50',
      },
    });
  });

  it('runs no procedure of a refused POST batch, even with a valid token', async () => {
    const calls = 51;
    const paths = Array.from({ length: calls }, () => 'tokens.create').join(',');
    const input = Object.fromEntries(
      Array.from({ length: calls }, (_, i) => [i, { name: `batch ${i}`, scopes: ['publish'] }]),
    );
    const response = await fetch(`${server().url}/api/trpc/${paths}?batch=1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${server().adminToken}` },
      body: JSON.stringify(input),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { code: 'BATCH_TOO_LARGE' } });
    const list = await callTrpc(server().url, 'tokens.list', { query: true, token: server().adminToken });
    const names = (list.body.result?.data as { name: string }[]).map((t) => t.name);
    expect(names.filter((name) => name.startsWith('batch '))).toEqual([]);
  });

  it('answers a batch of exactly the limit call by call', async () => {
    const response = await fetch(batchUrl(server(), 'models.list', 50));
    expect(response.status).toBe(200);
    const body = (await response.json()) as { result: { data: { models: unknown[] } } }[];
    expect(body).toHaveLength(50);
    expect(body.every((entry) => Array.isArray(entry.result.data.models))).toBe(true);
  });

  it('answers a batch that mixes queries and mutations with JSON INVALID_INPUT, not text/plain', async () => {
    const response = await fetch(`${server().url}/api/trpc/models.list,tokens.revoke?batch=1&input={}`);
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await response.json()).toEqual({
      error: { code: 'INVALID_INPUT', message: 'Cannot mix procedure types in call: query, mutation' },
    });
  });
});

describe('a token is looked up once per HTTP request', () => {
  it('writes lastUsedAt at most once a minute per token', async () => {
    const writes = countLastUsedWrites(server());
    const token = await createToken(server(), ['publish']);
    for (let i = 0; i < 3; i++) {
      const reply = await callTrpc(server().url, 'tokens.list', { query: true, token });
      expect(reply.status).toBe(403);
    }
    expect(writes()).toBe(1);
  });
});

describe('with the batch limit raised to 1,000 and lastUsedAt written on every lookup', () => {
  const wide = useFerryServer({
    env: { FERRY_TRPC_MAX_BATCH: '1000', FERRY_TOKEN_LAST_USED_INTERVAL_MS: '0' },
  });

  it('a 1,000-call batch with a wrong-scope token looks the token up once: one write, 1,000 × 403', async () => {
    const token = await createToken(wide(), ['publish']);
    const writes = countLastUsedWrites(wide());
    const response = await fetch(batchUrl(wide(), 'tokens.list', 1000), {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(response.status).toBe(403);
    const body = (await response.json()) as { error: { data: { code: string } } }[];
    expect(body).toHaveLength(1000);
    expect(new Set(body.map((entry) => entry.error.data.code))).toEqual(new Set(['FORBIDDEN']));
    expect(writes()).toBe(1);
  });

  it('a second request with the same token looks it up again (interval 0: a second write)', async () => {
    const token = await createToken(wide(), ['publish']);
    const writes = countLastUsedWrites(wide());
    for (let i = 0; i < 2; i++) {
      await fetch(batchUrl(wide(), 'tokens.list', 10), { headers: { authorization: `Bearer ${token}` } });
    }
    expect(writes()).toBe(2);
  });
});

describe('401 comes before 415, and the 415 is JSON', () => {
  const post = (token: string | undefined, contentType: string | undefined) =>
    fetch(`${server().url}/api/trpc/tokens.create`, {
      method: 'POST',
      headers: {
        ...(contentType === undefined ? {} : { 'content-type': contentType }),
        ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      },
      body: new TextEncoder().encode('name=x'),
    });

  it.each([['application/octet-stream'], ['application/xml; charset=utf-8'], [undefined]])(
    'a mutation sent as %s answers 401 without a token, 403 with the wrong scope, 415 with the right one',
    async (contentType) => {
      const unauthenticated = await post(undefined, contentType);
      expect(unauthenticated.status).toBe(401);
      expect(unauthenticated.headers.get('content-type')).toMatch(/^application\/json/);
      expect(await unauthenticated.json()).toMatchObject({ error: { data: { code: 'UNAUTHORIZED' } } });

      expect((await post(publishToken, contentType)).status).toBe(403);

      const unsupported = await post(server().adminToken, contentType);
      expect(unsupported.status).toBe(415);
      expect(unsupported.headers.get('content-type')).toMatch(/^application\/json/);
      const body = (await unsupported.json()) as {
        error: { message: string; data: { code: string; ferryCode: string } };
      };
      expect(body.error.data).toMatchObject({
        code: 'UNSUPPORTED_MEDIA_TYPE',
        ferryCode: 'UNSUPPORTED_MEDIA_TYPE',
      });
      expect(body.error.message).toMatch(/^Content-Type: .*application\/json$/);
    },
  );
});
