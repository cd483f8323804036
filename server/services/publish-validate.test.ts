import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BundleManifestInput } from '$shared';
import { manifestVerdict as verdict } from '../testing/manifest-verdict.ts';
import { createTempDeps, type TempDeps } from '../testing/temp-deps.ts';
import { tinyManifest, uploadTiny } from '../testing/tiny-bundle.ts';
import { systemActor } from './deps.ts';
import { publishVersion } from './publish.ts';
import { parseBundleManifest } from './publish-validate.ts';
import { publishedBlobSize } from './registry.ts';

let deps: TempDeps;
beforeEach(() => {
  deps = createTempDeps();
});
afterEach(() => deps.dispose());

/** A numeric feature over [0, 1] measured by `measure`. */
const feature = (name: string, measure?: unknown) => ({
  name,
  kind: 'numeric',
  ...(measure === undefined ? {} : { measure }),
  edges: [0, 0.5, 1],
  counts: [1, 1],
});

/** The tiny tabular bundle (columns a, b, c, d) with `features` as its inline reference profile. */
function withProfile(features: unknown[], edit?: (m: BundleManifestInput) => void): BundleManifestInput {
  const manifest = { ...tinyManifest(), reference: { sampleCount: 2, features } } as BundleManifestInput;
  edit?.(manifest);
  return manifest;
}

const asText = (m: BundleManifestInput) => {
  m.task = 'text-classification';
  m.preprocessing = { kind: 'text', maxLength: 128 };
};

