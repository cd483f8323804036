// Plain JavaScript, because `npm start` imports it before anything can compile TypeScript.
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

// One level below the root, as server/main.ts is, so that its `import.meta.dirname/..` is the
// repository root in the bundle too.
const DIR = 'dist';
const ENTRY = path.join('server', 'main.ts');
const BUNDLE = 'ferry-server.js';
// The worker threads' entries, bundled beside the server: a worker thread runs a file of its own,
// and its modules must not need tsx's loader either. The telemetry ingest thread
// (server/telemetry/ingest-thread/) and the publish's onnxruntime thread (server/model-work/).
const WORKER_ENTRY = path.join('server', 'telemetry', 'ingest-thread', 'worker.ts');
const WORKER_BUNDLE = 'ferry-ingest-worker.js';
const MODEL_WORK_ENTRY = path.join('server', 'model-work', 'worker.ts');
const MODEL_WORK_BUNDLE = 'ferry-model-work.js';
const STAMP = 'ferry-server.inputs.json';

/**
 * The entry points to bundle, named as their bundles are (without `.js`); the workers' only where
 * the repository has them (server-bundle.test.ts bundles a tiny repository without them).
 * @param {string} root
 * @returns {{ in: string, out: string }[]}
 */
function entriesOf(root) {
  const entries = [{ in: ENTRY, out: path.basename(BUNDLE, '.js') }];
  for (const [entry, bundle] of [
    [WORKER_ENTRY, WORKER_BUNDLE],
    [MODEL_WORK_ENTRY, MODEL_WORK_BUNDLE],
  ]) {
    if (existsSync(path.join(root, entry))) entries.push({ in: entry, out: path.basename(bundle, '.js') });
  }
  return entries;
}

/**
 * The bundle's sources as of its last build, or null when there is no complete build.
 * @param {string} dir
 * @param {{ out: string }[]} entries
 * @returns {{ builtAt: number, inputs: string[] } | null}
 */
function readStamp(dir, entries) {
  try {
    const stamp = JSON.parse(readFileSync(path.join(dir, STAMP), 'utf8'));
    for (const entry of entries) statSync(path.join(dir, `${entry.out}.js`));
    return stamp;
  } catch {
    return null;
  }
}

/**
 * Whether a source the bundle was made from changed (or went away) since it was built. Only the
 * files esbuild actually read count: a new file matters once an existing one imports it, and that
 * import changes the importing file.
 * @param {string} root
 * @param {{ builtAt: number, inputs: string[] }} stamp
 */
function changedSince(root, stamp) {
  for (const input of stamp.inputs) {
    try {
      if (statSync(path.join(root, input)).mtimeMs >= stamp.builtAt) return true;
    } catch {
      return true;
    }
  }
  return false;
}

/**
 * Bundles server/main.ts and the server, shared and build code it imports into one ES module
 * (packages stay external), and each worker thread's entry into another (see
 * {@link ensureIngestWorkerBundle}, {@link ensureModelWorkBundle}), unless the bundles are fresh,
 * and returns the server's path. The server then
 * starts in about a second instead of compiling ~150 modules through tsx's loader on every start,
 * and serves requests without that loader's hooks in its way. Written to a temporary name and
 * renamed, so that servers starting side by side never import half a file.
 * @param {string} root the repository root
 * @returns {Promise<string>} the bundle's absolute path
 */
export async function ensureServerBundle(root) {
  const dir = path.join(root, DIR);
  const entries = entriesOf(root);
  const stamp = readStamp(dir, entries);
  if (stamp && !changedSince(root, stamp)) return path.join(dir, BUNDLE);

  mkdirSync(dir, { recursive: true });
  const suffix = `.${process.pid}.tmp`;
  const stampFile = path.join(dir, STAMP + suffix);
  // The build's start as the filesystem's clock says it (a file's mtime, as build/'s stamps are):
  // file times come from the kernel's coarse clock, so Date.now() could be later than the time of a
  // source written just after it. A source as new as this is counted as changed.
  writeFileSync(stampFile, '');
  const builtAt = statSync(stampFile).mtimeMs;
  const { build } = await import('esbuild');
  const result = await build({
    absWorkingDir: root,
    entryPoints: entries,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20.19',
    packages: 'external',
    tsconfig: path.join('server', 'tsconfig.json'),
    // Error classes and log lines read constructor names; esbuild would rename clashing ones.
    keepNames: true,
    sourcemap: 'linked',
    metafile: true,
    write: false,
    outdir: dir,
    logLevel: 'warning',
  });
  for (const file of result.outputFiles) writeFileSync(file.path + suffix, file.contents);
  for (const file of result.outputFiles) renameSync(file.path + suffix, file.path);
  const inputs = Object.keys(result.metafile.inputs);
  writeFileSync(stampFile, JSON.stringify({ builtAt, inputs }));
  renameSync(stampFile, path.join(dir, STAMP));
  return path.join(dir, BUNDLE);
}

/**
 * {@link ensureServerBundle}, returning the telemetry ingest thread's bundle (built with the
 * server's, from the same sources) instead: what the server starts its ingest thread from.
 * @param {string} root the repository root
 * @returns {Promise<string>} the worker bundle's absolute path
 */
export async function ensureIngestWorkerBundle(root) {
  const bundle = await ensureServerBundle(root);
  return path.join(path.dirname(bundle), WORKER_BUNDLE);
}

/**
 * {@link ensureServerBundle}, returning the model-work thread's bundle (server/model-work/worker.ts,
 * built with the server's): what the server runs a publish's onnxruntime work on.
 * @param {string} root the repository root
 * @returns {Promise<string>} the worker bundle's absolute path
 */
export async function ensureModelWorkBundle(root) {
  const bundle = await ensureServerBundle(root);
  return path.join(path.dirname(bundle), MODEL_WORK_BUNDLE);
}
