import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

// Every project's globalSetup runs in vitest's main process; the first one creates the run's
// folder and the last teardown checks it, so all projects of one run share it.
const STATE = Symbol.for('ferry.test.temp-root');
type State = { dir: string; previous: string | undefined; users: number };
type Holder = { [STATE]?: State };

/** Leftover entries of a test run that the check reports: what our tests and servers create. */
export function leftovers(dir: string): string[] {
  return readdirSync(dir).filter((name) => name.startsWith('ferry-'));
}

/**
 * vitest globalSetup of every project: points TMPDIR (read by `os.tmpdir()` in the test workers,
 * the servers and browsers they start) at a fresh `ferry-run-*` folder for this run. The teardown
 * fails the run (exit code 1) when a `ferry-*` folder or file is still in it — every test must
 * remove what it creates, failures included — and then removes the whole folder, so nothing of a
 * run stays in the system's temp directory either way.
 */
export default function setup(): () => void {
  const holder = globalThis as Holder;
  const state = (holder[STATE] ??= {
    dir: mkdtempSync(path.join(tmpdir(), 'ferry-run-')),
    previous: process.env.TMPDIR,
    users: 0,
  });
  state.users += 1;
  process.env.TMPDIR = state.dir;
  return () => {
    state.users -= 1;
    if (state.users > 0) return;
    delete holder[STATE];
    const left = leftovers(state.dir);
    if (left.length > 0) {
      console.error(`test run left ${left.length} temp folder(s) behind: ${left.join(', ')}`);
      process.exitCode = 1;
    }
    rmSync(state.dir, { recursive: true, force: true });
    if (state.previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = state.previous;
  };
}
