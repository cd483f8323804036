// Plain JavaScript, because `npm start` imports it before anything can compile TypeScript.
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

// One level below the root, as server/main.ts is, so that its `import.meta.dirname/..` is the
// repository root in the bundle too.
const DIR = 'dist';
const ENTRY = path.join('server', 'main.ts');
const BUNDLE = 'ferry-server.js';
const STAMP = 'ferry-server.inputs.json';

/**
 * The bundle's sources as of its last build, or null when there is no complete build.
 * @param {string} dir
 * @returns {{ builtAt: number, inputs: string[] } | null}
 */
function readStamp(dir) {
  try {
    const stamp = JSON.parse(readFileSync(path.join(dir, STAMP), 'utf8'));
    statSync(path.join(dir, BUNDLE));
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
 * (packages stay external), unless the bundle is fresh, and returns its path. The server then
 * starts in about a second instead of compiling ~150 modules through tsx's loader on every start,
 * and serves requests without that loader's hooks in its way. Written to a temporary name and
 * renamed, so that servers starting side by side never import half a file.
 * @param {string} root the repository root
 * @returns {Promise<string>} the bundle's absolute path
 */
export async function ensureServerBundle(root) {
  const dir = path.join(root, DIR);
  const stamp = readStamp(dir);
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
    entryPoints: [ENTRY],
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
    outfile: path.join(dir, BUNDLE),
    logLevel: 'warning',
  });
  for (const file of result.outputFiles) writeFileSync(file.path + suffix, file.contents);
  for (const file of result.outputFiles) renameSync(file.path + suffix, file.path);
  const inputs = Object.keys(result.metafile.inputs);
  writeFileSync(stampFile, JSON.stringify({ builtAt, inputs }));
  renameSync(stampFile, path.join(dir, STAMP));
  return path.join(dir, BUNDLE);
}
