import type { TargetingCondition } from '$shared/schemas/control.ts';
import type { AdapterProbe } from '../runtime/backend.ts';
import { probeWebGpu } from '../runtime/webgpu-probe.ts';
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

/** Usable means an adapter that is not a software fallback. */
const gpuFacts = (probe: AdapterProbe): GpuFacts => ({
  webgpu: probe.available && !probe.isFallback,
  webgpuFeatures: probe.available ? (probe.features ?? []) : [],
});

const NO_GPU: AdapterProbe = { available: false, description: null, isFallback: false };

const needsGpu = (targeting: readonly TargetingCondition[]) =>
  targeting.some((c) => c.attribute === 'webgpu' || c.attribute === 'webgpuFeatures');

/**
 * Reads the facts targeting may look at, in the worker. The WebGPU probe (100–250 ms, or the
 * device's remembered result: see runtime/webgpu-memo.ts) runs only for targeting that names
 * WebGPU, once per worker. Nothing here is sent anywhere.
 */
export function createFactsReader(
  host: HostFacts,
  probe: () => Promise<AdapterProbe> = probeWebGpu,
): (targeting: readonly TargetingCondition[]) => Promise<DeviceFacts> {
  let gpuRead: Promise<GpuFacts> | undefined;
  return async (targeting) => {
    const navigator = self.navigator as WorkerNavigator & { deviceMemory?: number };
    const gpu = needsGpu(targeting) ? await (gpuRead ??= probe().then(gpuFacts)) : gpuFacts(NO_GPU);
    const locale = host.locale ?? navigator.language;
    return {
      ...gpu,
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
