import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { binIndex } from '$shared/features/bin-index.ts';
import type { Tokenized } from '$shared/features/text-features.ts';
import type { FeatureProfile } from '$shared/schemas/reference-profile.ts';
import { createAggregate, type RunEnvironment } from './aggregator.ts';
import { publishedExample } from './example-manifests.test-support.ts';
import { createInputMeasure } from './measured-input.ts';

const wasm: RunEnvironment = {
  backend: 'wasm',
  threads: 1,
  crossOriginIsolated: true,
  webgpuAvailable: false,
};
const manifest = publishedExample('debian-sections');

/** The bundle's [UNK] and special ids, read from its tokenizer.json (as transformers.js reads them). */
function vocab(): Omit<Tokenized, 'ids'> {
  const file = new URL('../../models/debian-sections/tokenizer.json', import.meta.url);
  const { added_tokens } = JSON.parse(readFileSync(file, 'utf8')) as {
    added_tokens: { id: number; content: string; special: boolean }[];
  };
  const special = added_tokens.filter((t) => t.special);
  return {
    unkId: special.find((t) => t.content === '[UNK]')?.id ?? -1,
    specialIds: new Set(special.map((t) => t.id)),
  };
}

/** The reference edges of one of the bundle's features. */
function edgesOf(name: string): number[] {
  const feature = manifest.reference?.features.find(
    (f): f is Extract<FeatureProfile, { kind: 'numeric' }> => f.name === name && f.kind === 'numeric',
  );
  if (!feature) throw new Error(`debian-sections has no numeric feature ${name}`);
  return feature.edges;
}

describe('createInputMeasure on the debian-sections (text) bundle with the engine’s token ids', () => {
  // '日本語のテキスト and 中文 mixed' as the bundle's tokenizer encodes it (test/fixtures/features):
  // [CLS], six [UNK], "and", "mixed", [SEP].
  const ids = [2, 1, 1, 1, 1, 185, 1, 1, 3439, 3];
  const text = '日本語のテキスト and 中文 mixed';

  it('passes the tokens on with the text', () => {
    const tokens = { ...vocab(), ids };
    expect(createInputMeasure(manifest).measure({ text }, { tokens })).toEqual({
      kind: 'text',
      text,
      tokens,
    });
  });

  it('counts text_tokens and text_unknown_rate on the reference edges, and only for runs that came with ids', () => {
    const aggregate = createAggregate(manifest, wasm);
    const tokens = { ...vocab(), ids };
    aggregate.recordRun({ latencyMs: 1, measured: createInputMeasure(manifest).measure(text, { tokens })! });
    aggregate.recordRun({ latencyMs: 1, measured: createInputMeasure(manifest).measure(text, undefined)! });
    const batch = aggregate.take();
    const counts = (name: string) => batch.features.find((f) => f.name === name)?.counts;
    const only = (name: string, value: number) => {
      const expected = new Array<number>(edgesOf(name).length + 1).fill(0);
      expected[binIndex(edgesOf(name), value)] = 1;
      return expected;
    };
    // 8 tokens of input, 6 of them unknown: 0.75.
    expect(counts('text_tokens')).toEqual(only('text_tokens', 8));
    expect(counts('text_unknown_rate')).toEqual(only('text_unknown_rate', 0.75));
    // Characters and words need no tokenizer: both runs count.
    expect(counts('text_words')?.reduce((a, b) => a + b, 0)).toBe(2);
  });
});
