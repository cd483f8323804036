import { execFile } from 'node:child_process';
import path from 'node:path';
import { CLI } from '../../server/build/targets.ts';

const root = path.resolve(import.meta.dirname, '..', '..');

/**
 * The two ways the `ferry` command runs: `package` is `@ferry/cli`'s bundled `ferry.js`, what
 * `npm install @ferry/cli` gives (made fresh by test/support/builds-ready.ts, starts in ~0.4 s);
 * `source` is `server/cli/bin.js`, which `npx ferry` runs in this repository (tsx, ~1.5 s).
 */
const ENTRY = {
  package: path.join(root, path.dirname(CLI.stamp), 'ferry.js'),
  source: path.join(root, 'server', 'cli', 'bin.js'),
} as const;

/** What one run of the CLI produced. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the real `ferry` CLI in a child process with `args` (the bundled package unless `from` is
 * `'source'`); never throws for a non-zero exit code (tests assert on `code`).
 *
 * @example const run = await runFerryCli(['publish', dir, '--server', url, '--token', token]);
 */
export function runFerryCli(
  args: readonly string[],
  env: Record<string, string> = {},
  from: keyof typeof ENTRY = 'package',
): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [ENTRY[from], ...args],
      { cwd: root, env: { ...process.env, FERRY_SERVER: '', FERRY_TOKEN: '', ...env } },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** `ferry publish <dir> --server <url> --token <token>` against a test server (its admin token by default). */
export function publishWithCli(server: { url: string; adminToken: string }, dir: string, token?: string) {
  return runFerryCli(['publish', dir, '--server', server.url, '--token', token ?? server.adminToken]);
}
