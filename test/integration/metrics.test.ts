import { beforeAll, describe, expect, it } from 'vitest';
import { LATENCY_EDGES_MS } from '$shared';
import { openEventStream } from '../../server/testing/event-stream.ts';
import { spike, telemetryBatch } from '../../server/testing/telemetry-batch.ts';
import { tinyDir } from '../../server/testing/tiny-bundle.ts';
import { publishWithCli } from '../support/ferry-cli.ts';
import { callTrpc } from '../support/registry-http.ts';
import { useFerryServer } from '../support/use-ferry-server.ts';

/** One sample line of the Prometheus text format. */
interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The samples of a text exposition (format 0.0.4): `name{a="x",b="y"} value` per line. */
function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`not an exposition line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(/([a-zA-Z_]\w*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[key as string] = value as string;
    }
    samples.push({ name: match[1] as string, labels, value: Number(match[3]) });
  }
  return samples;
}

/** The value of the sample `name` whose labels include `labels`; undefined when there is none. */
function valueOf(samples: readonly Sample[], name: string, labels: Record<string, string> = {}) {
  return samples.find(
    (s) => s.name === name && Object.entries(labels).every(([key, value]) => s.labels[key] === value),
  )?.value;
}

const server = useFerryServer({ env: { FERRY_METRICS: 'token', FERRY_TELEMETRY_RATE_PER_MINUTE: '0' } });
const off = useFerryServer();
const tokens: Record<'metrics' | 'publish' | 'admin', string> = { metrics: '', publish: '', admin: '' };

const scrape = (token?: string, init: RequestInit = {}) =>
  fetch(`${server().url}/metrics`, {
    ...init,
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
  });

const postBatch = (body: string) =>
  fetch(`${server().url}/api/v1/telemetry`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain' },
    body,
  });

beforeAll(async () => {
  tokens.admin = server().adminToken;
  for (const scope of ['metrics', 'publish'] as const) {
    const reply = await callTrpc(server().url, 'tokens.create', {
      input: { name: `${scope} only`, scopes: [scope] },
      token: server().adminToken,
    });
    tokens[scope] = (reply.body.result?.data as { token: string }).token;
  }
  expect((await publishWithCli(server(), tinyDir)).code).toBe(0);
});

describe('GET /metrics', () => {
  it('answers 401 without a token or with an unknown one', async () => {
    for (const token of [undefined, 'ferry_not-a-real-token']) {
      const response = await scrape(token);
      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject({ error: { code: 'UNAUTHENTICATED' } });
    }
  });

  it('answers 403 to a token without the metrics scope, admin included', async () => {
    for (const token of [tokens.publish, tokens.admin]) {
      const response = await scrape(token);
      expect(response.status).toBe(403);
      expect((await response.json()) as unknown).toMatchObject({
        error: { code: 'FORBIDDEN', message: expect.stringContaining('lacks the "metrics" scope') },
      });
    }
  });

  it('serves the HTTP, ingest and fleet series in the text format after a batch was ingested', async () => {
    const batch = telemetryBatch({ runs: 7, features: [] }, (b) => {
      b.errors = { INFERENCE_FAILED: 2 };
      b.latencyMs = { wasm: spike(LATENCY_EDGES_MS.length + 1, 12, 7) };
    });
    expect((await postBatch(JSON.stringify(batch))).status).toBe(200);
    expect(await (await postBatch(JSON.stringify(batch))).json()).toEqual({ status: 'duplicate' });
    expect((await postBatch('{"not": "a batch"}')).status).toBe(400);

    const response = await scrape(tokens.metrics);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('no-store');
    const text = await response.text();
    expect(text).toContain('# TYPE ferry_http_requests_total counter');
    expect(text).toContain('# TYPE ferry_fleet_latency_seconds histogram');
    const samples = parseExposition(text);

    const tiny = { model: 'tiny', version: '1.0.0' };
    expect(valueOf(samples, 'ferry_fleet_runs', tiny)).toBe(7);
    expect(valueOf(samples, 'ferry_fleet_batches', tiny)).toBe(1);
    expect(valueOf(samples, 'ferry_fleet_errors', { ...tiny, code: 'INFERENCE_FAILED' })).toBe(2);
    const wasm = { ...tiny, backend: 'wasm' };
    const le = (i: number) => String(Number(((LATENCY_EDGES_MS[i] as number) / 1000).toPrecision(12)));
    expect(valueOf(samples, 'ferry_fleet_latency_seconds_bucket', { ...wasm, le: le(11) })).toBe(0);
    expect(valueOf(samples, 'ferry_fleet_latency_seconds_bucket', { ...wasm, le: le(12) })).toBe(7);
    expect(valueOf(samples, 'ferry_fleet_latency_seconds_bucket', { ...wasm, le: '+Inf' })).toBe(7);
    expect(valueOf(samples, 'ferry_fleet_latency_seconds_count', wasm)).toBe(7);

    expect(valueOf(samples, 'ferry_telemetry_batches_total', { result: 'accepted' })).toBe(1);
    expect(valueOf(samples, 'ferry_telemetry_batches_total', { result: 'duplicate' })).toBe(1);
    expect(
      valueOf(samples, 'ferry_telemetry_batches_total', { result: 'refused', code: 'INVALID_INPUT' }),
    ).toBe(1);
    expect(valueOf(samples, 'ferry_telemetry_runs_total')).toBe(7);

    const http = (kind: string, statusClass: string) =>
      valueOf(samples, 'ferry_http_requests_total', { kind, status_class: statusClass });
    expect(http('telemetry', '2xx')).toBe(2);
    expect(http('telemetry', '4xx')).toBe(1);
    expect(http('metrics', '4xx')).toBeGreaterThanOrEqual(4);
    expect(http('trpc', '2xx')).toBeGreaterThanOrEqual(2);
    // Process metrics come along (prom-client's defaults).
    expect(valueOf(samples, 'process_cpu_seconds_total')).toBeGreaterThan(0);
  });

  it('counts event streams: open now, opened, control documents pushed, and drops (none here)', async () => {
    const sse = async () => parseExposition(await (await scrape(tokens.metrics)).text());
    const before = await sse();
    expect(valueOf(before, 'ferry_sse_streams')).toBe(0);
    expect(valueOf(before, 'ferry_sse_streams_dropped_total')).toBe(0);
    const stream = await openEventStream(`${server().url}/api/v1/events?models=tiny`);
    await stream.until(() => stream.events.length === 1);
    const open = await sse();
    expect(valueOf(open, 'ferry_sse_streams')).toBe(1);
    expect(valueOf(open, 'ferry_sse_streams_opened_total')).toBe(1);
    expect(valueOf(open, 'ferry_sse_documents_pushed_total')).toBe(1);
    // A mutation re-signs tiny's document, and the hub pushes it to the open stream.
    const pinned = await callTrpc(server().url, 'rollouts.setStable', {
      input: { model: 'tiny', version: '1.0.0' },
      token: tokens.admin,
    });
    expect(pinned.status).toBe(200);
    await stream.until(() => stream.events.length === 2);
    expect(valueOf(await sse(), 'ferry_sse_documents_pushed_total')).toBe(2);
    stream.close();
    await stream.closed;
    // The server sees the close on its own side a moment later.
    let after = await sse();
    while (valueOf(after, 'ferry_sse_streams') !== 0) after = await sse();
    expect(valueOf(after, 'ferry_sse_streams_opened_total')).toBe(1);
    expect(valueOf(after, 'ferry_sse_streams_dropped_total')).toBe(0);
  });

  it('answers HEAD without a body and refuses other methods with 405 and Allow', async () => {
    const head = await scrape(tokens.metrics, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    const post = await scrape(tokens.metrics, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    expect(await post.json()).toMatchObject({ error: { code: 'METHOD_NOT_ALLOWED' } });
  });

  it('is off by default: 404 whatever the token', async () => {
    const response = await fetch(`${off().url}/metrics`, {
      headers: { authorization: `Bearer ${off().adminToken}` },
    });
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({
      error: { code: 'NOT_FOUND', message: expect.stringContaining('FERRY_METRICS=token') },
    });
  });
});
