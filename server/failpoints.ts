import { writeSync } from 'node:fs';

/** Points in the code where a test may freeze the process to kill it at exactly that moment. */
export type FailpointName = 'publish.before-commit' | 'upload.before-rename';

/** Test-only fault injection; every call is a no-op unless FERRY_FAILPOINTS names the point. */
export interface Failpoints {
  /**
   * When `name` is enabled: writes `FAILPOINT <name>` to stderr synchronously, then blocks the
   * whole process forever (the test is expected to `kill -9` it). Otherwise returns at once.
   */
  hit(name: FailpointName): void;
}

/** Creates the failpoints named in `enabled` (the parsed FERRY_FAILPOINTS). */
export function createFailpoints(enabled: readonly string[]): Failpoints {
  const active = new Set(enabled);
  return {
    hit(name) {
      if (!active.has(name)) return;
      writeSync(2, `FAILPOINT ${name}\n`);
      // Block the event loop (and with it any open SQLite transaction) until the test kills us.
      const cell = new Int32Array(new SharedArrayBuffer(4));
      for (;;) Atomics.wait(cell, 0, 0);
    },
  };
}
