import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { appRouter } from '../../server/routers/index.ts';
import { tinyDir } from '../../server/testing/tiny-bundle.ts';
import { publishOverHttp } from '../support/registry-http.ts';
import { rssOf } from '../support/process-memory.ts';
import { useFerryServer } from '../support/use-ferry-server.ts';
import {
  MALFORMED_PATHS,
  ODD_METHODS,
  RANGE_CORPUS,
  contractViolation,
  expectedRangeReply,
  staticRoutes,
  type RouteKind,
} from './support/corpus.ts';
import { rawConnection, rawRequest, type RawReply, type RawRequest } from './support/raw-http.ts';

const MAX_FILE_BYTES = 1024 * 1024;
const server = useFerryServer({
  env: {
    FERRY_UPLOAD_IDLE_TIMEOUT_MS: '1000',
    FERRY_MAX_FILE_BYTES: String(MAX_FILE_BYTES),
    FERRY_METRICS: 'token',
  },
});

const EMPTY_SHA = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const modelBytes = readFileSync(path.join(tinyDir, 'model.onnx'));
const modelSha = createHash('sha256').update(modelBytes).digest('hex');

/** Every reply of the run, checked together at the end. */
const seen: { method: string; path: string; reply: RawReply }[] = [];
let routes: RouteKind[] = [];
let rssBefore = 0;

async function hit(spec: RawRequest): Promise<RawReply> {
  const reply = await rawRequest(server().url, spec);
  seen.push({ method: spec.method ?? 'GET', path: spec.path.split('?')[0] ?? '', reply });
  return reply;
}

const auth = () => ({ authorization: `Bearer ${server().adminToken}` });
const upload = (sha256: string) => `/api/v1/uploads/${sha256}`;
const tempFiles = () => readdirSync(path.join(server().dataDir, 'tmp'));

/** Resident memory of the server process (bytes). */
const rss = () => rssOf(server().child.pid as number);

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await sleep(20);
}

beforeAll(async () => {
  expect((await publishOverHttp(server().url, server().adminToken, tinyDir)).status).toBe(200);
  routes = [
    { kind: 'page', path: '/' },
    { kind: 'page', path: '/demo' },
    { kind: 'page', path: '/console' },
    ...staticRoutes(),
    { kind: 'blob', path: `/api/v1/blobs/${modelSha}`, bytes: modelBytes },
    { kind: 'manifest', path: '/api/v1/models/tiny/versions/1.0.0/manifest' },
    { kind: 'control', path: '/api/v1/models/tiny/control' },
    { kind: 'control batch', path: '/api/v1/control?models=tiny,nope' },
    { kind: 'well-known', path: '/.well-known/ferry.json' },
    { kind: 'models list', path: '/api/v1/models' },
    { kind: 'tRPC GET', path: '/api/trpc/models.list' },
    { kind: 'upload', path: upload(modelSha) },
    { kind: 'telemetry ingest', path: '/api/v1/telemetry' },
    { kind: 'event stream, unknown model', path: '/api/v1/events?models=nope' },
    { kind: 'unknown API path', path: '/api/v1/nothing-here' },
    { kind: 'Prometheus metrics', path: '/metrics' },
  ];
  // Warm every route once, so that lazily loaded code is not counted as growth.
  for (const route of routes) await rawRequest(server().url, { path: route.path });
  rssBefore = rss();
});

