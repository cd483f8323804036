/** How to undo each of two starts, and what to undo after either failed (optional). */
export interface Undo<A, B> {
  first(a: A): Promise<void>;
  second(b: B): Promise<void>;
  after?(): Promise<void>;
}

/**
 * Awaits two starts side by side (a server and a browser each spend most of their start on one
 * core) and returns both; when either fails, undoes whichever succeeded, runs `undo.after`, and
 * throws the first failure, so that a failed start leaves no process behind.
 *
 * @example const [server, browser] = await bothOrNeither(startFerryServer(), launchBrowser(), { first: (s) => s.stop(), second: (b) => b.close() });
 */
export async function bothOrNeither<A, B>(
  first: Promise<A>,
  second: Promise<B>,
  undo: Undo<A, B>,
): Promise<[A, B]> {
  const [a, b] = await Promise.allSettled([first, second]);
  if (a.status === 'fulfilled' && b.status === 'fulfilled') return [a.value, b.value];
  if (a.status === 'fulfilled') await undo.first(a.value);
  if (b.status === 'fulfilled') await undo.second(b.value);
  await undo.after?.();
  throw a.status === 'rejected' ? a.reason : (b as PromiseRejectedResult).reason;
}
