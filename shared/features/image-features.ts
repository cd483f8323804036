import { ErrorCode, FerryError } from '../errors.ts';
import type { ImageExtractor } from '../schemas/reference-profile.ts';

/**
 * An image on the ink scale the digits bundle was trained on: `width × height` values, row-major,
 * 0 for paper up to 16 for full ink. Image extractors are defined over this grid only, so that a
 * bundle's scale, mean and std (which may change between versions) never change what is measured.
 */
export interface InkGrid {
  readonly width: number;
  readonly height: number;
  readonly ink: ArrayLike<number>;
}

/** Full ink on the grid: scikit-learn's digits count 0–16 ink per pixel. */
export const FULL_INK = 16;

/** A pixel "has ink" from a quarter of full ink on (models/digits/profile.py `INK`). */
export const INK_THRESHOLD = 4;

/**
 * The ink grid of a resampled 0–255 luminance plane (what workers/runtime/image-input.ts computes
 * before scaling): inverted when the bundle's preprocessing inverts (dark ink on light paper), then
 * × 16/255. For the digits bundle this is its model input up to float32 rounding. Only one-channel
 * image bundles are measured (publishing refuses image extractors on others).
 */
export function inkGrid(
  luminance: ArrayLike<number>,
  size: { width: number; height: number },
  invert: boolean,
): InkGrid {
  const ink = new Float64Array(luminance.length);
  for (let i = 0; i < ink.length; i++) {
    const value = luminance[i] as number;
    ink[i] = ((invert ? 255 - value : value) * FULL_INK) / 255;
  }
  return { width: size.width, height: size.height, ink };
}

// Which columns and rows hold ink, reused from call to call: a device measures every run, and
// each measurement is finished before the next starts (JavaScript runs one at a time per thread).
let columns: Uint8Array = new Uint8Array(0);
let rows: Uint8Array = new Uint8Array(0);

/** `previous` cleared over `length` flags, or a new array when it is too short. */
function flags(previous: Uint8Array, length: number): Uint8Array {
  if (previous.length < length) return new Uint8Array(length);
  previous.fill(0, 0, length);
  return previous;
}

const sum = (set: Uint8Array, length: number) => {
  let total = 0;
  for (let i = 0; i < length; i++) total += set[i] as number;
  return total;
};

/**
 * Every image extractor of the wire format on one grid, as models/digits/profile.py computes them:
 * mean ink; fraction of pixels ≥ {@link INK_THRESHOLD}; ink-weighted mean column and row (0 for a
 * blank grid, which the training code's `+ 1e-9` gives too); columns and rows holding such a pixel.
 * Written into `out` (one pass over the grid, nothing allocated once the grid's size was seen), so
 * that measuring every run makes no garbage; {@link imageFeatures} returns a fresh record.
 */
export function imageFeaturesInto(
  grid: InkGrid,
  out: Record<ImageExtractor, number>,
): Record<ImageExtractor, number> {
  const { width, height, ink } = grid;
  const pixels = width * height;
  if (!(pixels > 0) || ink.length !== pixels) {
    throw new FerryError(
      ErrorCode.INVALID_INPUT,
      `image: an ink grid of ${width}×${height} needs ${pixels} values, got ${ink.length}`,
    );
  }
  columns = flags(columns, width);
  rows = flags(rows, height);
  let total = 0;
  let inked = 0;
  let weightedX = 0;
  let weightedY = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const value = ink[y * width + x] as number;
      total += value;
      weightedX += value * x;
      weightedY += value * y;
      if (value >= INK_THRESHOLD) {
        inked++;
        columns[x] = 1;
        rows[y] = 1;
      }
    }
  }
  out.mean_ink = total / pixels;
  out.ink_fraction = inked / pixels;
  out.centroid_x = total > 0 ? weightedX / total : 0;
  out.centroid_y = total > 0 ? weightedY / total : 0;
  out.ink_width = sum(columns, width);
  out.ink_height = sum(rows, height);
  return out;
}

/** A record of every image extractor, all 0: what {@link imageFeaturesInto} fills. */
export function emptyImageFeatures(): Record<ImageExtractor, number> {
  return { mean_ink: 0, ink_fraction: 0, centroid_x: 0, centroid_y: 0, ink_width: 0, ink_height: 0 };
}

/** {@link imageFeaturesInto} into a fresh record. */
export function imageFeatures(grid: InkGrid): Record<ImageExtractor, number> {
  return imageFeaturesInto(grid, emptyImageFeatures());
}
