import { describe, expect, it } from 'vitest';
import { createEngineHint, engineHint, type EngineHintStore } from './engine-hint.ts';

/** A store holding `value`, counting its writes; `failing` makes both calls reject. */
function store(value?: unknown, failing = false) {
  const state = { value, writes: [] as boolean[] };
  const fail = () => Promise.reject(new Error('refused'));
  const api: EngineHintStore = {
    get: () => (failing ? fail() : Promise.resolve(state.value)),
    put: (next) => (failing ? fail() : Promise.resolve(void state.writes.push((state.value = next)))),
  };
  return { api, state };
}

describe('engine hint', () => {
  it('reads what the last worker remembered, and no hint from an empty or failing store', async () => {
    expect(await createEngineHint(store(true).api).textEngine()).toBe(true);
    expect(await createEngineHint(store().api).textEngine()).toBe(false);
    expect(await createEngineHint(store('yes').api).textEngine()).toBe(false);
    expect(await createEngineHint(store(true, true).api).textEngine()).toBe(false);
  });

  it('writes only a change, and stays true once any load of the worker ran on transformers.js', async () => {
    const { api, state } = store(false);
    const hint = createEngineHint(api);
    await hint.remember(false);
    expect(state.writes).toEqual([]);
    await hint.remember(true);
    await hint.remember(false);
    await hint.remember(true);
    expect(state.writes).toEqual([true]);
    expect(await hint.textEngine()).toBe(true);
  });

  it('never rejects when the store refuses a write', async () => {
    const hint = createEngineHint(store(undefined, true).api);
    await expect(hint.remember(true)).resolves.toBeUndefined();
  });

  it('knows nothing and keeps nothing for a memory-only cache', async () => {
    const hint = engineHint('memory');
    await hint.remember(true);
    expect(await hint.textEngine()).toBe(false);
  });
});
