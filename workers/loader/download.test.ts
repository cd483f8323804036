import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createMemoryStore } from '../cache/memory-store.ts';
import { createPartialStore } from '../cache/partials.ts';
import { downloadVerified } from './download.ts';

const content = new Uint8Array(10_000).map((_, i) => (i * 7) % 251);
const file = {
  path: 'model.onnx',
  size: content.length,
  sha256: createHash('sha256').update(content).digest('hex'),
};

interface FakeServer {
  fetch: typeof fetch;
  requests: (string | null)[];
  served: () => number;
}

/**
 * A blob server honouring single byte ranges; `cutAfter[i]` ends request i's body early with an
 * error; `stallAfter[i]` stops sending request i's body after that many bytes, leaving it open,
 * and `stallHeaders[i]` never answers request i (both end, as a browser's fetch does, when the
 * request's signal aborts); `shiftRange[i]` serves request i from that many bytes past the offset
 * asked for (saying so in its Content-Range).
 */
function fakeServer(
  options: {
    cutAfter?: (number | undefined)[];
    stallAfter?: (number | undefined)[];
    stallHeaders?: boolean[];
    shiftRange?: (number | undefined)[];
    ignoreRange?: boolean;
    body?: Uint8Array;
  } = {},
) {
  const body = options.body ?? content;
  const requests: (string | null)[] = [];
  let served = 0;
  const fetchFn = async (_url: RequestInfo | URL, init?: RequestInit) => {
    const range = new Headers(init?.headers).get('Range');
    const index = requests.push(range) - 1;
    const asked = range && !options.ignoreRange ? Number(/bytes=(\d+)-/.exec(range)?.[1]) : 0;
    const start = asked + (options.shiftRange?.[index] ?? 0);
    const slice = body.subarray(start);
    const aborted = (signal: AbortSignal | null | undefined) =>
      new Promise<never>((_, reject) => signal?.addEventListener('abort', () => reject(signal.reason)));
    if (options.stallHeaders?.[index]) return aborted(init?.signal);
    const cut = options.cutAfter?.[index];
    const stall = options.stallAfter?.[index];
    const sent = slice.subarray(0, cut ?? stall ?? slice.length);
    let at = 0;
    // Pull-based, so that every chunk before the cut is delivered before the error.
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (at >= sent.length) {
          if (stall !== undefined) return aborted(init?.signal).catch((reason) => controller.error(reason));
          if (cut === undefined) controller.close();
          else controller.error(new TypeError('network error'));
          return;
        }
        const chunk = sent.slice(at, at + 1000);
        at += chunk.length;
        served += chunk.length;
        controller.enqueue(chunk);
      },
    });
    const headers =
      start > 0 ? { 'Content-Range': `bytes ${start}-${body.length - 1}/${body.length}` } : undefined;
    return new Response(stream, { status: start > 0 ? 206 : 200, headers });
  };
  return { fetch: fetchFn as typeof fetch, requests, served: () => served } satisfies FakeServer;
}

const download = (server: FakeServer, extra: Partial<Parameters<typeof downloadVerified>[0]> = {}) =>
  downloadVerified({ url: 'http://ferry.test/blob', file, fetch: server.fetch, retryDelayMs: 0, ...extra });

