import type { DecodedImage } from './png.ts';
import type { DetectionExpected } from '$shared/schemas/samples.ts';
import { textBoxes } from '$shared/vision/text-boxes.ts';

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

function round6(x: number): number {
  return Number(x.toPrecision(6));
}

/**
 * The expected output of a text-detection sample: the boxes the worker reports for a DB
 * probability map ([1, 1, H, W], same size as the input; shared/vision/text-boxes.ts), and a
 * summary of the map for checksums.
 */
export function detectBoxes(
  map: Float32Array,
  size: { width: number; height: number },
  threshold: number,
): DetectionExpected {
  return { threshold, boxes: textBoxes(map, size, threshold), map: summarise(map, size, threshold) };
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
