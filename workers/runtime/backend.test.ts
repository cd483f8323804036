import { describe, expect, it } from 'vitest';
import { chooseBuild, chooseProvider, chooseThreads, type AdapterProbe } from './backend.ts';

const hardware: AdapterProbe = { available: true, description: 'nvidia ampere', isFallback: false };
const software: AdapterProbe = { available: true, description: 'google swiftshader', isFallback: true };
const none: AdapterProbe = {
  available: false,
  description: null,
  isFallback: false,
  error: 'navigator.gpu is missing',
};
const both = ['webgpu', 'wasm'] as const;

describe('chooseBuild', () => {
  it('loads the WebGPU build only when WebGPU may actually be used', () => {
    expect(chooseBuild('auto', hardware)).toBe('webgpu');
    expect(chooseBuild('auto', software)).toBe('wasm');
    expect(chooseBuild('webgpu', software)).toBe('webgpu');
    expect(chooseBuild('auto', none)).toBe('wasm');
    expect(chooseBuild('wasm', hardware)).toBe('wasm');
  });
});

describe('chooseProvider', () => {
  const choose = (over: Partial<Parameters<typeof chooseProvider>[0]>) =>
    chooseProvider({
      preference: 'auto',
      adapter: hardware,
      build: 'webgpu',
      allowed: both,
      requiresWebGpu: false,
      ...over,
    });

  it('uses WebGPU on a hardware adapter when the bundle allows it', () => {
    expect(choose({})).toEqual({ provider: 'webgpu' });
    expect(choose({ preference: 'webgpu', adapter: software })).toEqual({ provider: 'webgpu' });
  });

  it('falls back to WASM and says why', () => {
    expect(choose({ adapter: none }).reason).toBe('no WebGPU adapter (navigator.gpu is missing)');
    expect(choose({ adapter: software, build: 'wasm' }).reason).toMatch(/software WebGPU adapter/);
    expect(choose({ build: 'wasm' }).reason).toMatch(/already loaded the WASM-only runtime/);
    expect(choose({ preference: 'wasm' })).toEqual({ provider: 'wasm' });
  });

  it('gives no fallback reason when nothing fell back (a WASM-only bundle, or WASM asked for)', () => {
    expect(choose({ allowed: ['wasm'] })).toEqual({ provider: 'wasm' });
    expect(choose({ allowed: ['wasm'], adapter: none })).toEqual({ provider: 'wasm' });
    expect(choose({ allowed: ['wasm'], build: 'wasm' })).toEqual({ provider: 'wasm' });
    expect(choose({ preference: 'wasm', adapter: none })).toEqual({ provider: 'wasm' });
  });

  it('refuses a bundle that requires WebGPU where there is none', () => {
    expect(() => choose({ adapter: none, requiresWebGpu: true })).toThrow(
      expect.objectContaining({ code: 'BACKEND_UNAVAILABLE' }),
    );
  });
});

describe('chooseThreads', () => {
  it("uses onnxruntime-web's default when isolated: half the cores, rounded up, up to the cap", () => {
    const isolated = (hardwareConcurrency: number) =>
      chooseThreads({ crossOriginIsolated: true, hardwareConcurrency }).threads;
    expect([1, 2, 3, 4, 6, 8, 16].map(isolated)).toEqual([1, 1, 2, 2, 3, 4, 4]);
    expect(chooseThreads({ crossOriginIsolated: true, hardwareConcurrency: 0 })).toEqual({ threads: 1 });
    expect(chooseThreads({ crossOriginIsolated: true, hardwareConcurrency: 16, cap: 8 })).toEqual({
      threads: 8,
    });
  });

  it('uses the threads asked for when isolated, even above the default', () => {
    expect(chooseThreads({ crossOriginIsolated: true, hardwareConcurrency: 2, requested: 2 })).toEqual({
      threads: 2,
    });
    expect(chooseThreads({ crossOriginIsolated: true, hardwareConcurrency: 16, requested: 8 })).toEqual({
      threads: 8,
    });
  });

  it('runs one thread without cross-origin isolation, whatever was asked, and says why', () => {
    const choice = chooseThreads({ crossOriginIsolated: false, hardwareConcurrency: 8, requested: 4 });
    expect(choice.threads).toBe(1);
    expect(choice.reason).toMatch(/not cross-origin isolated/);
  });
});
