import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TensorSpec } from '$shared/schemas/manifest.ts';
import {
  bundlePath,
  isSourceFile,
  listBundles,
  modelsDir,
  readManifest,
  readSha256Sums,
  sha256File,
  walkFiles,
} from './lib/bundle-files.ts';
import { openSession } from './lib/inference.ts';
import { SampleSet } from '$shared/schemas/samples.ts';

/** Files git ignores under models/ (third-party weights copied from node_modules by prepare.mjs). */
const ignored = readFileSync(path.join(modelsDir, '.gitignore'), 'utf8')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l !== '' && !l.startsWith('#'));

function isIgnored(relative: string): boolean {
  return ignored.some((pattern) =>
    pattern.endsWith('/') ? relative.split('/').includes(pattern.slice(0, -1)) : relative === pattern,
  );
}

/** Declared and actual dims agree when equal, or when both are symbolic (names may differ). */
function sameDims(declared: TensorSpec['shape'], actual: readonly (number | string)[]): boolean {
  return (
    declared.length === actual.length &&
    declared.every((d, i) => d === actual[i] || (typeof d === 'string' && typeof actual[i] === 'string'))
  );
}

const bundles = listBundles();

describe('example bundles under models/', () => {
  it('include the four examples of issue 4', () => {
    expect(bundles).toEqual(
      expect.arrayContaining(['breast-cancer', 'debian-sections', 'digits', 'paddleocr-det']),
    );
  });

  it('stay under the 10 MB budget, third-party weights excluded', () => {
    const total = walkFiles(modelsDir)
      .filter((f) => !isIgnored(f) && !f.split('/').includes('__pycache__'))
      .reduce((sum, f) => sum + statSync(path.join(modelsDir, f)).size, 0);
    expect(total).toBeLessThan(10_000_000);
  });
});

describe.each(bundles)('bundle %s', (bundle) => {
  const manifest = readManifest(bundle);
  const sums = readSha256Sums(bundle);

  it('has a ferry.json that BundleManifest accepts, named after its folder', () => {
    expect(manifest.name).toBe(bundle);
  });

  it('matches its SHA256SUMS for every artifact, and hashes every artifact it holds', () => {
    for (const [file, digest] of sums) {
      const full = bundlePath(bundle, file);
      expect(
        existsSync(full),
        `${bundle}/${file} is missing (run npm install or node models/prepare.mjs)`,
      ).toBe(true);
      expect(sha256File(full), `${bundle}/${file}`).toBe(digest);
    }
    const unlisted = walkFiles(bundlePath(bundle)).filter((f) => !isSourceFile(f) && !sums.has(f));
    expect(unlisted, 'artifacts missing from SHA256SUMS').toEqual([]);
  });

  it('lists only files that exist and are hashed, with its samples among them', () => {
    for (const file of manifest.files) expect(sums.has(file.path), `${file.path} in SHA256SUMS`).toBe(true);
    const sample = manifest.files.find((f) => f.role === 'sample' && f.path.endsWith('.json'));
    expect(sample).toBeDefined();
    SampleSet.parse(JSON.parse(readFileSync(bundlePath(bundle, sample?.path), 'utf8')));
  });

  it('declares the real inputs and outputs of each ONNX graph', async () => {
    for (const file of manifest.files.filter((f) => f.role === 'onnx')) {
      const session = await openSession(bundle, file.path);
      try {
        const actual = { inputs: session.inputMetadata, outputs: session.outputMetadata };
        for (const side of ['inputs', 'outputs'] as const) {
          const declared = manifest.signature[side];
          expect(actual[side].map((m) => m.name)).toEqual(declared.map((t) => t.name));
          actual[side].forEach((meta, i) => {
            const spec = declared[i] as TensorSpec;
            expect(meta.isTensor).toBe(true);
            if (!meta.isTensor) return;
            expect(meta.type, `${file.path} ${side} ${meta.name} type`).toBe(spec.type);
            expect(sameDims(spec.shape, meta.shape), `${file.path} ${side} ${meta.name} shape`).toBe(true);
          });
        }
      } finally {
        await session.release();
      }
    }
  });

  it('has a README that states the measured accuracy in metrics.json, when it has one', () => {
    const readme = readFileSync(bundlePath(bundle, 'README.md'), 'utf8');
    const metricsFile = bundlePath(bundle, 'metrics.json');
    if (!existsSync(metricsFile)) return;
    const metrics = JSON.parse(readFileSync(metricsFile, 'utf8')) as { accuracy: number };
    expect(readme).toContain(`${metrics.accuracy.toFixed(2)}%`);
  });
});
