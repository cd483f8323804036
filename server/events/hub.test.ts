import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { loadConfig, type FerryConfig } from '../config.ts';
import type { ControlReader, StoredControl } from '../rollouts/control-store.ts';
import { openEventStream, type EventStream } from '../testing/event-stream.ts';
import { createEventHub, type EventHub } from './hub.ts';
import { createInProcessBus } from './in-process-bus.ts';
import { eventsRoute } from './route.ts';

/**
 * The control store's read side, kept in memory: the hub is tested here against the interface;
 * test/integration/events.test.ts runs it on the real SQLite store behind real mutations.
 */
function memoryControl() {
  const documents = new Map<string, StoredControl>();
  let counter = 0;
  const reader = {
    reads: 0,
    current(models: readonly string[]) {
      reader.reads += 1;
      return models.flatMap((model) => documents.get(model) ?? []);
    },
    /** Signs nothing: a stand-in body of `padding` bytes with the next metadataVersion. */
    change(model: string, padding = 0): StoredControl {
      counter += 1;
      const body = JSON.stringify({ signed: { model, metadataVersion: counter, pad: 'x'.repeat(padding) } });
      const stored = {
        model,
        metadataVersion: counter,
        body,
        sha256: createHash('sha256').update(body).digest('hex'),
      };
      documents.set(model, stored);
      return stored;
    },
  } satisfies ControlReader & Record<string, unknown>;
  return reader;
}

const control = memoryControl();
const bus = createInProcessBus();
const logged: string[] = [];
/** What the hub reported to its observer so far. */
const counts = { opened: 0, closed: 0, pushed: 0, dropped: 0 };
const observer = {
  opened: () => void (counts.opened += 1),
  closed: () => void (counts.closed += 1),
  pushed: (documents: number) => void (counts.pushed += documents),
  dropped: () => void (counts.dropped += 1),
};
let config: FerryConfig;
let hub: EventHub;
let server: Server;
let base: string;
const open: EventStream[] = [];

async function stream(query: string, headers: Record<string, string> = {}, method = 'GET') {
  const opened = await openEventStream(`${base}/api/v1/events${query}`, { headers, method });
  open.push(opened);
  return opened;
}

function change(model: string, padding = 0): StoredControl {
  const stored = control.change(model, padding);
  bus.publish({ model, metadataVersion: stored.metadataVersion });
  return stored;
}