describe('a server under a corpus of hostile requests', () => {
  it('answers malformed and unsatisfiable ranges on every route kind, files and blobs by RFC 9110', async () => {
    for (const route of routes) {
      for (const range of RANGE_CORPUS) {
        const reply = await hit({ path: route.path, headers: { range } });
        expect(reply.status, `${route.kind} ${range}`).toBeLessThan(500);
        if (!route.bytes) continue;
        const expected = expectedRangeReply(range, route.bytes);
        expect(reply.status, `${route.kind} ${range}`).toBe(expected.status);
        if (expected.body) expect(reply.body.equals(expected.body), `${route.kind} ${range} body`).toBe(true);
        if (expected.status === 416) {
          expect(reply.headers['content-range']).toBe(`bytes */${route.bytes.length}`);
        }
      }
    }
  });

  it('answers odd methods on every route kind below 500, and 405 with Allow on static files', async () => {
    for (const route of routes) {
      for (const method of ODD_METHODS) {
        const reply = await hit({ method, path: route.path });
        expect(reply.status, `${method} ${route.kind}`).toBeLessThan(500);
        if (route.bytes && route.kind !== 'blob') {
          expect(reply.status, `${method} ${route.kind}`).toBe(405);
          expect(reply.headers.allow).toBe('GET, HEAD');
        }
      }
    }
  });

  it('refuses request targets that are not valid percent-encoded UTF-8 with 400', async () => {
    for (const target of MALFORMED_PATHS) {
      const reply = await hit({ path: target });
      expect(reply.status, target).toBe(400);
    }
    for (const host of ['a b', '[::1', 'a:b:c']) {
      for (const target of ['/favicon.svg', '/api/v1/models', '/demo']) {
        expect((await hit({ path: target, headers: { host } })).status, `Host ${host} ${target}`).toBe(400);
      }
    }
    const absolute = rawConnection(server().url, 'GET http://evil.example/ HTTP/1.1\r\nHost: x\r\n\r\n', {
      end: true,
    });
    expect(await absolute.closed).toMatch(/^HTTP\/1\.1 400 /);
  });

  it('refuses oversized bodies with 413, chunked or with Content-Length, to tRPC and uploads', async () => {
    const big = 96 * 1024 * 1024;
    const trpc = { method: 'POST', path: '/api/trpc/versions.publish' };
    const json = { ...auth(), 'content-type': 'application/json' };
    expect((await hit({ ...trpc, headers: json, body: big, chunked: true })).status).toBe(413);
    expect(
      (await hit({ ...trpc, headers: { ...json, 'content-length': String(big) }, body: big })).status,
    ).toBe(413);
    const zeros = createHash('sha256')
      .update(Buffer.alloc(8 * MAX_FILE_BYTES))
      .digest('hex');
    const octets = { ...auth(), 'content-type': 'application/octet-stream' };
    const put = { method: 'PUT', path: upload(zeros) };
    expect((await hit({ ...put, headers: octets, body: 8 * MAX_FILE_BYTES, chunked: true })).status).toBe(
      413,
    );
    const declared = { ...octets, 'content-length': String(8 * MAX_FILE_BYTES) };
    expect((await hit({ ...put, headers: declared, body: 8 * MAX_FILE_BYTES })).status).toBe(413);
    expect(tempFiles()).toEqual([]);
  });

  it('answers 1,000-entry tRPC batches, queries and mutations, below 500', async () => {
    // Short procedure names: 1,000 of them must fit Node's 16 KiB request head, as in issue 7.
    const queries = Array.from({ length: 1000 }, () => 'audit.list').join(',');
    for (const headers of [{}, auth()]) {
      const reply = await hit({ path: `/api/trpc/${queries}?batch=1&input=%7B%7D`, headers });
      expect(reply.status).toBeGreaterThanOrEqual(400);
      expect(reply.status).toBeLessThan(500);
    }
    const mutations = Array.from({ length: 1000 }, () => 'tokens.revoke').join(',');
    const body = JSON.stringify(
      Object.fromEntries([...Array(1000).keys()].map((i) => [i, { id: 1_000_000 + i }])),
    );
    for (const headers of [{}, auth()]) {
      const reply = await hit({
        method: 'POST',
        path: `/api/trpc/${mutations}?batch=1`,
        headers: { ...headers, 'content-type': 'application/json' },
        body: Buffer.from(body),
      });
      expect(reply.status).toBeGreaterThanOrEqual(400);
      expect(reply.status).toBeLessThan(500);
    }
  });

  it('stores an empty upload and refuses one without, or with a wrong, Content-Type', async () => {
    const octets = { ...auth(), 'content-type': 'application/octet-stream' };
    const empty = await hit({
      method: 'PUT',
      path: upload(EMPTY_SHA),
      headers: octets,
      body: Buffer.alloc(0),
    });
    expect([200, 201]).toContain(empty.status);
    expect(JSON.parse(empty.body.toString())).toEqual({ sha256: EMPTY_SHA, size: 0 });
    const untyped = await hit({ method: 'PUT', path: upload(modelSha), headers: auth(), body: modelBytes });
    expect(untyped.status).toBe(415);
    expect(JSON.parse(untyped.body.toString())).toMatchObject({
      error: { code: 'UNSUPPORTED_MEDIA_TYPE', message: expect.stringContaining('Content-Type') },
    });
    for (const type of ['application/json', 'text/plain', 'multipart/form-data; boundary=x', 'image/png']) {
      const headers = { ...auth(), 'content-type': type };
      const reply = await hit({ method: 'PUT', path: upload(modelSha), headers, body: modelBytes });
      expect([403, 415], type).toContain(reply.status);
    }
  });

  it('times out a stalled upload with 408, closing the connection and keeping no temp file', async () => {
    const head = `PUT ${upload(modelSha)} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${server().adminToken}\r\n`;
    const stalled = rawConnection(
      server().url,
      `${head}Content-Type: application/octet-stream\r\nContent-Length: ${modelBytes.length}\r\n\r\n${'x'.repeat(10)}`,
    );
    const answer = await stalled.closed;
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(answer).toContain('"code":"REQUEST_TIMEOUT"');
    expect(tempFiles()).toEqual([]);
  });

  it('takes a client that aborts its upload as a normal event: one short log line, no temp file', async () => {
    const head = `PUT ${upload(modelSha)} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${server().adminToken}\r\n`;
    const aborted = rawConnection(
      server().url,
      `${head}Content-Type: application/octet-stream\r\nContent-Length: ${modelBytes.length}\r\n\r\n${'x'.repeat(10)}`,
    );
    // The upload is under way once its temp file exists; then the client goes away.
    await until(() => tempFiles().length > 0);
    aborted.destroy();
    await server().waitForOutput(new RegExp(`upload of ${modelSha} aborted by the client\n`));
    expect(tempFiles()).toEqual([]);
  });

  it('refuses hostile telemetry bodies with 4xx JSON: oversized (chunked or declared), malformed, deep, not UTF-8', async () => {
    const post = { method: 'POST', path: '/api/v1/telemetry' };
    const json = { 'content-type': 'application/json' };
    const big = 96 * 1024 * 1024;
    expect((await hit({ ...post, headers: json, body: big, chunked: true })).status).toBe(413);
    expect(
      (await hit({ ...post, headers: { ...json, 'content-length': String(big) }, body: big })).status,
    ).toBe(413);
    const bodies = [
      '',
      '{',
      'null',
      '"batch"',
      '[1e999]',
      `${'['.repeat(30_000)}${']'.repeat(30_000)}`,
      '{"schemaVersion":1,"features":[{"name":"__proto__","counts":[1,2]}]}',
    ].map((text) => Buffer.from(text));
    bodies.push(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]));
    for (const body of bodies) {
      for (const type of ['application/json', 'text/plain']) {
        const reply = await hit({ ...post, headers: { 'content-type': type }, body });
        expect(reply.status, `${type} ${body.subarray(0, 40).toString()}`).toBe(400);
      }
    }
  });

  it('answers hostile model lists on the control routes with a 4xx naming the field, never 5xx', async () => {
    const many = Array.from({ length: 1000 }, (_, i) => `m${i}`).join(',');
    for (const query of [
      '',
      '?models',
      '?models=%ZZ',
      '?models=%00',
      '?models=__proto__,constructor',
      `?models=${many}`,
    ]) {
      const reply = await hit({ path: `/api/v1/control${query}` });
      expect(reply.status, query.slice(0, 60)).toBe(400);
      expect(reply.body.toString(), query.slice(0, 60)).toContain('models: ');
    }
    for (const name of ['%00', '..', 'a%2Fb', '__proto__', 'x'.repeat(4000)]) {
      const reply = await hit({ path: `/api/v1/models/${name}/control` });
      expect(reply.status, name.slice(0, 60)).toBe(404);
    }
  });

  it('answers random JSON to every tRPC procedure and the telemetry ingest below 500, with an admin token', async () => {
    const procedures = Object.entries(
      appRouter._def.procedures as unknown as Record<string, { _def: { type: string } }>,
    );
    expect(procedures.length).toBeGreaterThan(10);
    // Seeded, so a failure replays; each body is what a hostile or buggy client could send.
    const bodies = fc.sample(fc.jsonValue({ maxDepth: 4 }), { numRuns: 12, seed: 2026 });
    const headers = { ...auth(), 'content-type': 'application/json' };
    for (const [name, { _def }] of procedures) {
      for (const input of bodies) {
        const text = JSON.stringify(input) ?? 'null';
        const reply =
          _def.type === 'mutation'
            ? await hit({ method: 'POST', path: `/api/trpc/${name}`, headers, body: Buffer.from(text) })
            : await hit({ path: `/api/trpc/${name}?input=${encodeURIComponent(text)}`, headers: auth() });
        expect(reply.status, `${name} ${text.slice(0, 60)}`).toBeLessThan(500);
      }
    }
    for (const input of bodies) {
      const text = JSON.stringify(input) ?? 'null';
      const reply = await hit({
        method: 'POST',
        path: '/api/v1/telemetry',
        headers,
        body: Buffer.from(text),
      });
      expect(reply.status, text.slice(0, 60)).toBe(400);
    }
  });

  it('answers hostile event-stream requests with a 4xx naming models or Last-Event-ID, never a stream', async () => {
    const names = (n: number) => Array.from({ length: n }, (_, i) => `m${i}`).join(',');
    const queries = ['', '?models', '?models=%ZZ', '?models=%00', '?models=__proto__', '?models[]=tiny'];
    queries.push('?models=tiny&models=tiny', `?models=${names(51)}`, `?models=${names(1000)}`);
    for (const query of queries) {
      const reply = await hit({ path: `/api/v1/events${query}` });
      expect(reply.status, query.slice(0, 60)).toBe(400);
      expect(reply.body.toString(), query.slice(0, 60)).toContain('"message":"models: ');
    }
    for (const id of ['-1', '1e400', 'x'.repeat(4000), '0x10']) {
      const reply = await hit({ path: '/api/v1/events?models=tiny', headers: { 'last-event-id': id } });
      expect(reply.status, id.slice(0, 20)).toBe(400);
      expect(reply.body.toString()).toContain('"message":"Last-Event-ID: ');
    }
    const unknown = await hit({ path: '/api/v1/events?models=tiny,nope' });
    expect(unknown.status).toBe(404);
    expect(JSON.parse(unknown.body.toString()).error.code).toBe('MODEL_NOT_FOUND');
  });

  it('is still alive afterwards, never answered 5xx, kept the /api/ error contract and grew < 64 MB', async () => {
    expect(seen.length).toBeGreaterThan(300);
    expect(
      seen.filter(({ reply }) => reply.status >= 500).map(({ method, path }) => `${method} ${path}`),
    ).toEqual([]);
    const broken = seen
      .map(({ method, path, reply }) => ({
        at: `${method} ${path}`,
        why: contractViolation(method, path, reply),
      }))
      .filter(({ why }) => why !== null);
    expect(broken).toEqual([]);
    expect(server().child.exitCode).toBeNull();
    expect(() => process.kill(server().child.pid as number, 0)).not.toThrow();
    expect((await rawRequest(server().url, { path: '/api/v1/models' })).status).toBe(200);
    expect(server().output()).not.toMatch(/unexpected error|ERR_OUT_OF_RANGE/);
    expect(rss() - rssBefore).toBeLessThan(64 * 1024 * 1024);
  });
});
