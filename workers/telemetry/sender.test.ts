import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { mulberry32 } from '$shared/stats/random.ts';
import { createMemoryQueue, type TelemetryQueue } from './queue.ts';
import { backoffMs, createSender, retryAfterMs } from './sender.ts';

type Reply = (req: IncomingMessage, res: ServerResponse, body: string) => void;

const servers: { close(): void }[] = [];
afterEach(() => servers.splice(0).forEach((s) => s.close()));

/** A real HTTP endpoint answering each request with the next of `replies` (the last one repeats). */
async function endpoint(replies: Reply[]) {
  const bodies: { contentType: string | undefined; body: string }[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      bodies.push({ contentType: req.headers['content-type'], body });
      (replies[Math.min(bodies.length - 1, replies.length - 1)] as Reply)(req, res, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push({ close: () => server.close() });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/telemetry`, bodies };
}

const ok: Reply = (_req, res) =>
  res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"accepted"}');
const duplicate: Reply = (_req, res) => res.writeHead(200).end('{"status":"duplicate"}');
const status =
  (code: number, headers: Record<string, string> = {}): Reply =>
  (_req, res) =>
    res.writeHead(code, headers).end('{}');

async function queueOf(...bodies: string[]): Promise<TelemetryQueue> {
  const queue = createMemoryQueue({ maxBatches: 100, maxBytes: 1 << 20 });
  for (const body of bodies)
    await queue.push({ batchId: '0'.repeat(32), body, bytes: body.length }, { reportedDrops: 0 });
  return queue;
}

/** A sender whose retries run at once (or never, with `hold`); the delays it asked for are recorded. */
function senderFor(
  url: string,
  queue: TelemetryQueue,
  options: { warnings?: string[]; hold?: boolean } = {},
) {
  const delays: number[] = [];
  const warnings = options.warnings ?? [];
  const sender = createSender({
    queue: Promise.resolve(queue),
    endpoint: url,
    fetch,
    retry: { baseDelayMs: 1000, maxDelayMs: 60_000 },
    uniform: mulberry32(1),
    keepalive: false,
    schedule: (fn, ms) => {
      delays.push(ms);
      if (!options.hold) queueMicrotask(fn);
    },
    warn: (message) => warnings.push(message),
  });
  return { sender, delays };
}

async function drained(sender: ReturnType<typeof createSender>, queue: TelemetryQueue) {
  while ((await queue.size()).batches > 0) {
    sender.kick();
    await sender.idle();
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('createSender', () => {
  it('posts each batch as text/plain, oldest first, and removes it on a 200', async () => {
    const server = await endpoint([ok, duplicate]);
    const queue = await queueOf('{"a":1}', '{"b":2}');
    const { sender } = senderFor(server.url, queue);
    await drained(sender, queue);
    expect(server.bodies).toEqual([
      { contentType: 'text/plain;charset=UTF-8', body: '{"a":1}' },
      { contentType: 'text/plain;charset=UTF-8', body: '{"b":2}' },
    ]);
    expect(sender.stats()).toMatchObject({ sent: 2, duplicates: 1, rejected: 0, failedAttempts: 0 });
  });

  it('waits as long as a 429 or 503 Retry-After asks, then sends the same batch again', async () => {
    const server = await endpoint([
      status(429, { 'retry-after': '7' }),
      status(503, { 'retry-after': '2' }),
      ok,
    ]);
    const queue = await queueOf('{"a":1}');
    const { sender, delays } = senderFor(server.url, queue);
    await drained(sender, queue);
    expect(delays).toEqual([7000, 2000]);
    expect(server.bodies.map((b) => b.body)).toEqual(['{"a":1}', '{"a":1}', '{"a":1}']);
    expect(sender.stats()).toMatchObject({ sent: 1, failedAttempts: 2 });
  });

  it('backs off with full jitter on 5xx and 408, growing the cap each attempt', async () => {
    const server = await endpoint([status(500), status(408), status(502), ok]);
    const queue = await queueOf('{"a":1}');
    const { sender, delays } = senderFor(server.url, queue);
    await drained(sender, queue);
    const random = mulberry32(1);
    expect(delays).toEqual(
      [1, 2, 3].map((attempt) => backoffMs(attempt, { baseDelayMs: 1000, maxDelayMs: 60_000 }, random)),
    );
    expect(delays[0]).toBeLessThan(1000);
    expect(sender.stats().sent).toBe(1);
  });

  it('drops a batch the server refuses for good (a 4xx other than 408/429), warning once per status', async () => {
    const server = await endpoint([status(400), status(400), status(404), ok]);
    const queue = await queueOf('{"bad":1}', '{"bad":2}', '{"gone":3}', '{"good":4}');
    const warnings: string[] = [];
    const { sender, delays } = senderFor(server.url, queue, { warnings });
    await drained(sender, queue);
    expect(delays).toEqual([]);
    expect(sender.stats()).toMatchObject({ sent: 1, rejected: 3 });
    expect(warnings).toHaveLength(2);
  });

  it('retries after a network error, and stops for good when stopped', async () => {
    const server = await endpoint([ok]);
    const queue = await queueOf('{"a":1}');
    const unreachable = server.url.replace(/:\d+\//, ':1/');
    const { sender, delays } = senderFor(unreachable, queue, { hold: true });
    sender.kick();
    await sender.idle();
    expect(delays).toHaveLength(1);
    expect(sender.stats().lastError).toMatch(/network error/);
    sender.stop();
    sender.kick();
    await sender.idle();
    expect((await queue.size()).batches).toBe(1);
  });

  it('starts no request once stopped, even when stopped while it read the queue', async () => {
    const server = await endpoint([ok]);
    const queue = await queueOf('{"a":1}');
    // Stopped while the oldest batch is being read, as a withdrawal can come in that await.
    const stopping: TelemetryQueue = {
      ...queue,
      async oldest() {
        const entry = await queue.oldest();
        sender.stop();
        return entry;
      },
    };
    const { sender } = senderFor(server.url, stopping);
    sender.kick();
    await sender.idle();
    expect(server.bodies).toEqual([]);
    expect((await queue.size()).batches).toBe(1);
  });
});

describe('retryAfterMs and backoffMs', () => {
  it('reads delta-seconds and HTTP dates, and nothing else', () => {
    const now = Date.parse('2026-12-01T00:00:00Z');
    expect(retryAfterMs('120', now)).toBe(120_000);
    expect(retryAfterMs('Tue, 01 Dec 2026 00:00:30 GMT', now)).toBe(30_000);
    expect(retryAfterMs('soon', now)).toBeUndefined();
    expect(retryAfterMs(null, now)).toBeUndefined();
  });

  it('never waits beyond the cap', () => {
    const retry = { baseDelayMs: 1000, maxDelayMs: 5000 };
    expect(backoffMs(30, retry, () => 0.999999)).toBeLessThan(5000);
    expect(backoffMs(1, retry, () => 0.5)).toBe(500);
  });
});
