import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ControlDocument, verifyEnvelope } from '$shared';
import { openEventStream, type EventStream } from '../../server/testing/event-stream.ts';
import { tinyDir } from '../../server/testing/tiny-bundle.ts';
import { bundleVariant, removeTempDir } from '../support/bundles.ts';
import { callTrpc, publishOverHttp } from '../support/registry-http.ts';
import { useFerryServer } from '../support/use-ferry-server.ts';

const MAX_STREAMS = 6;
const server = useFerryServer({
  env: {
    FERRY_SSE_HEARTBEAT_MS: '200',
    FERRY_SSE_MAX_CONNECTIONS: String(MAX_STREAMS),
    FERRY_SSE_RETRY_MS: '1000',
    FERRY_SSE_BUFFER_BYTES: '65536',
  },
});
const open: EventStream[] = [];

async function stream(models: string, headers: Record<string, string> = {}): Promise<EventStream> {
  const opened = await openEventStream(`${server().url}/api/v1/events?models=${models}`, { headers });
  open.push(opened);
  return opened;
}

/** The model's control document as GET /api/v1/models/{name}/control serves it. */
async function controlBody(model: string): Promise<string> {
  const response = await fetch(`${server().url}/api/v1/models/${model}/control`);
  expect(response.status).toBe(200);
  return response.text();
}

async function publish(name: string, version: string): Promise<void> {
  const dir = bundleVariant(tinyDir, (manifest) => Object.assign(manifest, { name, version }));
  try {
    const reply = await publishOverHttp(server().url, server().adminToken, dir);
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
  } finally {
    removeTempDir(dir);
  }
}

/** A real change of `model`'s control: a status change re-signs its document and publishes it. */
async function operate(procedure: string, input: Record<string, unknown>): Promise<void> {
  const reply = await callTrpc(server().url, `rollouts.${procedure}`, { input, token: server().adminToken });
  expect(reply.status, JSON.stringify(reply.body).slice(0, 300)).toBe(200);
}

async function setStatus(model: string, version: string, status: 'published' | 'deprecated'): Promise<void> {
  const reply = await callTrpc(server().url, 'versions.setStatus', {
    input: { name: model, version, status },
    token: server().adminToken,
  });
  expect(reply.status, JSON.stringify(reply.body)).toBe(200);
}

const ids = (s: EventStream) => s.events.map((event) => Number(event.id));

beforeAll(async () => {
  await publish('alpha', '1.0.0');
  await publish('beta', '1.0.0');
});
afterEach(() => {
  for (const opened of open.splice(0)) opened.close();
});

