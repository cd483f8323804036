import type { PublishedManifest } from '$shared/schemas/manifest.ts';
import type { Score, TensorOutput, TextBox } from '../types.ts';
import { softmax } from '$shared/stats/softmax.ts';
import { scaleBoxes, textBoxes } from '$shared/vision/text-boxes.ts';

const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));

const byScoreDescending = (a: Score, b: Score) => b.score - a.score;

// Up to this many scores are sorted by insertion: Array.prototype.sort took ~1.4 µs of the ~1.8
// µs that scoring digits' ten logits cost per run() (V8, measured in Node), insertion ~0.2.
const INSERTION_SORT_MAX = 32;

/**
 * Sorts `scores` highest first, in place; equal scores keep their order (as the stable
 * Array.prototype.sort does).
 */
export function sortByScore(scores: Score[]): void {
  if (scores.length > INSERTION_SORT_MAX) {
    scores.sort(byScoreDescending);
    return;
  }
  for (let i = 1; i < scores.length; i++) {
    const score = scores[i] as Score;
    let j = i;
    for (; j > 0 && (scores[j - 1] as Score).score < score.score; j--) scores[j] = scores[j - 1] as Score;
    scores[j] = score;
  }
}

/**
 * Label scores for the first item of the batch, as the manifest's `postprocessing` says
 * (softmax, sigmoid or probabilities as given), labelled from `labels` (else `labelsFallback`,
 * else the index), highest first and cut to `topK`. Undefined for other postprocessing kinds.
 * A single sigmoid output of a two-label model scores the second label and its complement.
 */
export function scoresFrom(
  manifest: PublishedManifest,
  outputs: Record<string, TensorOutput>,
  labelsFallback?: readonly string[],
): Score[] | undefined {
  const post = manifest.postprocessing;
  if (post.kind !== 'softmax' && post.kind !== 'sigmoid' && post.kind !== 'probabilities') return undefined;
  const name = post.output ?? manifest.signature.outputs[0]?.name ?? '';
  const output = outputs[name];
  if (!output || typeof output.data[0] !== 'number') return undefined;
  const width = Math.min(output.dims.at(-1) ?? output.data.length, output.data.length);
  // Loops into one array, not slice and map: this runs on every run() (issue 10, point 10).
  const data = output.data as ArrayLike<number>;
  let values: number[];
  if (post.kind === 'softmax') values = softmax(data, width);
  else {
    values = new Array<number>(width);
    for (let i = 0; i < width; i++)
      values[i] = post.kind === 'sigmoid' ? sigmoid(data[i] as number) : (data[i] as number);
  }
  const labels = manifest.labels ?? labelsFallback;
  if (post.kind === 'sigmoid' && values.length === 1 && labels?.length === 2) {
    values = [1 - (values[0] as number), values[0] as number];
  }
  const scores = new Array<Score>(values.length);
  for (let i = 0; i < values.length; i++) {
    scores[i] = { label: labels?.[i] ?? String(i), index: i, score: values[i] as number };
  }
  sortByScore(scores);
  return post.topK ? scores.slice(0, post.topK) : scores;
}

/**
 * Text boxes for `probability-map` postprocessing: the first map of the batch, thresholded as
 * the manifest says (see shared/vision/text-boxes.ts), in the pixels of the image that was passed in (`image`)
 * or of the map. Undefined for other postprocessing kinds.
 */
export function boxesFrom(
  manifest: PublishedManifest,
  outputs: Record<string, TensorOutput>,
  image?: { width: number; height: number },
): TextBox[] | undefined {
  const post = manifest.postprocessing;
  if (post.kind !== 'probability-map') return undefined;
  const output = outputs[post.output ?? manifest.signature.outputs[0]?.name ?? ''];
  const [height, width] = output?.dims.slice(-2) ?? [];
  if (!output || !height || !width || typeof output.data[0] !== 'number') return undefined;
  const map = (output.data as Float32Array).subarray(0, width * height);
  const boxes = textBoxes(map, { width, height }, post.threshold);
  return image ? scaleBoxes(boxes, { width, height }, image) : boxes;
}
