import { errorMessage } from '../errors.ts';
import type { AdapterProbe } from './backend.ts';

/**
 * Asks this worker's `navigator.gpu` for an adapter. Never throws: a missing API, a null adapter
 * or a rejected request all come back as `available: false` with the reason.
 */
export async function probeWebGpu(): Promise<AdapterProbe> {
  const gpu = (self.navigator as Partial<WorkerNavigator>).gpu;
  if (!gpu)
    return { available: false, description: null, isFallback: false, error: 'navigator.gpu is missing' };
  try {
    const adapter = await gpu.requestAdapter();
    if (!adapter) {
      return {
        available: false,
        description: null,
        isFallback: false,
        error: 'requestAdapter() returned null',
      };
    }
    const info = adapter.info;
    const description =
      [info.vendor, info.architecture, info.description].filter(Boolean).join(' ') || 'unknown';
    // `isFallbackAdapter` moved from the adapter to its info in 2024; read both.
    const legacy = (adapter as unknown as { isFallbackAdapter?: boolean }).isFallbackAdapter;
    const isFallback =
      (info as unknown as { isFallbackAdapter?: boolean }).isFallbackAdapter ?? legacy ?? false;
    return { available: true, description, isFallback, features: [...adapter.features].map(String) };
  } catch (error) {
    return {
      available: false,
      description: null,
      isFallback: false,
      error: `requestAdapter() failed: ${errorMessage(error)}`,
    };
  }
}

/**
 * Test hook (client option `testHooks.loseWebGpuAdapter`): from now on this worker's
 * `requestAdapter()` resolves to null, as after a GPU process crash. The probe that already ran
 * still saw an adapter, so onnxruntime-web's own WebGPU initialisation is what fails, for real,
 * and the runtime's fallback to WASM is exercised end to end.
 */
export function loseWebGpuAdapter(): void {
  const gpu = (self.navigator as Partial<WorkerNavigator>).gpu;
  if (gpu) Object.defineProperty(gpu, 'requestAdapter', { value: async () => null, configurable: true });
}