describe('publishing refuses a reference feature the runtime cannot measure', () => {
  it('accepts columns of the tabular input and features that say nothing of how they are measured', () => {
    expect(verdict(withProfile([feature('a', { kind: 'column', column: 'a' }), feature('b')]))).toBe('ok');
  });

  it('refuses a column the tabular input does not have, naming the feature', () => {
    expect(
      verdict(
        withProfile([
          feature('a', { kind: 'column', column: 'a' }),
          feature('e', { kind: 'column', column: 'e' }),
        ]),
      ),
    ).toBe(
      'manifest.reference.features.1.measure: feature e reads column "e", which is not a column of the tabular input (preprocessing.features)',
    );
  });

  it('refuses an image extractor on a tabular bundle and on a text bundle', () => {
    const ink = feature('ink', { kind: 'image', extractor: 'mean_ink' });
    expect(verdict(withProfile([ink]))).toBe(
      "manifest.reference.features.0.measure: feature ink uses the image extractor mean_ink, but the bundle's input is tabular (preprocessing.kind)",
    );
    expect(verdict(withProfile([ink], asText))).toMatch(
      /^manifest\.reference\.features\.0\.measure: feature ink uses the image extractor mean_ink, but the bundle's input is text/,
    );
  });

  it('refuses an image extractor on a three-channel image', () => {
    const asImage = (channels: 1 | 3) => (m: BundleManifestInput) => {
      m.task = 'image-classification';
      m.preprocessing = { kind: 'image', input: 'features', width: 2, height: 2, channels };
    };
    const ink = feature('ink', { kind: 'image', extractor: 'ink_width' });
    expect(verdict(withProfile([ink], asImage(1)))).toBe('ok');
    expect(verdict(withProfile([ink], asImage(3)))).toBe(
      'manifest.reference.features.0.measure: feature ink uses the image extractor ink_width, which needs a one-channel image (preprocessing.channels is 3)',
    );
  });

  it('refuses a column on a text bundle, and token extractors without a tokenizer file', () => {
    expect(verdict(withProfile([feature('a', { kind: 'column', column: 'a' })], asText))).toMatch(
      /^manifest\.reference\.features\.0\.measure: feature a reads column "a", but the bundle's input is not tabular \(preprocessing\.kind text\)$/,
    );
    expect(verdict(withProfile([feature('words', { kind: 'text', extractor: 'words' })], asText))).toBe('ok');
    expect(
      verdict(withProfile([feature('unk', { kind: 'text', extractor: 'unknown_token_rate' })], asText)),
    ).toBe(
      'manifest.reference.features.0.measure: feature unk uses the text extractor unknown_token_rate, which needs a file with role "tokenizer"',
    );
  });

  it('accepts both token extractors on a text bundle with a tokenizer, and refuses them where the runtime does not tokenize', () => {
    const tokenFeatures = [
      feature('tokens', { kind: 'text', extractor: 'tokens' }),
      feature('unk', { kind: 'text', extractor: 'unknown_token_rate' }),
    ];
    const withTokenizer = (task: BundleManifestInput['task']) => (m: BundleManifestInput) => {
      asText(m);
      m.task = task;
      m.files.push({ path: 'tokenizer.json', role: 'tokenizer' });
    };
    expect(verdict(withProfile(tokenFeatures, withTokenizer('text-classification')))).toBe('ok');
    expect(verdict(withProfile(tokenFeatures, withTokenizer('feature-extraction')))).toBe('ok');
    // A custom text bundle runs on onnxruntime-web, which takes named tensors and has no tokenizer.
    expect(verdict(withProfile(tokenFeatures, withTokenizer('custom')))).toBe(
      'manifest.reference.features.0.measure: feature tokens uses the text extractor tokens, which needs a task the runtime tokenizes (text-classification or feature-extraction), not custom',
    );
    expect(
      verdict(
        withProfile([feature('chars', { kind: 'text', extractor: 'characters' })], withTokenizer('custom')),
      ),
    ).toBe('ok');
  });

  it('refuses an unknown extractor or measure kind by the schema, naming the field', () => {
    expect(verdict(withProfile([feature('x', { kind: 'image', extractor: 'brightness' })]))).toMatch(
      /^manifest\.reference\.features\.0\.measure\.extractor: /,
    );
    expect(verdict(withProfile([feature('x', { kind: 'audio', extractor: 'loudness' })]))).toMatch(
      /^manifest\.reference\.features\.0\.measure\.kind: /,
    );
    expect(verdict(withProfile([feature('x', { kind: 'column', column: 'a', extra: 1 })]))).toMatch(
      /^manifest\.reference\.features\.0\.measure: /,
    );
  });

  it('refuses a measured categorical feature and duplicate feature names', () => {
    const categorical = {
      name: 'c',
      kind: 'categorical',
      measure: { kind: 'column', column: 'c' },
      categories: ['x'],
      counts: [1],
    };
    expect(verdict(withProfile([categorical]))).toBe(
      'manifest.reference.features.0.measure: feature c is categorical; the runtime measures numeric features only',
    );
    expect(verdict(withProfile([feature('a'), feature('a')]))).toBe(
      'manifest.reference.features.1.name: duplicate feature a',
    );
  });

  it('checks a reference file’s features too, naming the file, and stores nothing', async () => {
    const reference = path.join(deps.dataDir, 'reference.json');
    writeFileSync(
      reference,
      JSON.stringify({ sampleCount: 2, features: [feature('z', { kind: 'column', column: 'z' })] }),
    );
    const files = [...(await uploadTiny(deps)), await deps.upload(reference, 'reference.json')];
    const manifest = tinyManifest();
    manifest.files.push({ path: 'reference.json', role: 'reference' });
    await expect(publishVersion(deps, { manifest, files }, systemActor)).rejects.toMatchObject({
      code: 'MANIFEST_INVALID',
      message: expect.stringMatching(/^reference\.json: features\.0\.measure: feature z reads column "z"/),
    });
    expect(publishedBlobSize(deps.db, files[2]?.sha256 ?? '')).toBeNull();
  });

  it('publishes through publishVersion only what it can measure', async () => {
    const files = await uploadTiny(deps);
    const bad = withProfile([feature('e', { kind: 'column', column: 'e' })]);
    await expect(publishVersion(deps, { manifest: bad, files }, systemActor)).rejects.toMatchObject({
      code: 'MANIFEST_INVALID',
      message: expect.stringMatching(/^manifest\.reference\.features\.0\.measure: feature e/),
    });
    const good = withProfile([feature('a', { kind: 'column', column: 'a' })]);
    await expect(publishVersion(deps, { manifest: good, files }, systemActor)).resolves.toMatchObject({
      name: 'tiny',
    });
  });

  it('accepts every example bundle under models/, each of whose features is measured', () => {
    const modelsDir = path.resolve(import.meta.dirname, '..', '..', 'models');
    const bundles = readdirSync(modelsDir).filter((name) => {
      try {
        readFileSync(path.join(modelsDir, name, 'ferry.json'));
        return true;
      } catch {
        return false;
      }
    });
    expect(bundles.length).toBeGreaterThanOrEqual(4);
    for (const name of bundles) {
      const raw = JSON.parse(readFileSync(path.join(modelsDir, name, 'ferry.json'), 'utf8')) as unknown;
      const manifest = parseBundleManifest(raw, `${name}: `);
      for (const f of manifest.reference?.features ?? [])
        expect(f.measure, `${name} ${f.name}`).toBeDefined();
    }
  });
});
