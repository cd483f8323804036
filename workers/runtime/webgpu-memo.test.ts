import { describe, expect, it } from 'vitest';
import type { AdapterProbe } from './backend.ts';
import { createMemoryProbeStore, createProbeMemo, PROBE_TTL_MS } from './webgpu-memo.ts';

const hardware: AdapterProbe = {
  available: true,
  description: 'nvidia ampere',
  isFallback: false,
  features: ['shader-f16'],
};
const none: AdapterProbe = { available: false, description: null, isFallback: false, error: 'no adapter' };
const AGENT = 'Mozilla/5.0 Chrome/156.0.0.0';

/** A browser probe that answers `answers` in turn and counts its calls. */
function browser(...answers: AdapterProbe[]) {
  let calls = 0;
  return {
    probe: async () => answers[Math.min(calls++, answers.length - 1)]!,
    calls: () => calls,
  };
}

describe('createProbeMemo', () => {
  it('probes once per worker and lets the next worker of the same browser reuse the result', async () => {
    const store = createMemoryProbeStore();
    const gpu = browser(hardware);
    const first = createProbeMemo({ store, probe: gpu.probe, agent: AGENT, now: () => 1_000 });
    const [a, b] = await Promise.all([first.probe(), first.probe()]);
    expect(a).toEqual(hardware);
    expect(b).toEqual(hardware);
    const next = createProbeMemo({ store, probe: gpu.probe, agent: AGENT, now: () => 2_000 });
    expect(await next.probe()).toEqual(hardware);
    expect(gpu.calls()).toBe(1);
  });

  it('probes again for another browser version, after the TTL, or once forgotten', async () => {
    const store = createMemoryProbeStore();
    const gpu = browser(hardware, none, hardware, none);
    const memo = (agent: string, at: number) =>
      createProbeMemo({ store, probe: gpu.probe, agent, now: () => at });
    expect(await memo(AGENT, 0).probe()).toEqual(hardware);
    expect(await memo('Mozilla/5.0 Chrome/157.0.0.0', 10).probe()).toEqual(none);
    expect(gpu.calls()).toBe(2);
    expect(await memo('Mozilla/5.0 Chrome/157.0.0.0', PROBE_TTL_MS - 1).probe()).toEqual(none);
    expect(gpu.calls()).toBe(2);
    expect(await memo('Mozilla/5.0 Chrome/157.0.0.0', PROBE_TTL_MS + 10).probe()).toEqual(hardware);
    expect(gpu.calls()).toBe(3);
    // A clock set back does not make an old result look fresh.
    expect(await memo('Mozilla/5.0 Chrome/157.0.0.0', 0).probe()).toEqual(none);
    expect(gpu.calls()).toBe(4);
    const forgetting = memo('Mozilla/5.0 Chrome/157.0.0.0', 5);
    await forgetting.probe();
    await forgetting.forget();
    expect(await store.get()).toBeUndefined();
    await forgetting.probe();
    expect(gpu.calls()).toBe(5);
  });
});
