import { describe, expect, it } from 'vitest';
import type { ControlChange } from './bus.ts';
import { createInProcessBus } from './in-process-bus.ts';

describe('createInProcessBus', () => {
  it('calls every listener with each change, in order, until it unsubscribes', () => {
    const bus = createInProcessBus();
    const seen: string[] = [];
    const first = bus.subscribe((change) => seen.push(`1:${change.model}@${change.metadataVersion}`));
    bus.subscribe((change) => seen.push(`2:${change.model}@${change.metadataVersion}`));
    bus.publish({ model: 'a', metadataVersion: 1 });
    first();
    bus.publish({ model: 'b', metadataVersion: 2 });
    expect(seen).toEqual(['1:a@1', '2:a@1', '2:b@2']);
  });

  it('logs a listener that throws and still calls the others; publish never throws', () => {
    const logged: string[] = [];
    const bus = createInProcessBus((message) => logged.push(message));
    const seen: ControlChange[] = [];
    bus.subscribe(() => {
      throw new Error('broken listener');
    });
    bus.subscribe((change) => seen.push(change));
    expect(() => bus.publish({ model: 'a', metadataVersion: 5 })).not.toThrow();
    expect(seen).toEqual([{ model: 'a', metadataVersion: 5 }]);
    expect(logged).toEqual(['ferry: a control-change listener failed on a@5']);
  });

  it('treats the same function subscribed twice as two subscriptions', () => {
    const bus = createInProcessBus();
    let calls = 0;
    const listener = () => (calls += 1);
    const off = bus.subscribe(listener);
    bus.subscribe(listener);
    bus.publish({ model: 'a', metadataVersion: 1 });
    off();
    bus.publish({ model: 'a', metadataVersion: 2 });
    expect(calls).toBe(3);
  });
});
