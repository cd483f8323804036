import { execFile } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..', '..');

/** What one run of the CLI produced. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the real `ferry` CLI (server/cli/bin.js) in a child process with `args`; never throws for
 * a non-zero exit code (tests assert on `code`).
 *
 * @example const run = await runFerryCli(['publish', dir, '--server', url, '--token', token]);
 */
export function runFerryCli(args: readonly string[], env: Record<string, string> = {}): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [path.join(root, 'server', 'cli', 'bin.js'), ...args],
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