describe('downloadVerified', () => {
  it('returns the verified bytes and reports progress up to the full size', async () => {
    const server = fakeServer();
    const seen: number[] = [];
    const bytes = await download(server, { onBytes: (n) => seen.push(n) });
    expect(bytes).toEqual(content);
    expect(seen.at(-1)).toBe(file.size);
  });

  it('resumes an interrupted transfer with a Range request instead of starting over', async () => {
    const server = fakeServer({ cutAfter: [4000, 3000] });
    expect(await download(server)).toEqual(content);
    expect(server.requests).toEqual([null, 'bytes=4000-', 'bytes=7000-']);
    expect(server.served()).toBe(file.size);
  });

  it('resumes a transfer that stops sending with the connection left open, once nothing came for the stall timeout', async () => {
    const server = fakeServer({ stallAfter: [4000] });
    expect(await download(server, { stallTimeoutMs: 50 })).toEqual(content);
    expect(server.requests).toEqual([null, 'bytes=4000-']);
    expect(server.served()).toBe(file.size);
  });

  it('retries a request that gets no answer at all, and gives up after its attempts with NETWORK_ERROR', async () => {
    const answered = fakeServer({ stallHeaders: [true] });
    expect(await download(answered, { stallTimeoutMs: 50 })).toEqual(content);
    expect(answered.requests).toEqual([null, null]);
    const silent = fakeServer({ stallHeaders: [true, true] });
    await expect(download(silent, { stallTimeoutMs: 20, maxAttempts: 2 })).rejects.toMatchObject({
      code: 'NETWORK_ERROR',
      message: expect.stringContaining('nothing received for 20 ms'),
    });
  });

  it('starts over when a 206 answer starts elsewhere than the offset asked for', async () => {
    const server = fakeServer({ cutAfter: [4000], shiftRange: [undefined, 1000] });
    expect(await download(server)).toEqual(content);
    expect(server.requests).toEqual([null, 'bytes=4000-', null]);
  });

  it('starts over when the server answers a Range request with the whole body', async () => {
    const server = fakeServer({ cutAfter: [4000], ignoreRange: true });
    expect(await download(server)).toEqual(content);
    expect(server.requests).toEqual([null, 'bytes=4000-']);
  });

  it('resumes from checkpoints saved by an earlier page load', async () => {
    const partials = createPartialStore(createMemoryStore().partials);
    const first = fakeServer({ cutAfter: [6500] });
    await expect(download(first, { partials, checkpointBytes: 2000, maxAttempts: 1 })).rejects.toMatchObject({
      code: 'NETWORK_ERROR',
      message: expect.stringContaining('model.onnx'),
    });
    const second = fakeServer();
    expect(await download(second, { partials, checkpointBytes: 2000 })).toEqual(content);
    expect(second.requests).toEqual(['bytes=6000-']);
    expect(await partials.load(file.sha256)).toEqual([]);
  });

  it('rejects altered bytes naming the file and keeps none of them', async () => {
    const partials = createPartialStore(createMemoryStore().partials);
    const altered = content.slice();
    altered[5000] = 255 - (altered[5000] as number);
    await expect(
      download(fakeServer({ body: altered }), { partials, checkpointBytes: 2000 }),
    ).rejects.toMatchObject({ code: 'INTEGRITY_MISMATCH', details: { path: 'model.onnx' } });
    expect(await partials.load(file.sha256)).toEqual([]);
  });

  it('rejects a body longer than the manifest says', async () => {
    const longer = new Uint8Array(file.size + 10);
    await expect(download(fakeServer({ body: longer }))).rejects.toMatchObject({
      code: 'INTEGRITY_MISMATCH',
      message: expect.stringContaining('more than the 10000 bytes'),
    });
  });

  it('fetches an empty file once and verifies it', async () => {
    const empty = new Uint8Array(0);
    const server = fakeServer({ body: empty });
    const emptyFile = {
      path: 'empty.txt',
      size: 0,
      sha256: createHash('sha256').update(empty).digest('hex'),
    };
    expect(await downloadVerified({ url: 'x', file: emptyFile, fetch: server.fetch })).toEqual(empty);
    expect(server.requests).toEqual([null]);
  });

  it('makes no request when checkpoints already hold every byte', async () => {
    const partials = createPartialStore(createMemoryStore().partials);
    await partials.append(file.sha256, 0, content.subarray(0, 6000));
    await partials.append(file.sha256, 6000, content.subarray(6000));
    const server = fakeServer();
    expect(await download(server, { partials })).toEqual(content);
    expect(server.requests).toEqual([]);
  });

  it('reports a missing blob as BLOB_NOT_FOUND without retrying', async () => {
    let calls = 0;
    const notFound = (async () => (calls++, new Response('{}', { status: 404 }))) as typeof fetch;
    await expect(downloadVerified({ url: 'x', file, fetch: notFound })).rejects.toMatchObject({
      code: 'BLOB_NOT_FOUND',
    });
    expect(calls).toBe(1);
  });
});
