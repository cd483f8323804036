import type { AdapterProbe } from './backend.ts';
import { openDeviceDb } from './device-db.ts';
import { probeWebGpu } from './webgpu-probe.ts';

/** A WebGPU probe as this device remembers it. */
export interface RememberedProbe {
  probe: AdapterProbe;
  /** The browser that probed (its user agent string): another browser version probes again. */
  agent: string;
  /** When it probed, in ms since the epoch. */
  at: number;
}

/** Where the remembered probe lives; `get` and `put` never throw (a failed write is forgotten). */
export interface ProbeMemoStore {
  get(): Promise<RememberedProbe | undefined>;
  put(value: RememberedProbe | undefined): Promise<void>;
}

/** Options of {@link createProbeMemo}. */
export interface ProbeMemoOptions {
  store: ProbeMemoStore;
  /** Asks the browser for an adapter (100–250 ms): see webgpu-probe.ts. */
  probe: () => Promise<AdapterProbe>;
  agent: string;
  now?: () => number;
  /** How long a remembered result is trusted (default {@link PROBE_TTL_MS}). */
  ttlMs?: number;
}

/** The WebGPU probe of one worker, remembered across page loads on this device. */
export interface ProbeMemo {
  /** The remembered result when fresh, else a new probe (remembered). Once per worker. Never rejects. */
  probe(): Promise<AdapterProbe>;
  /** Drops the remembered result: WebGPU failed where the probe said it would work. */
  forget(): Promise<void>;
}

/** A day: drivers, flags and GPUs change rarely, and a stale "available" only costs a fallback. */
export const PROBE_TTL_MS = 24 * 60 * 60 * 1000;

/**
 * Remembers what `requestAdapter()` answered, since it costs 100–250 ms on every `backend: 'auto'`
 * load. A remembered result is used only by the same browser (user agent) within `ttlMs`; a
 * WebGPU session that then fails to start makes the runtime fall back to WASM and {@link
 * ProbeMemo.forget} the result. It stays on the device: nothing here is ever sent.
 */
export function createProbeMemo(options: ProbeMemoOptions): ProbeMemo {
  const now = options.now ?? (() => Date.now());
  const ttlMs = options.ttlMs ?? PROBE_TTL_MS;
  let probing: Promise<AdapterProbe> | undefined;

  async function fresh(): Promise<AdapterProbe> {
    const remembered = await options.store.get();
    const age = remembered ? now() - remembered.at : Infinity;
    if (remembered && remembered.agent === options.agent && age >= 0 && age < ttlMs) return remembered.probe;
    const probe = await options.probe();
    await options.store.put({ probe, agent: options.agent, at: now() });
    return probe;
  }

  return {
    probe: () => (probing ??= fresh()),
    async forget() {
      probing = undefined;
      await options.store.put(undefined);
    },
  };
}

/** A store that lives as long as the worker (cache `memory`: nothing is written to the device). */
export function createMemoryProbeStore(): ProbeMemoStore {
  let value: RememberedProbe | undefined;
  return {
    get: async () => value,
    put: async (next) => void (value = next),
  };
}

const KEY = 'webgpu-probe';

/**
 * The probe in the device database (device-db.ts). Falls back to memory when IndexedDB is
 * refused (private modes).
 */
export async function openProbeStore(kind: 'indexeddb' | 'memory'): Promise<ProbeMemoStore> {
  const db = kind === 'memory' ? undefined : await openDeviceDb();
  if (!db) return createMemoryProbeStore();
  return {
    get: async () => (await db.get('memo', KEY).catch(() => undefined)) as RememberedProbe | undefined,
    async put(value) {
      await (value === undefined ? db.delete('memo', KEY) : db.put('memo', value, KEY)).catch(
        () => undefined, // only a cost: the next worker probes again
      );
    },
  };
}

/**
 * This worker's {@link ProbeMemo}: the browser's own probe, remembered in a store of `kind`, which
 * is opened on first use (a worker on `backend: 'wasm'` never probes, so never opens it).
 */
export function openProbeMemo(kind: 'indexeddb' | 'memory'): ProbeMemo {
  let memo: Promise<ProbeMemo> | undefined;
  const opened = () =>
    (memo ??= openProbeStore(kind).then((store) =>
      createProbeMemo({ store, probe: probeWebGpu, agent: self.navigator.userAgent }),
    ));
  return {
    probe: async () => (await opened()).probe(),
    forget: async () => (await opened()).forget(),
  };
}
