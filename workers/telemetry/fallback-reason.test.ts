import { describe, expect, it } from 'vitest';
import { chooseProvider, type AdapterProbe } from '../runtime/backend.ts';
import { fallbackReasonCode } from './fallback-reason.ts';

const adapter = (patch: Partial<AdapterProbe>): AdapterProbe => ({
  available: true,
  description: 'vendor x',
  isFallback: false,
  ...patch,
});
const reasonOf = (options: Partial<Parameters<typeof chooseProvider>[0]>) =>
  chooseProvider({
    preference: 'auto',
    adapter: adapter({}),
    build: 'webgpu',
    allowed: ['webgpu', 'wasm'],
    requiresWebGpu: false,
    ...options,
  }).reason;

describe('fallbackReasonCode', () => {
  it('maps each reason chooseProvider gives to its wire code', () => {
    expect(fallbackReasonCode(reasonOf({ adapter: adapter({ available: false, error: 'none' }) }))).toBe(
      'no-webgpu-adapter',
    );
    expect(fallbackReasonCode(reasonOf({ adapter: adapter({ isFallback: true }) }))).toBe(
      'software-webgpu-adapter',
    );
    expect(fallbackReasonCode(reasonOf({ build: 'wasm' }))).toBe('wasm-runtime-loaded');
  });

  it('maps a failed WebGPU session (engine.ts) and gives nothing for no reason or an unknown one', () => {
    expect(fallbackReasonCode('WebGPU session creation failed: device lost')).toBe('webgpu-session-failed');
    expect(fallbackReasonCode(undefined)).toBeUndefined();
    expect(fallbackReasonCode(reasonOf({ preference: 'wasm' }))).toBeUndefined();
    expect(fallbackReasonCode('something new')).toBeUndefined();
  });
});
