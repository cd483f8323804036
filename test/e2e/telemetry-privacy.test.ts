import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../shared/errors.ts';
import { ExecutionProvider } from '../../shared/schemas/manifest.ts';
import { FallbackReason, TelemetryBatch, ThreadBucket } from '../../shared/schemas/telemetry.ts';
import { root, startStack, type Stack } from './support/stack.ts';
import { drained, INGEST_PATH, tabularDefaults } from './support/telemetry.ts';

const breastCancer = JSON.parse(readFileSync(path.join(root, 'models/breast-cancer/ferry.json'), 'utf8')) as {
  preprocessing: { kind: string; features: { name: string; default: number }[] };
};
const SENTINEL_FLOAT = 1234.5678125;
const SENTINEL_TEXT = 'qzxv7381 marmoset lighthouse';
// What must never leave the device, in any form a body or URL could carry it.
const SENTINELS = ['1234.5678', '1234,5678', 'qzxv7381', 'marmoset', 'lighthouse'];

/** Every request the page and its workers send, as the browser reports it. */
const seen: { url: string; method: string; body: string }[] = [];
const record = (request: Request) =>
  seen.push({ url: request.url(), method: request.method(), body: request.postData() ?? '' });

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
  stack.context.on('request', record);
  await stack.publish('models/breast-cancer');
  await stack.publish('models/debian-sections');
});
afterAll(() => stack?.close());

const tabular = (values: Record<string, number>) => ({ kind: 'tabular' as const, values });
const sentinelInput = tabular({
  ...tabularDefaults(breastCancer),
  mean_area: SENTINEL_FLOAT,
  mean_radius: 14.123456789,
});
const ingestRequests = () => seen.filter((r) => new URL(r.url).pathname === INGEST_PATH);

/** Object keys a batch may use: its fields and the closed sets of the wire format. */
const KNOWN_KEYS = new Set<string>([
  ...Object.keys(TelemetryBatch.shape),
  ...['cold', 'warm', 'bytesDownloaded', 'timeMs', 'fallbacks', 'name', 'counts', 'topScore'],
  ...['backend', 'threads', 'crossOriginIsolated', 'webgpuAvailable', 'yes', 'no'],
  ...Object.values(ErrorCode),
  ...ExecutionProvider.options,
  ...ThreadBucket.options,
  ...FallbackReason.options,
]);

/** Every key, string and number of a parsed JSON value, with the key each value sits under. */
function walk(
  value: unknown,
  under: string,
  out: { keys: string[]; strings: [string, string][]; numbers: [string, number][] },
) {
  if (typeof value === 'string') out.strings.push([under, value]);
  else if (typeof value === 'number') out.numbers.push([under, value]);
  else if (Array.isArray(value)) value.forEach((item) => walk(item, under, out));
  else if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      out.keys.push(key);
      walk(item, key, out);
    }
  }
  return out;
}

describe('what telemetry sends', () => {
  it('sends nothing at all, and opens no queue, with telemetry: false', async () => {
    await stack.h.open('off', stack.clientOptions({ telemetry: false }));
    expect((await stack.h.load('off', 'breast-cancer', { key: 'off-bc' })).error).toBeUndefined();
    for (let i = 0; i < 5; i++) expect((await stack.h.run('off-bc', sentinelInput)).ok).toBe(true);
    await stack.h.flushTelemetry('off');
    expect((await stack.h.status('off')).telemetry).toEqual({ enabled: false });
    // Hiding the page is the other trigger of a flush.
    await stack.page.evaluate(() => window.dispatchEvent(new Event('pagehide')));
    await stack.h.terminate('off');
    expect(ingestRequests()).toEqual([]);
    expect(stack.proxy.requests.filter((r) => r.path === INGEST_PATH)).toEqual([]);
    const databases = await stack.page.evaluate(async () => (await indexedDB.databases()).map((d) => d.name));
    expect(databases).not.toContain('ferry-telemetry');
  });

  it('never carries an input, and nothing in one batch links it to another', async () => {
    const { h } = stack;
    await h.open('on', stack.clientOptions({ telemetry: { flushRuns: 4 } }));
    expect((await h.load('on', 'breast-cancer')).error).toBeUndefined();
    expect((await h.load('on', 'debian-sections')).error).toBeUndefined();
    for (let i = 0; i < 9; i++) expect((await h.run('breast-cancer', sentinelInput)).ok).toBe(true);
    for (let i = 0; i < 6; i++) {
      expect((await h.run('debian-sections', { kind: 'text', text: `${SENTINEL_TEXT} ${i}` })).ok).toBe(true);
    }
    await h.flushTelemetry('on');
    await drained(h, 'on');
    expect((await h.status('on')).telemetry).toMatchObject({ rejected: 0 });

    // The browser's own view (page and workers) and the proxy's view of what reached the server.
    const bodies = ingestRequests().map((r) => r.body);
    const proxied = stack.proxy.requests.filter((r) => r.path === INGEST_PATH).map((r) => r.body ?? '');
    expect(bodies.length).toBeGreaterThanOrEqual(4);
    expect(new Set(proxied)).toEqual(new Set(bodies));
    for (const request of [
      ...seen,
      ...stack.proxy.requests.map((r) => ({ url: r.path, body: r.body ?? '' })),
    ]) {
      for (const sentinel of SENTINELS) {
        expect(request.url, `a URL carries ${sentinel}`).not.toContain(sentinel);
        expect(request.body, `a body to ${request.url} carries ${sentinel}`).not.toContain(sentinel);
      }
    }

    const batches = bodies.map((body) => TelemetryBatch.parse(JSON.parse(body)));
    expect(new Set(batches.map((b) => b.model))).toEqual(new Set(['breast-cancer', 'debian-sections']));
    expect(batches.reduce((sum, b) => sum + b.runs, 0)).toBe(15);
    expect(new Set(batches.map((b) => b.batchId)).size).toBe(batches.length);
    const featureNames = new Set(batches.flatMap((b) => b.features.map((f) => f.name)));
    const allowedStrings = new Set([
      ...batches.flatMap((b) => [b.model, b.version, b.sdkVersion]),
      ...featureNames,
    ]);
    for (const batch of batches) {
      const { keys, strings, numbers } = walk(batch, '', { keys: [], strings: [], numbers: [] });
      expect(keys.filter((key) => !KNOWN_KEYS.has(key))).toEqual([]);
      for (const [key, value] of strings) {
        if (key === 'batchId') continue;
        // Window bounds are minutes, the same for every device sending in that minute.
        if (key === 'windowStart' || key === 'windowEnd')
          expect(value).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:00Z$/);
        else expect(allowedStrings, `${key}: ${value}`).toContain(value);
      }
      for (const [key, value] of numbers) {
        if (key === 'metadataVersion') continue;
        // Counts only: small whole numbers, nothing that could be a raw value or a device id.
        expect(Number.isInteger(value) && value >= 0 && value < 2 ** 32, `${key}: ${value}`).toBe(true);
      }
    }
  });
});
