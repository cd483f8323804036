import { describe, expect, it } from 'vitest';
import { parseWorkerConfig, type WorkerConfig } from './worker-config.ts';

const valid: WorkerConfig = {
  serverUrl: 'https://ferry.example',
  publicKey: Buffer.alloc(32, 7).toString('base64'),
  cache: 'indexeddb',
  cacheBudgetBytes: 1024,
  backend: 'auto',
  compiledModels: true,
  testHooks: {},
  telemetry: false,
  control: false,
};

describe('parseWorkerConfig', () => {
  it('accepts a complete configuration', () => {
    expect(parseWorkerConfig(valid)).toEqual(valid);
  });

  it('accepts every optional option and an unlimited budget', () => {
    const full: WorkerConfig = {
      ...valid,
      keyid: 'a'.repeat(64),
      cacheBudgetBytes: Infinity,
      numThreads: 4,
      assetsUrl: 'https://cdn.example/ort/',
      testHooks: { loseWebGpuAdapter: true },
    };
    expect(parseWorkerConfig(full)).toEqual(full);
  });

  it('uses compiled forms unless told not to', () => {
    const { compiledModels: _, ...withoutSwitch } = valid;
    expect(parseWorkerConfig(withoutSwitch).compiledModels).toBe(true);
    expect(parseWorkerConfig({ ...valid, compiledModels: false }).compiledModels).toBe(false);
  });

  it('fills in the control defaults: keep the last good assignment, poll every minute', () => {
    const { control: _, ...withoutControl } = valid;
    expect(parseWorkerConfig(withoutControl as WorkerConfig).control).toEqual({
      attributes: {},
      onExpired: 'keep-last',
      pollIntervalMs: 60_000,
    });
  });

  it.each([
    ['serverUrl', { serverUrl: 'ftp://ferry.example' }],
    ['publicKey', { publicKey: Buffer.alloc(31).toString('base64') }],
    ['keyid', { keyid: 'ABC' }],
    ['cache', { cache: 'localstorage' }],
    ['cacheBudgetBytes', { cacheBudgetBytes: -1 }],
    ['backend', { backend: 'cuda' }],
    ['numThreads', { numThreads: 1.5 }],
    ['assetsUrl', { assetsUrl: 'not a url' }],
    ['compiledModels', { compiledModels: 'no' }],
    ['telemetry.flushRuns', { telemetry: { flushRuns: 0 } }],
    ['telemetry.queue.maxBytes', { telemetry: { queue: { maxBytes: 10 } } }],
    ['control.onExpired', { control: { onExpired: 'freeze' } }],
    ['control.pollIntervalMs', { control: { pollIntervalMs: 10 } }],
    ['control.attributes.plan', { control: { attributes: { plan: { tier: 1 } } } }],
  ])('names %s when it is wrong', (field, patch) => {
    expect(() => parseWorkerConfig({ ...valid, ...patch } as WorkerConfig)).toThrow(
      expect.objectContaining({ code: 'INVALID_INPUT', details: { field } }),
    );
  });
});
