import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..', '..');

/** Options of {@link startFerryServer}. */
export interface FerryServerOptions {
  /** Data directory to use; a fresh temp dir (removed by stop()) when absent. */
  dataDir?: string;
  /** Extra environment, e.g. `{ FERRY_FAILPOINTS: 'publish.before-commit', FERRY_MODELS_DIR: 'models' }`. */
  env?: Record<string, string>;
  /** Port to listen on; 0 (a free one) by default. */
  port?: number;
  /** How long to wait for the `Ferry listening on` line; 120 s by default. */
  timeoutMs?: number;
  /**
   * Start with `npm start`, exactly as the README tells a newcomer (examples published unless
   * `env` says otherwise), instead of `node server/start.js`. Signals then go to npm's whole
   * process group.
   */
  npmStart?: boolean;
}

/** A Ferry server process started by a test. */
export interface FerryServer {
  url: string;
  port: number;
  dataDir: string;
  child: ChildProcess;
  /**
   * An admin token (scopes admin + publish): the one printed at first start of this data dir.
   * Restarts on the same data dir within one test process reuse it; '' if it was never seen.
   */
  adminToken: string;
  /** Base64 raw Ed25519 public key, as printed at start. */
  publicKey: string;
  /** SIGTERM, wait for exit (SIGKILL after 5 s); removes the data dir if this helper created it. */
  stop(): Promise<void>;
  /** Sends `signal` (e.g. 'SIGKILL') and resolves once the process has exited. Keeps the data dir. */
  kill(signal: NodeJS.Signals): Promise<void>;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  /** Resolves once the output matches `pattern`; rejects on timeout or exit. */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
}

const adminTokens = new Map<string, string>();

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/**
 * Starts `node server/start.js` (one process, so a signal hits the server itself) on 127.0.0.1
 * with PORT=0, a temp data dir and example publishing off (FERRY_MODELS_DIR='') unless `env` says
 * otherwise, and resolves once it prints `Ferry listening on <url>`. Requires a fresh build/
 * (test/support/builds-ready.ts waits for it).
 *
 * @example
 * const server = await startFerryServer();
 * const res = await fetch(`${server.url}/api/v1/models`);
 * await server.stop();
 */
export async function startFerryServer(options: FerryServerOptions = {}): Promise<FerryServer> {
  const ownsDataDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? mkdtempSync(path.join(tmpdir(), 'ferry-test-'));
  const env = {
    ...process.env,
    PORT: String(options.port ?? 0),
    HOST: '127.0.0.1',
    FERRY_DATA_DIR: dataDir,
    ...(options.npmStart ? {} : { FERRY_MODELS_DIR: '' }),
    ...options.env,
  };
  const child = options.npmStart
    ? spawn('npm', ['start'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true })
    : spawn(process.execPath, [path.join(root, 'server', 'start.js')], {
        cwd: root,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
  let output = '';
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    output += chunk.toString();
    listeners.forEach((listener) => listener());
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  child.on('exit', () => listeners.forEach((listener) => listener()));

  const waitForOutput = (pattern: RegExp, timeoutMs = 30_000) =>
    new Promise<RegExpMatchArray>((resolve, reject) => {
      const timer = setTimeout(
        () => finish(new Error(`timed out waiting for ${pattern}; output:\n${output}`)),
        timeoutMs,
      );
      const check = () => {
        const match = output.match(pattern);
        if (match) finish(null, match);
        else if (child.exitCode !== null || child.signalCode !== null) {
          finish(
            new Error(
              `server exited (${child.exitCode ?? child.signalCode}) before ${pattern}; output:\n${output}`,
            ),
          );
        }
      };
      function finish(error: Error | null, match?: RegExpMatchArray) {
        clearTimeout(timer);
        listeners.delete(check);
        if (error) reject(error);
        else resolve(match as RegExpMatchArray);
      }
      listeners.add(check);
      check();
    });

  const kill = async (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) {
      // npm runs the server as its child: signal the whole group so the server gets it too.
      if (options.npmStart && child.pid !== undefined) process.kill(-child.pid, signal);
      else child.kill(signal);
    }
    await exited(child);
  };
  try {
    const listening = await waitForOutput(
      /Ferry listening on (http:\/\/[^\s]+)/,
      options.timeoutMs ?? 120_000,
    );
    const url = listening[1] as string;
    const token = output.match(/Admin token: (ferry_\S+)/)?.[1];
    if (token) adminTokens.set(dataDir, token);
    return {
      url,
      port: Number(new URL(url).port),
      dataDir,
      child,
      adminToken: adminTokens.get(dataDir) ?? '',
      publicKey: output.match(/Public key:\s+(\S+)/)?.[1] ?? '',
      output: () => output,
      waitForOutput,
      kill,
      async stop() {
        const timer = setTimeout(() => void kill('SIGKILL'), 5_000);
        await kill('SIGTERM');
        clearTimeout(timer);
        if (ownsDataDir) rmSync(dataDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await kill('SIGKILL');
    if (ownsDataDir) rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
}
