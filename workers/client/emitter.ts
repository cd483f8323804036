/** A listener of event `K` of map `M`. */
export type Listener<M, K extends keyof M> = (payload: M[K]) => void;

/** A tiny typed event emitter: listeners that throw are reported, never break the emitter. */
export interface Emitter<M> {
  on<K extends keyof M>(event: K, listener: Listener<M, K>): () => void;
  off<K extends keyof M>(event: K, listener: Listener<M, K>): void;
  emit<K extends keyof M>(event: K, payload: M[K]): void;
}

/** Creates an {@link Emitter}; `on` returns the matching unsubscribe function. */
export function createEmitter<M>(): Emitter<M> {
  const listeners = new Map<keyof M, Set<(payload: never) => void>>();
  return {
    on(event, listener) {
      const set = listeners.get(event) ?? new Set();
      set.add(listener as (payload: never) => void);
      listeners.set(event, set);
      return () => this.off(event, listener);
    },
    off(event, listener) {
      listeners.get(event)?.delete(listener as (payload: never) => void);
    },
    emit(event, payload) {
      for (const listener of [...(listeners.get(event) ?? [])]) {
        try {
          (listener as (payload: M[typeof event]) => void)(payload);
        } catch (error) {
          // A host's listener bug must not stop Ferry; surface it the way the platform does.
          queueMicrotask(() => {
            throw error;
          });
        }
      }
    },
  };
}
