import type { ControlBus, ControlChange } from './bus.ts';

/**
 * The {@link ControlBus} of a single server instance: `publish` calls every listener
 * synchronously, in subscription order, so a change reaches the SSE hub in the same turn as the
 * commit that caused it. A listener that throws is logged and the others still run: publishing
 * never throws into the mutation that committed.
 */
export function createInProcessBus(
  log: (message: string, error: unknown) => void = console.error,
): ControlBus {
  const listeners = new Set<(change: ControlChange) => void>();
  return {
    publish(change) {
      // A copy: a listener that unsubscribes (or subscribes) while being called changes nothing now.
      for (const listener of [...listeners]) {
        try {
          listener(change);
        } catch (error) {
          log(`ferry: a control-change listener failed on ${change.model}@${change.metadataVersion}`, error);
        }
      }
    },
    subscribe(listener) {
      // Wrapped, so that the same function subscribed twice is two subscriptions, each removable.
      const entry = (change: ControlChange) => listener(change);
      listeners.add(entry);
      return () => {
        listeners.delete(entry);
      };
    },
  };
}