beforeAll(async () => {
  config = loadConfig({
    FERRY_ALLOWED_ORIGINS: 'https://app.example',
    FERRY_SSE_HEARTBEAT_MS: '100',
    FERRY_SSE_RETRY_MS: '2500',
    FERRY_SSE_MAX_CONNECTIONS: '6',
    FERRY_SSE_BUFFER_BYTES: '65536',
  });
  hub = createEventHub({
    reader: control,
    bus,
    settings: config.events,
    log: (line) => logged.push(line),
    observer,
  });
  const route = eventsRoute({ config, reader: control, hub });
  server = createServer((req, res) => {
    const match = route.pattern.exec((req.url ?? '').split('?')[0] ?? '');
    if (match) void route.native(req, res, match, { peerAddress: '' });
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  control.change('alpha');
  control.change('beta');
  control.change('gamma');
});
afterEach(async () => {
  for (const opened of open.splice(0)) {
    opened.close();
    await opened.closed;
  }
  // The hub notices each close; the connection limit test needs the count back at zero.
  while (hub.size > 0) await new Promise((resolve) => setImmediate(resolve));
});
afterAll(async () => {
  hub.close();
  await new Promise((resolve) => server.close(resolve));
});

describe('GET /api/v1/events', () => {
  it('starts with retry, then every requested document, oldest first, with its metadataVersion as id', async () => {
    const s = await stream('?models=gamma,alpha');
    expect(s.status).toBe(200);
    expect(s.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(s.headers['cache-control']).toBe('no-cache');
    expect(s.headers['x-accel-buffering']).toBe('no');
    await s.until(() => s.events.length === 2);
    expect(s.retries).toEqual([2500]);
    const [alpha, gamma] = control.current(['alpha', 'gamma']) as [StoredControl, StoredControl];
    expect(s.events).toEqual([
      { id: String(alpha.metadataVersion), event: 'control', data: alpha.body },
      { id: String(gamma.metadataVersion), event: 'control', data: gamma.body },
    ]);
  });

  it('sends each change of a followed model once, read once for all its streams, and nothing to others', async () => {
    const both = await stream('?models=alpha,beta');
    const alphaOnly = await stream('?models=alpha');
    const betaOnly = await stream('?models=beta');
    await Promise.all([both, alphaOnly, betaOnly].map((s) => s.until(() => s.events.length > 0)));
    await both.until(() => both.events.length === 2);
    const ids = (s: EventStream) => s.events.map((event) => event.id);
    const opening = ids(both);
    const reads = control.reads;
    const alpha = change('alpha');
    expect(control.reads - reads).toBe(1);
    // A second notification of the same version (a retried publish) sends nothing again.
    bus.publish({ model: 'alpha', metadataVersion: alpha.metadataVersion });
    const beta = change('beta');
    await both.until(() => both.events.length === 4);
    await alphaOnly.until(() => alphaOnly.events.length === 2);
    await betaOnly.until(() => betaOnly.events.length === 2);
    const [a, b] = [String(alpha.metadataVersion), String(beta.metadataVersion)];
    expect(ids(both)).toEqual([...opening, a, b]);
    expect(both.events.slice(2).map((event) => event.data)).toEqual([alpha.body, beta.body]);
    expect(ids(alphaOnly)).toEqual([opening[0], a]);
    expect(ids(betaOnly)).toEqual([opening[1], b]);
  });

  it('resumes after Last-Event-ID: only documents newer than it, and nothing at all when none is', async () => {
    const newest = Math.max(...control.current(['alpha', 'beta', 'gamma']).map((d) => d.metadataVersion));
    const gamma = change('gamma');
    const resumed = await stream('?models=alpha,beta,gamma', { 'last-event-id': String(newest) });
    await resumed.until(() => resumed.events.length === 1);
    expect(resumed.events[0]).toEqual({
      id: String(gamma.metadataVersion),
      event: 'control',
      data: gamma.body,
    });
    const current = await stream('?models=alpha,beta,gamma', {
      'last-event-id': String(gamma.metadataVersion),
    });
    const beta = change('beta');
    await current.until(() => current.events.length > 0);
    expect(current.events.map((e) => e.id)).toEqual([String(beta.metadataVersion)]);
  });

  it('sends an HTTP/1.0 client (no chunked coding) the same frames, unframed', async () => {
    const socket = connect(Number(new URL(base).port), '127.0.0.1');
    let next = -1;
    let text = '';
    socket.setEncoding('latin1');
    const received = new Promise<void>((resolve) =>
      socket.on('data', (chunk: string) => {
        text += chunk;
        if (
          text.includes(
            'event: control\ndata: {"signed":{"model":"gamma","metadataVersion":' + String(next) + ',',
          )
        )
          resolve();
      }),
    );
    socket.write('GET /api/v1/events?models=gamma HTTP/1.0\r\nHost: x\r\n\r\n');
    while (hub.size === 0) await new Promise((resolve) => setImmediate(resolve));
    next = change('gamma').metadataVersion;
    await received;
    socket.destroy();
    const body = text.slice(text.indexOf('\r\n\r\n') + 4);
    const gamma = control.current(['gamma'])[0] as StoredControl;
    expect(body.endsWith(`id: ${next}\nevent: control\ndata: ${gamma.body}\n\n`)).toBe(true);
    expect(body.startsWith('retry: 2500\n\nid: ')).toBe(true);
  });

  it('reports streams opened and closed, and each document written, to its observer', async () => {
    const before = { ...counts };
    const both = await stream('?models=alpha,beta');
    const one = await stream('?models=alpha');
    await both.until(() => both.events.length === 2);
    expect(counts.opened - before.opened).toBe(2);
    expect(counts.pushed - before.pushed).toBe(3); // the opening documents: two, then one
    const next = String(change('alpha').metadataVersion);
    await one.until(() => one.events.at(-1)?.id === next);
    await both.until(() => both.events.at(-1)?.id === next);
    expect(counts.pushed - before.pushed).toBe(5);
    for (const s of open.splice(0)) {
      s.close();
      await s.closed;
    }
    while (hub.size > 0) await new Promise((resolve) => setImmediate(resolve));
    expect(counts.closed - before.closed).toBe(2);
    expect(counts.opened - counts.closed).toBe(0);
  });

  it('sends `: ping` heartbeats to idle streams', async () => {
    const s = await stream('?models=alpha');
    await s.until(() => s.comments.filter((comment) => comment.trim() === 'ping').length >= 2);
  });

  it('drops a stalled stream over its buffer while another stream of the model gets every change', async () => {
    const droppedBefore = counts.dropped;
    const stalled = await stream('?models=beta');
    const reading = await stream('?models=beta');
    await stalled.until(() => stalled.events.length === 1);
    stalled.response.pause();
    const sent: string[] = [];
    // 512 KiB documents: the kernel takes a few MiB of a stalled socket before Node buffers any.
    for (let i = 0; i < 64 && hub.size === 2; i += 1) {
      sent.push(String(change('beta', 512 * 1024).metadataVersion));
      await reading.until(() => reading.events.at(-1)?.id === sent.at(-1));
    }
    expect(hub.size).toBe(1);
    expect(reading.events.slice(1).map((e) => e.id)).toEqual(sent);
    expect(logged.at(-1)).toMatch(/dropped 1 event stream holding over 65536 unsent bytes/);
    expect(counts.dropped - droppedBefore).toBe(1);
    stalled.response.resume();
    await stalled.closed;
    // What it got before the drop is a prefix of what was sent, never a torn event.
    expect(stalled.events.slice(1).map((e) => e.id)).toEqual(sent.slice(0, stalled.events.length - 1));
    expect(stalled.events.length - 1).toBeLessThan(sent.length);
  });

  it('answers 503 with Retry-After over FERRY_SSE_MAX_CONNECTIONS, and takes streams again once one closes', async () => {
    const streams = await Promise.all(Array.from({ length: 6 }, () => stream('?models=alpha')));
    expect(streams.map((s) => s.status)).toEqual([200, 200, 200, 200, 200, 200]);
    const refused = await stream('?models=alpha');
    await refused.closed;
    expect(refused.status).toBe(503);
    expect(refused.headers['retry-after']).toBe('3');
    expect(JSON.parse(refused.text)).toEqual({
      error: {
        code: 'UNAVAILABLE',
        message: 'connections: this server holds its maximum of 6 event streams; retry later',
      },
    });
    streams[0]?.close();
    await streams[0]?.closed;
    while (hub.size > 5) await new Promise((resolve) => setImmediate(resolve));
    expect((await stream('?models=alpha')).status).toBe(200);
  });

  it('refuses bad requests naming the field: models, Last-Event-ID, unknown models, methods', async () => {
    const cases: [string, Record<string, string>, number, RegExp][] = [
      ['', {}, 400, /^models: required/],
      ['?models=', {}, 400, /^models: "" is not a model name/],
      ['?models=a,,b', {}, 400, /^models: "" is not a model name/],
      ['?models=Alpha', {}, 400, /^models: "Alpha" is not a model name/],
      ['?models=alpha&models=beta', {}, 400, /^models: give the list once/],
      ['?models=%E0%A4%A', {}, 400, /^models: the query string is not valid/],
      [`?models=${Array.from({ length: 51 }, (_, i) => `m${i}`).join(',')}`, {}, 400, /^models: at most 50/],
      ['?models=alpha', { 'last-event-id': 'abc' }, 400, /^Last-Event-ID: "abc" is not an event id/],
      ['?models=alpha,nope,zilch', {}, 404, /^models: no control document for "nope", "zilch"$/],
    ];
    for (const [query, headers, status, message] of cases) {
      const refused = await stream(query, headers);
      await refused.closed;
      expect(refused.status, query).toBe(status);
      const body = JSON.parse(refused.text) as { error: { code: string; message: string } };
      expect(body.error.message, query).toMatch(message);
      expect(body.error.code).toBe(status === 404 ? 'MODEL_NOT_FOUND' : 'INVALID_INPUT');
    }
    const put = await stream('?models=alpha', {}, 'PUT');
    await put.closed;
    expect(put.status).toBe(405);
    expect(put.headers.allow).toBe('GET, HEAD, OPTIONS');
    expect(hub.size).toBe(0);
  });

  it('is public: CORS for allowed origins, preflights with Last-Event-ID, HEAD without a body', async () => {
    const s = await stream('?models=alpha', { origin: 'https://app.example' });
    expect(s.headers['access-control-allow-origin']).toBe('https://app.example');
    expect(s.headers['cross-origin-resource-policy']).toBe('cross-origin');
    const other = await stream('?models=alpha', { origin: 'https://evil.example' });
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
    const preflight = await stream('?models=alpha', { origin: 'https://app.example' }, 'OPTIONS');
    await preflight.closed;
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-headers']).toBe('Last-Event-ID');
    const head = await stream('?models=alpha', {}, 'HEAD');
    await head.closed;
    expect(head.status).toBe(200);
    expect(head.headers['content-type']).toBe('text/event-stream; charset=utf-8');
  });
});
