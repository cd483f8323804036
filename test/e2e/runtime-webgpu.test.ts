import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pixelsInput } from './support/harness.ts';
import { maxAbsDiff } from './support/node-reference.ts';
import { startStack, type Stack } from './support/stack.ts';

const inputs = [1, 2, 3].map((seed) => pixelsInput((i) => Math.cos(seed * 31 + i * 7) * 8 + 8));

// Chromium without --disable-gpu and with --enable-unsafe-webgpu: SwiftShader's software
// adapter, correct but slow, so the model is the 3.5 KB tiny-cnn.
let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ webgpu: true });
  await stack.publish('test/fixtures/runtime/tiny-cnn');
});
afterAll(() => stack?.close());

describe('the WebGPU execution provider', () => {
  it('runs the model on WebGPU and matches WASM within 1e-3', async () => {
    await stack.h.open('gpu', stack.clientOptions({ backend: 'webgpu' }));
    await stack.h.open('cpu', stack.clientOptions({ backend: 'wasm' }));
    const gpu = await stack.h.load('gpu', 'tiny-cnn', { key: 'gpu' });
    const cpu = await stack.h.load('cpu', 'tiny-cnn', { key: 'cpu' });
    expect(gpu.info).toMatchObject({ backend: 'webgpu' });
    expect(gpu.info?.fallbackReason).toBeUndefined();
    expect(cpu.info).toMatchObject({ backend: 'wasm' });
    expect((await stack.h.status('gpu')).runtime).toMatchObject({
      build: 'webgpu',
      webgpuAdapter: expect.any(String),
    });
    for (const input of inputs) {
      const onGpu = await stack.h.run('gpu', input);
      const onCpu = await stack.h.run('cpu', input);
      expect(onGpu.error).toBeUndefined();
      expect(
        maxAbsDiff(onGpu.result?.outputs.logits?.data ?? [], onCpu.result?.outputs.logits?.data ?? []),
      ).toBeLessThan(1e-3);
    }
  });

  it('falls back to WASM and reports why when WebGPU session creation fails', async () => {
    await stack.h.open(
      'lost',
      stack.clientOptions({ backend: 'webgpu', testHooks: { loseWebGpuAdapter: true } }),
    );
    const load = await stack.h.load('lost', 'tiny-cnn', { key: 'lost' });
    expect(load.info).toMatchObject({
      backend: 'wasm',
      fallbackReason: expect.stringMatching(/^WebGPU session creation failed: /),
    });
    expect((await stack.h.run('lost', inputs[0]!)).result?.scores).toHaveLength(10);
  });

  it('prefers WASM over a software adapter under backend "auto", saying so', async () => {
    await stack.h.open('auto', stack.clientOptions());
    const load = await stack.h.load('auto', 'tiny-cnn', { key: 'auto' });
    expect(load.info).toMatchObject({
      backend: 'wasm',
      fallbackReason: expect.stringContaining('software WebGPU adapter'),
    });
  });
});
