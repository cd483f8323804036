import type { TargetingCondition } from '$shared/schemas/control.ts';
import type { AttributeValue, DeviceFacts } from './targeting.ts';

/** What the host passed for targeting (client option `control`). */
export interface HostFacts {
  appVersion?: string;
  locale?: string;
  attributes: Readonly<Record<string, AttributeValue>>;
}

interface GpuFacts {
  webgpu: boolean;
  webgpuFeatures: string[];
}

/** Asks for a WebGPU adapter once: usable means present and not a software fallback. Never throws. */
async function probeGpu(): Promise<GpuFacts> {
  const none = { webgpu: false, webgpuFeatures: [] };
  const gpu = (self.navigator as Partial<WorkerNavigator>).gpu;
  if (!gpu) return none;
  try {
    const adapter = await gpu.requestAdapter();
    if (!adapter) return none;
    const info = adapter.info as GPUAdapterInfo & { isFallbackAdapter?: boolean };
    const fallback = info.isFallbackAdapter ?? false;
    return { webgpu: !fallback, webgpuFeatures: [...adapter.features].map(String) };
  } catch {
    return none;
  }
}

const needsGpu = (targeting: readonly TargetingCondition[]) =>
  targeting.some((c) => c.attribute === 'webgpu' || c.attribute === 'webgpuFeatures');

/**
 * Reads the facts targeting may look at, in the worker. The WebGPU probe (100–250 ms) runs only
 * for targeting that names WebGPU, once per worker. Nothing here is sent anywhere.
 */
export function createFactsReader(
  host: HostFacts,
): (targeting: readonly TargetingCondition[]) => Promise<DeviceFacts> {
  let gpu: Promise<GpuFacts> | undefined;
  return async (targeting) => {
    const navigator = self.navigator as WorkerNavigator & { deviceMemory?: number };
    const gpuFacts = needsGpu(targeting) ? await (gpu ??= probeGpu()) : { webgpu: false, webgpuFeatures: [] };
    const locale = host.locale ?? navigator.language;
    return {
      ...gpuFacts,
      ...(typeof navigator.deviceMemory === 'number' ? { deviceMemory: navigator.deviceMemory } : {}),
      ...(typeof navigator.hardwareConcurrency === 'number'
        ? { hardwareConcurrency: navigator.hardwareConcurrency }
        : {}),
      crossOriginIsolated: self.crossOriginIsolated === true,
      ...(host.appVersion !== undefined ? { appVersion: host.appVersion } : {}),
      ...(locale ? { locale } : {}),
      attributes: host.attributes,
    };
  };
}
