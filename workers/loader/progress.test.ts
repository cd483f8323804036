import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { LoadProgress } from '../types.ts';
import { downloadVerified } from './download.ts';
import { createProgressTracker, PROGRESS_INTERVAL_MS, PROGRESS_STEP_BYTES } from './progress.ts';

function track(intervalMs = 0, stepBytes = PROGRESS_STEP_BYTES) {
  const events: LoadProgress[] = [];
  let clock = 0;
  const tracker = createProgressTracker({
    name: 'digits',
    version: '1.0.0',
    files: [
      { path: 'model.onnx', size: 100 },
      { path: 'labels.txt', size: 10 },
    ],
    emit: (p) => events.push(p),
    intervalMs,
    stepBytes,
    now: () => clock,
  });
  return { events, tracker, tick: (ms: number) => (clock += ms) };
}

describe('createProgressTracker', () => {
  it('aggregates files into an overall count that ends at exactly the total', () => {
    const { events, tracker } = track();
    tracker.update('labels.txt', 10, true);
    tracker.update('model.onnx', 40);
    tracker.update('model.onnx', 100);
    expect(events.map((e) => [e.file, e.fileLoaded, e.loaded, e.total])).toEqual([
      ['labels.txt', 10, 10, 110],
      ['model.onnx', 40, 50, 110],
      ['model.onnx', 100, 110, 110],
    ]);
    expect(events.at(-1)?.fraction).toBe(1);
    expect(events[0]?.fromCache).toBe(true);
  });

  it('never moves backwards when a download restarts from zero', () => {
    const { events, tracker } = track();
    tracker.update('model.onnx', 60);
    tracker.update('model.onnx', 20);
    tracker.update('model.onnx', 80);
    const overall = events.map((e) => e.loaded);
    expect(overall).toEqual([60, 80]);
    expect(tracker.loaded).toBe(80);
  });

  it('folds small updates into the next event a step or an interval on, steps through jumps, and reports completion', () => {
    const { events, tracker, tick } = track(100, 25);
    tracker.update('model.onnx', 10);
    tracker.update('model.onnx', 20);
    tracker.update('model.onnx', 34);
    tracker.update('model.onnx', 35);
    tick(99);
    tracker.update('model.onnx', 36);
    tick(1);
    tracker.update('model.onnx', 37);
    tracker.update('model.onnx', 100);
    expect(events.map((e) => e.fileLoaded)).toEqual([10, 35, 37, 62, 87, 100]);
    expect(events.map((e) => e.loaded)).toEqual([10, 35, 37, 62, 87, 100]);
  });

  it('reports a file from the cache whole, in one event', () => {
    const { events, tracker } = track(100, 25);
    tracker.update('labels.txt', 10, true);
    tracker.update('model.onnx', 100, true);
    expect(events.map((e) => [e.fileLoaded, e.loaded])).toEqual([
      [10, 10],
      [100, 110],
    ]);
  });

  it('clamps counts above the declared size and ignores unknown files', () => {
    const { events, tracker } = track();
    tracker.update('model.onnx', 500);
    tracker.update('other.bin', 5);
    expect(events).toHaveLength(1);
    expect(events[0]?.fileLoaded).toBe(100);
  });
});

/** One network read of a download: `bytes` arrive `afterMs` after the read before. */
interface Read {
  bytes: number;
  afterMs: number;
}

/**
 * Downloads a file delivered in `reads` through downloadVerified into a tracker whose clock the
 * reads advance, as fetchFiles wires them; returns the events and when each was emitted.
 */
async function downloadWithProgress(reads: Read[]) {
  const size = reads.reduce((n, r) => n + r.bytes, 0);
  const content = new Uint8Array(size).map((_, i) => i % 251);
  const file = { path: 'model.onnx', size, sha256: createHash('sha256').update(content).digest('hex') };
  let clock = 0;
  const events: { event: LoadProgress; at: number }[] = [];
  const tracker = createProgressTracker({
    name: 'm',
    version: '1.0.0',
    files: [file],
    emit: (event) => events.push({ event, at: clock }),
    now: () => clock,
  });
  let next = 0;
  let offset = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      const read = reads[next++];
      if (!read) return controller.close();
      clock += read.afterMs;
      controller.enqueue(content.slice(offset, offset + read.bytes));
      offset += read.bytes;
    },
  });
  const fetchOnce = (async () => new Response(body)) as typeof fetch;
  const bytes = await downloadVerified({
    url: 'http://ferry.test/blob',
    file,
    fetch: fetchOnce,
    onBytes: (n) => tracker.update(file.path, n),
  });
  expect(Buffer.compare(bytes, content)).toBe(0);
  return { events, size };
}

describe('download progress', () => {
  const small = fc.record({
    bytes: fc.integer({ min: 1, max: 4096 }),
    afterMs: fc.integer({ min: 0, max: 30 }),
  });
  const huge = fc.record({
    bytes: fc.integer({ min: 200_000, max: 2_000_000 }),
    afterMs: fc.integer({ min: 0, max: 500 }),
  });
  const reads = fc.array(fc.oneof({ arbitrary: small, weight: 20 }, { arbitrary: huge, weight: 1 }), {
    minLength: 1,
    maxLength: 400,
  });

  it('reports at least every 64 KiB or 100 ms of a stream of many small and a few huge reads, monotonically, ending at the size', async () => {
    await fc.assert(
      fc.asyncProperty(reads, async (list) => {
        const { events, size } = await downloadWithProgress(list);
        expect(events[0]?.event.fileLoaded).toBeLessThanOrEqual(PROGRESS_STEP_BYTES);
        expect(events.at(-1)?.event).toMatchObject({ fileLoaded: size, loaded: size, fraction: 1 });
        for (let i = 1; i < events.length; i++) {
          const [before, after] = [events[i - 1]!, events[i]!];
          expect(after.event.fileLoaded).toBeGreaterThan(before.event.fileLoaded);
          expect(after.event.loaded).toBeGreaterThan(before.event.loaded);
          expect(after.event.fileLoaded - before.event.fileLoaded).toBeLessThanOrEqual(PROGRESS_STEP_BYTES);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('reports every read that comes 100 ms or more after the last event', async () => {
    const list = Array.from({ length: 30 }, () => ({ bytes: 100, afterMs: PROGRESS_INTERVAL_MS }));
    const { events } = await downloadWithProgress(list);
    expect(events.map((e) => e.event.fileLoaded)).toEqual(list.map((_, i) => (i + 1) * 100));
  });

  it('gives a 579 KB file delivered in one read 9 or more events', async () => {
    const { events } = await downloadWithProgress([{ bytes: 578_966, afterMs: 0 }]);
    expect(events.length).toBeGreaterThanOrEqual(9);
  });
});
