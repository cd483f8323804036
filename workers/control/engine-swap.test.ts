import { describe, expect, it } from 'vitest';
import type { Engine } from '../runtime/engine.ts';
import { createEngineSlot } from './engine-swap.ts';

/** An engine whose runs finish when the test says so, and which refuses to run once disposed. */
function engine(name: string) {
  const pending: (() => void)[] = [];
  let disposed = false;
  const value: Engine = {
    runtime: 'onnxruntime',
    backend: 'wasm',
    compiled: false,
    async run() {
      if (disposed) throw new Error(`${name}: run on a disposed engine`);
      await new Promise<void>((resolve) => pending.push(resolve));
      if (disposed) throw new Error(`${name}: disposed under a run`);
      return { outputs: { name: { type: 'string', dims: [1], data: [name] } } };
    },
    measure: async () => [],
    async dispose() {
      disposed = true;
    },
  };
  return {
    value,
    finishAll: () => pending.splice(0).forEach((f) => f()),
    isDisposed: () => disposed,
    pending,
  };
}

describe('createEngineSlot', () => {
  it('lets runs on the old engine finish before disposing it, and sends new runs to the new one', async () => {
    const a = engine('a');
    const b = engine('b');
    const slot = createEngineSlot(a.value);
    const before = slot.use((e) => e.run('x'));
    const replaced = slot.replace(b.value);
    const after = slot.use((e) => e.run('x'));
    await Promise.resolve();
    expect(a.isDisposed()).toBe(false);
    expect(b.pending).toHaveLength(1);
    a.finishAll();
    b.finishAll();
    expect((await before).outputs.name!.data).toEqual(['a']);
    expect((await after).outputs.name!.data).toEqual(['b']);
    await replaced;
    expect(a.isDisposed()).toBe(true);
    expect(b.isDisposed()).toBe(false);
  });

  it('disposes an idle old engine at once, and the current one on dispose', async () => {
    const a = engine('a');
    const b = engine('b');
    const slot = createEngineSlot(a.value);
    await slot.replace(b.value);
    expect(a.isDisposed()).toBe(true);
    await slot.dispose();
    expect(b.isDisposed()).toBe(true);
  });

  it('keeps an acquired engine alive until it is released, while new runs go to the new one', async () => {
    const a = engine('a');
    const b = engine('b');
    const slot = createEngineSlot(a.value);
    const held = slot.acquire();
    const replaced = slot.replace(b.value);
    const next = slot.acquire();
    expect(next).toBe(b.value);
    slot.release(next);
    await Promise.resolve();
    expect(a.isDisposed()).toBe(false);
    slot.release(held);
    await replaced;
    expect(a.isDisposed()).toBe(true);
    expect(b.isDisposed()).toBe(false);
  });

  it('calls the after-first-run callback once, as the next run is released, not before', async () => {
    const a = engine('a');
    const slot = createEngineSlot(a.value);
    let calls = 0;
    slot.afterFirstRun(() => calls++);
    const first = slot.use((e) => e.run('x'));
    await Promise.resolve();
    expect(calls).toBe(0);
    a.finishAll();
    await first;
    expect(calls).toBe(1);
    const second = slot.use((e) => e.run('x'));
    await Promise.resolve();
    a.finishAll();
    await second;
    expect(calls).toBe(1);
  });
});
