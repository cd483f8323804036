/**
 * Where a result goes without a promise: exactly one of the two is called, once. The ingest path
 * passes results this way from the body to the commit and back (issue 8): every ingest request
 * takes it, and each promise costs an allocation, a microtask and, once SvelteKit's
 * AsyncLocalStorage is on, async-hook calls.
 */
export interface Receiver<T> {
  resolve(value: T): void;
  reject(error: unknown): void;
}
