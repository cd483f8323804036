import { describe, expect, it } from 'vitest';
import type { LoadProgress } from '../types.ts';
import { createProgressTracker } from './progress.ts';

function track(throttleMs = 0) {
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
    throttleMs,
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

  it('throttles intermediate events but always reports completion', () => {
    const { events, tracker, tick } = track(100);
    tracker.update('model.onnx', 10);
    tracker.update('model.onnx', 20);
    tick(150);
    tracker.update('model.onnx', 30);
    tracker.update('model.onnx', 100);
    expect(events.map((e) => e.fileLoaded)).toEqual([10, 30, 100]);
  });

  it('clamps counts above the declared size and ignores unknown files', () => {
    const { events, tracker } = track();
    tracker.update('model.onnx', 500);
    tracker.update('other.bin', 5);
    expect(events).toHaveLength(1);
    expect(events[0]?.fileLoaded).toBe(100);
  });
});
