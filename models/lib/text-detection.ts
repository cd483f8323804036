import type { DecodedImage } from './png.ts';
import type { DetectedBox, DetectionExpected } from './samples.ts';

/** DB post-processing defaults of PaddleOCR (det_db_box_thresh, det_db_unclip_ratio, min_size). */
export const detectionDefaults = { boxThreshold: 0.6, unclipRatio: 1.5, minSize: 3 };

/**
 * RGB(A) bytes → float32 NCHW tensor data: `(v × scale − mean[c]) / std[c]` per channel, the
 * `image` preprocessing of ferry.json with `layout: 'NCHW'`.
 */
export function imageToTensor(
  image: DecodedImage,
  norm: { scale: number; mean: readonly number[]; std: readonly number[] },
): Float32Array {
  if (image.channels < 3) throw new Error('text detection needs an RGB image');
  const plane = image.width * image.height;
  const out = new Float32Array(3 * plane);
  for (let i = 0; i < plane; i++) {
    for (let c = 0; c < 3; c++) {
      const v = image.data[i * image.channels + c] as number;
      out[c * plane + i] = (v * norm.scale - (norm.mean[c] as number)) / (norm.std[c] as number);
    }
  }
  return out;
}

/** Pixels above `threshold`, grouped into 4-connected components (each a list of pixel indices). */
function components(
  map: Float32Array,
  size: { width: number; height: number },
  threshold: number,
): number[][] {
  const { width, height } = size;
  const seen = new Uint8Array(map.length);
  const out: number[][] = [];
  for (let start = 0; start < map.length; start++) {
    if (seen[start] || (map[start] as number) <= threshold) continue;
    const pixels: number[] = [];
    const stack = [start];
    seen[start] = 1;
    while (stack.length > 0) {
      const p = stack.pop() as number;
      pixels.push(p);
      const x = p % width;
      const y = (p - x) / width;
      const next = [x > 0 ? p - 1 : -1, x < width - 1 ? p + 1 : -1, y > 0 ? p - width : -1];
      next.push(y < height - 1 ? p + width : -1);
      for (const q of next) {
        if (q >= 0 && !seen[q] && (map[q] as number) > threshold) {
          seen[q] = 1;
          stack.push(q);
        }
      }
    }
    out.push(pixels);
  }
  return out;
}

function round6(x: number): number {
  return Number(x.toPrecision(6));
}

/**
 * Turns a DB probability map ([1, 1, H, W], same size as the input) into text boxes: threshold,
 * 4-connected components, drop components whose box is thinner than `minSize` or whose mean
 * probability is below `boxThreshold`, then grow each bounding box by DB's unclip distance
 * (area × ratio / perimeter) and clip it to the image. Also summarises the map for checksums.
 */
export function detectBoxes(
  map: Float32Array,
  size: { width: number; height: number },
  threshold: number,
): DetectionExpected {
  const { width, height } = size;
  const boxes: DetectedBox[] = [];
  for (const pixels of components(map, size, threshold)) {
    let [x0, y0, x1, y1, sum] = [width, height, 0, 0, 0];
    for (const p of pixels) {
      const x = p % width;
      const y = (p - x) / width;
      [x0, y0, x1, y1] = [Math.min(x0, x), Math.min(y0, y), Math.max(x1, x), Math.max(y1, y)];
      sum += map[p] as number;
    }
    const [w, h, score] = [x1 - x0 + 1, y1 - y0 + 1, sum / pixels.length];
    if (Math.min(w, h) < detectionDefaults.minSize || score < detectionDefaults.boxThreshold) continue;
    const d = (w * h * detectionDefaults.unclipRatio) / (2 * (w + h));
    const [bx0, by0] = [Math.max(0, x0 - d), Math.max(0, y0 - d)];
    const [bx1, by1] = [Math.min(width, x1 + 1 + d), Math.min(height, y1 + 1 + d)];
    boxes.push({
      x: round6(bx0),
      y: round6(by0),
      width: round6(bx1 - bx0),
      height: round6(by1 - by0),
      score: round6(score),
    });
  }
  boxes.sort((a, b) => a.y - b.y || a.x - b.x);
  return { threshold, boxes, map: summarise(map, size, threshold) };
}

function summarise(map: Float32Array, size: { width: number; height: number }, threshold: number) {
  const { width, height } = size;
  const grid = new Array<number>(64).fill(0);
  const cells = new Array<number>(64).fill(0);
  let [sum, max, above] = [0, 0, 0];
  for (let i = 0; i < map.length; i++) {
    const v = map[i] as number;
    const x = i % width;
    const y = (i - x) / width;
    const cell = Math.floor((y * 8) / height) * 8 + Math.floor((x * 8) / width);
    grid[cell] = (grid[cell] as number) + v;
    cells[cell] = (cells[cell] as number) + 1;
    sum += v;
    max = Math.max(max, v);
    if (v > threshold) above++;
  }
  return {
    shape: [1, 1, height, width],
    mean: round6(sum / map.length),
    max: round6(max),
    above,
    grid: grid.map((g, i) => round6(g / (cells[i] as number))),
  };
}
