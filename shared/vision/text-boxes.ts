import type { DetectedBox } from '../schemas/samples.ts';

/** An axis-aligned text region in image pixels (the `DetectedBox` of samples.json). */
export type TextBox = DetectedBox;

/** PaddleOCR's DB post-processing constants (det_db_box_thresh, det_db_unclip_ratio, min size). */
export const DB_DEFAULTS = { boxThreshold: 0.6, unclipRatio: 1.5, minSize: 3 } as const;

interface Region {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  sum: number;
  count: number;
}

/** Flood-fills the 4-connected region of above-threshold pixels that contains `seed`. */
function fillRegion(
  map: ArrayLike<number>,
  width: number,
  options: { seed: number; threshold: number; label: Int32Array; id: number },
): Region {
  const { seed, threshold, label, id } = options;
  const height = map.length / width;
  const region: Region = { x0: width, y0: height, x1: -1, y1: -1, sum: 0, count: 0 };
  const queue = [seed];
  label[seed] = id;
  for (let head = 0; head < queue.length; head++) {
    const p = queue[head] as number;
    const x = p % width;
    const y = (p - x) / width;
    region.x0 = Math.min(region.x0, x);
    region.y0 = Math.min(region.y0, y);
    region.x1 = Math.max(region.x1, x);
    region.y1 = Math.max(region.y1, y);
    region.sum += map[p] as number;
    region.count++;
    const neighbours = [
      x > 0 ? p - 1 : -1,
      x + 1 < width ? p + 1 : -1,
      y > 0 ? p - width : -1,
      y + 1 < height ? p + width : -1,
    ];
    for (const q of neighbours) {
      if (q >= 0 && label[q] === 0 && (map[q] as number) > threshold) {
        label[q] = id;
        queue.push(q);
      }
    }
  }
  return region;
}

const round = (v: number) => Number(v.toPrecision(6));

/**
 * Text boxes from a DB probability map (`width × height`, one value per input pixel), as the
 * paddleocr-det bundle documents them: pixels above `threshold` form 4-connected regions; regions
 * thinner than 3 px or whose mean probability is under 0.6 are dropped; each remaining bounding
 * box grows by DB's unclip distance (area × 1.5 / perimeter) and is clipped to the map. Sorted
 * top to bottom, then left to right.
 */
export function textBoxes(
  map: ArrayLike<number>,
  size: { width: number; height: number },
  threshold: number,
): TextBox[] {
  const { width, height } = size;
  const label = new Int32Array(map.length);
  const boxes: TextBox[] = [];
  let next = 1;
  for (let p = 0; p < map.length; p++) {
    if (label[p] !== 0 || (map[p] as number) <= threshold) continue;
    const r = fillRegion(map, width, { seed: p, threshold, label, id: next++ });
    const w = r.x1 - r.x0 + 1;
    const h = r.y1 - r.y0 + 1;
    const score = r.sum / r.count;
    if (Math.min(w, h) < DB_DEFAULTS.minSize || score < DB_DEFAULTS.boxThreshold) continue;
    const grow = (w * h * DB_DEFAULTS.unclipRatio) / (2 * (w + h));
    const left = Math.max(0, r.x0 - grow);
    const top = Math.max(0, r.y0 - grow);
    const right = Math.min(width, r.x1 + 1 + grow);
    const bottom = Math.min(height, r.y1 + 1 + grow);
    boxes.push({
      x: round(left),
      y: round(top),
      width: round(right - left),
      height: round(bottom - top),
      score: round(score),
    });
  }
  return boxes.sort((a, b) => a.y - b.y || a.x - b.x);
}

/** `boxes` in the coordinates of an image of `to` size, from a map of `from` size. */
export function scaleBoxes(
  boxes: TextBox[],
  from: { width: number; height: number },
  to: { width: number; height: number },
): TextBox[] {
  const sx = to.width / from.width;
  const sy = to.height / from.height;
  if (sx === 1 && sy === 1) return boxes;
  return boxes.map((b) => ({
    x: b.x * sx,
    y: b.y * sy,
    width: b.width * sx,
    height: b.height * sy,
    score: b.score,
  }));
}