describe('GET /api/v1/events against a real server', () => {
  it(`answers 503 with Retry-After past FERRY_SSE_MAX_CONNECTIONS (${MAX_STREAMS})`, async () => {
    const streams = [];
    for (let i = 0; i < MAX_STREAMS; i += 1) streams.push(await stream('alpha'));
    expect(streams.map((s) => s.status)).toEqual(Array(MAX_STREAMS).fill(200));
    const refused = await stream('alpha');
    await refused.closed;
    expect(refused.status).toBe(503);
    expect(refused.headers['retry-after']).toBe('1');
    expect(JSON.parse(refused.text)).toMatchObject({ error: { code: 'UNAVAILABLE' } });
  });

  it('streams both documents signed, then exactly the changed model’s new document', async () => {
    const s = await stream('alpha,beta');
    expect(s.status).toBe(200);
    await s.until(() => s.events.length === 2);
    expect(s.retries).toEqual([1000]);
    expect(s.events.map((event) => event.data).sort()).toEqual(
      [await controlBody('alpha'), await controlBody('beta')].sort(),
    );
    await setStatus('beta', '1.0.0', 'deprecated');
    await s.until(() => s.events.length === 3);
    const pushed = s.events[2]!;
    expect(pushed.event).toBe('control');
    expect(pushed.data).toBe(await controlBody('beta'));
    const signed = await verifyEnvelope(JSON.parse(pushed.data), ControlDocument, {
      publicKey: server().publicKey,
    });
    expect(signed.model).toBe('beta');
    expect(signed.metadataVersion).toBe(Number(pushed.id));
    expect(Number(pushed.id)).toBeGreaterThan(Math.max(...ids(s).slice(0, 2)));
    // Nothing else came: the next event on this stream is the next change, of alpha.
    await setStatus('alpha', '1.0.0', 'deprecated');
    await s.until(() => s.events.length === 4);
    expect(JSON.parse(s.events[3]!.data).signed.model).toBe('alpha');
    expect(s.events[3]!.data).toBe(await controlBody('alpha'));
  });

  it('resumes with Last-Event-ID: only documents newer than it', async () => {
    const first = await stream('alpha,beta');
    await first.until(() => first.events.length === 2);
    const last = Math.max(...ids(first));
    await setStatus('alpha', '1.0.0', 'published');
    await first.until(() => first.events.length === 3);
    const resumed = await stream('alpha,beta', { 'last-event-id': String(last) });
    await resumed.until(() => resumed.events.length === 1);
    expect(resumed.events[0]).toEqual(first.events[2]);
    const current = await stream('alpha,beta', { 'last-event-id': first.events[2]!.id! });
    await setStatus('beta', '1.0.0', 'published');
    await current.until(() => current.events.length === 1);
    expect(JSON.parse(current.events[0]!.data).signed.model).toBe('beta');
  });

  it('keeps a stream that is never read from delaying another', async () => {
    const stalled = await stream('alpha');
    const reading = await stream('alpha');
    await stalled.until(() => stalled.events.length === 1);
    stalled.response.pause();
    for (const status of ['deprecated', 'published', 'deprecated', 'published'] as const) {
      const before = reading.events.length;
      await setStatus('alpha', '1.0.0', status);
      await reading.until(() => reading.events.length === before + 1);
    }
    expect(stalled.events).toHaveLength(1);
    stalled.response.resume();
    await stalled.until(() => stalled.events.length === 5);
    expect(stalled.events).toEqual(reading.events);
  });

  it('drops a stalled stream over FERRY_SSE_BUFFER_BYTES; it resumes with Last-Event-ID to the current document', async () => {
    const stalled = await stream('alpha');
    const reading = await stream('alpha');
    await stalled.until(() => stalled.events.length === 1);
    stalled.response.pause();
    const changed = async (change: () => Promise<void>) => {
      const before = reading.events.length;
      await change();
      await reading.until(() => reading.events.length === before + 1);
    };
    await changed(() => publish('alpha', '1.1.0'));
    await changed(() => operate('setStable', { model: 'alpha', version: '1.0.0' }));
    // Large targeting makes each document ~800 KB, so a few changes outgrow the kernel's buffers.
    const values = (i: number) => Array.from({ length: 100 }, (_, j) => `${i}-${j}-${'v'.repeat(240)}`);
    const targeting = Array.from({ length: 32 }, (_, i) => ({
      attribute: 'custom',
      name: `c${i}`,
      in: values(i),
    }));
    await changed(() => operate('start', { model: 'alpha', candidate: '1.1.0', percent: 1, targeting }));
    const dropped = /dropped 1 event stream holding over 65536 unsent bytes/;
    for (let percent = 2; percent < 60 && !dropped.test(server().output()); percent += 1) {
      await changed(() => operate('setPercentage', { model: 'alpha', percent }));
    }
    expect(server().output()).toMatch(dropped);
    stalled.response.resume();
    await stalled.closed;
    // Every event it got before the drop is whole and in order: a prefix of what the other got.
    expect(stalled.events).toEqual(reading.events.slice(0, stalled.events.length));
    expect(stalled.events.length).toBeLessThan(reading.events.length);
    const resumed = await stream('alpha', { 'last-event-id': stalled.events.at(-1)!.id! });
    await resumed.until(() => resumed.events.length === 1);
    expect(resumed.events[0]).toEqual(reading.events.at(-1));
  });

  it('sends `: ping` heartbeats every FERRY_SSE_HEARTBEAT_MS', async () => {
    const s = await stream('beta');
    await s.until(() => s.comments.filter((comment) => comment.trim() === 'ping').length >= 3);
  });

  it('refuses unknown models with 404 naming them, bad lists with 400 naming models', async () => {
    const unknown = await stream('alpha,nope');
    await unknown.closed;
    expect(unknown.status).toBe(404);
    expect(JSON.parse(unknown.text)).toEqual({
      error: { code: 'MODEL_NOT_FOUND', message: 'models: no control document for "nope"' },
    });
    const bad = await stream('alpha,../etc');
    await bad.closed;
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.text).error.message).toMatch(/^models: "\.\.\/etc" is not a model name/);
  });
});
