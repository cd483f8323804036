import { z } from 'zod';

/** Expected output of a classifier sample: the top label and the full probability vector. */
export const ClassificationExpected = z.object({
  label: z.string(),
  index: z.number().int().nonnegative(),
  /** Probabilities in label order (softmax of the logits where the model outputs logits). */
  probabilities: z.array(z.number().min(0).max(1)).min(2),
  /** Raw model output, when the model outputs logits. */
  logits: z.array(z.number()).optional(),
});
export type ClassificationExpected = z.infer<typeof ClassificationExpected>;

/** An axis-aligned text box in input-image pixels, from a thresholded probability map. */
export const DetectedBox = z.object({
  x: z.number(),
  y: z.number(),
  width: z.number().positive(),
  height: z.number().positive(),
  /** Mean probability inside the component. */
  score: z.number().min(0).max(1),
});
export type DetectedBox = z.infer<typeof DetectedBox>;

/** Expected output of a text-detection sample: boxes and a summary of the probability map. */
export const DetectionExpected = z.object({
  threshold: z.number(),
  boxes: z.array(DetectedBox),
  map: z.object({
    shape: z.array(z.number().int().positive()),
    mean: z.number(),
    max: z.number(),
    /** Pixels of the map above `threshold`. */
    above: z.number().int().nonnegative(),
    /** Mean of each cell of an 8×8 grid over the map, row-major: a coarse checksum with tolerance. */
    grid: z.array(z.number()).length(64),
  }),
});
export type DetectionExpected = z.infer<typeof DetectionExpected>;

/** One sample input, in the form a client takes it (see each bundle's README). */
export const SampleInput = z.union([
  /** digits: 8×8 grayscale (0–255, white paper) and the model-input values it maps to. */
  z.object({ gray: z.array(z.array(z.number().int())), pixels: z.array(z.array(z.number())) }),
  /** tabular: feature name → raw value. */
  z.object({ features: z.record(z.string(), z.number()) }),
  /** text: the string to classify. */
  z.object({ text: z.string() }),
  /** image file: a path inside the bundle and its size. */
  z.object({ image: z.string(), width: z.number().int(), height: z.number().int() }),
]);
export type SampleInput = z.infer<typeof SampleInput>;

/**
 * A bundle's `samples.json` (file role `sample`): held-out inputs with their expected outputs. The
 * demo feeds them through its UI and the bundle tests through onnxruntime-node; both compare
 * against `expected`.
 */
export const SampleSet = z.object({
  model: z.string(),
  description: z.string(),
  samples: z
    .array(
      z.object({
        id: z.string(),
        input: SampleInput,
        expected: z.union([ClassificationExpected, DetectionExpected]),
        /** The ground-truth label, when the sample comes from a labelled held-out set. */
        truth: z.string().optional(),
      }),
    )
    .min(1),
});
export type SampleSet = z.infer<typeof SampleSet>;
