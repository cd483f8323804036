/**
 * A model's control document changed: a newer signed version of it is in the control store.
 * Carries no document, so that a cross-instance implementation (Postgres LISTEN/NOTIFY, whose
 * payloads are capped at 8,000 bytes) sends only this and each instance reads the store.
 */
export interface ControlChange {
  model: string;
  metadataVersion: number;
}

/**
 * Fan-out of control changes to every server instance's SSE connections. Publish after the
 * transaction that stored the document commits. The in-process implementation serves one
 * instance; a Postgres LISTEN/NOTIFY one slots in behind the same interface for several.
 */
export interface ControlBus {
  publish(change: ControlChange): void;
  /** Calls `listener` for every change published from now on (on any instance); returns the unsubscribe. */
  subscribe(listener: (change: ControlChange) => void): () => void;
}
