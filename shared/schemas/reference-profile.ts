import { z } from 'zod';

/** Image extractors the runtime computes on the 0–16 ink grid (shared/features/image-features.ts). */
export const ImageExtractor = z.enum([
  'mean_ink',
  'ink_fraction',
  'centroid_x',
  'centroid_y',
  'ink_width',
  'ink_height',
]);
export type ImageExtractor = z.infer<typeof ImageExtractor>;

/** Text extractors the runtime computes (shared/features/text-features.ts). */
export const TextExtractor = z.enum(['characters', 'words', 'tokens', 'unknown_token_rate']);
export type TextExtractor = z.infer<typeof TextExtractor>;

/**
 * How the runtime measures a feature on the device from one raw input: a named column of the
 * tabular input, or a named extractor over the image or the text. A feature without one is
 * described but not measured.
 */
export const FeatureMeasure = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('column'), column: z.string().min(1).max(128) }),
  z.strictObject({ kind: z.literal('image'), extractor: ImageExtractor }),
  z.strictObject({ kind: z.literal('text'), extractor: TextExtractor }),
]);
export type FeatureMeasure = z.infer<typeof FeatureMeasure>;

/** A histogram over a numeric feature: `counts[i]` values fell in `[edges[i], edges[i + 1])`. */
export const NumericFeatureProfile = z
  .object({
    name: z.string().min(1).max(128),
    kind: z.literal('numeric'),
    measure: FeatureMeasure.optional(),
    description: z.string().max(1000).optional(),
    edges: z.array(z.number()).min(2).max(1025),
    counts: z.array(z.number().int().nonnegative()).min(1).max(1024),
    mean: z.number().optional(),
    std: z.number().nonnegative().optional(),
  })
  .superRefine((f, ctx) => {
    if (f.edges.length !== f.counts.length + 1) {
      ctx.addIssue({
        code: 'custom',
        path: ['edges'],
        message: 'must have exactly one more entry than counts',
      });
    }
    for (let i = 1; i < f.edges.length; i++) {
      if (!((f.edges[i] as number) > (f.edges[i - 1] as number))) {
        ctx.addIssue({ code: 'custom', path: ['edges', i], message: 'edges must be strictly increasing' });
        break;
      }
    }
  });

/** Counts per category of a categorical feature. */
export const CategoricalFeatureProfile = z
  .object({
    name: z.string().min(1).max(128),
    kind: z.literal('categorical'),
    measure: FeatureMeasure.optional(),
    description: z.string().max(1000).optional(),
    categories: z.array(z.string().max(256)).min(1).max(4096),
    counts: z.array(z.number().int().nonnegative()).min(1).max(4096),
  })
  .refine((f) => f.categories.length === f.counts.length, {
    path: ['counts'],
    message: 'must have one count per category',
  });

/** One feature's reference distribution; discriminated by `kind`, so an error names the field inside it. */
export const FeatureProfile = z.discriminatedUnion('kind', [
  NumericFeatureProfile,
  CategoricalFeatureProfile,
]);
export type FeatureProfile = z.infer<typeof FeatureProfile>;

/**
 * What a version's inputs and predictions looked like on held-out data when it was made.
 * Drift detection compares live, on-device histograms against it, bin for bin.
 */
export const ReferenceProfile = z.object({
  sampleCount: z.number().int().positive(),
  description: z.string().max(2000).optional(),
  features: z.array(FeatureProfile).max(4096),
  predictions: z
    .object({
      labels: z.array(z.string().max(256)).min(1),
      counts: z.array(z.number().int().nonnegative()).min(1),
    })
    .refine((p) => p.labels.length === p.counts.length, {
      path: ['counts'],
      message: 'must have one count per label',
    })
    .optional(),
});
export type ReferenceProfile = z.infer<typeof ReferenceProfile>;
