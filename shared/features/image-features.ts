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
  /** On the ink scale, or stored values that `scale` puts on it. */
  readonly ink: ArrayLike<number>;
  /**
   * When set, each value of `ink` is `(value · std + mean) · factor` on the ink scale: a model
   * input with its normalisation undone as it is read, so that the worker measures a run's input
   * where it lies instead of copying it onto the ink scale first.
   */
  readonly scale?: InkScale;
}

/** The affine map from stored values onto the ink scale: `(value · std + mean) · factor`. */
export interface InkScale {
  readonly std: number;
  readonly mean: number;
  readonly factor: number;
}

// No scale: `(v · 1 + 0) · 1` is `v` bit for bit (only -0 becomes +0, which no extractor tells
// apart), so one loop serves both.
const IDENTITY: InkScale = { std: 1, mean: 0, factor: 1 };

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

// Which columns hold ink, reused from call to call: a device measures every run, and each
// measurement is finished before the next starts (JavaScript runs one at a time per thread).
let columns: Uint8Array = new Uint8Array(0);

/**
 * Where {@link imageFeatureValuesInto} writes each extractor: a measure made once per profile
 * reads its value by index, not by name, on every run.
 */
export const IMAGE_VALUE_INDEX: Readonly<Record<ImageExtractor, number>> = {
  mean_ink: 0,
  ink_fraction: 1,
  centroid_x: 2,
  centroid_y: 3,
  ink_width: 4,
  ink_height: 5,
};

/**
 * Every image extractor of the wire format on one grid, as models/digits/profile.py computes them:
 * mean ink; fraction of pixels ≥ {@link INK_THRESHOLD}; ink-weighted mean column and row (0 for a
 * blank grid, which the training code's `+ 1e-9` gives too); columns and rows holding such a pixel.
 * Written into `out` at {@link IMAGE_VALUE_INDEX} in one pass over the grid (its `scale` applied as
 * each value is read), allocating nothing once the grid's width was seen, so that measuring every
 * run makes no garbage; {@link imageFeatures} returns them as a record.
 */
export function imageFeatureValuesInto(grid: InkGrid, out: Float64Array): Float64Array {
  const { width, height, ink } = grid;
  const { std, mean, factor } = grid.scale ?? IDENTITY;
  const pixels = width * height;
  if (!(pixels > 0) || ink.length !== pixels) {
    throw new FerryError(
      ErrorCode.INVALID_INPUT,
      `image: an ink grid of ${width}×${height} needs ${pixels} values, got ${ink.length}`,
    );
  }
  if (columns.length < width) columns = new Uint8Array(width);
  else columns.fill(0, 0, width);
  let total = 0;
  let inked = 0;
  let weightedX = 0;
  let weightedY = 0;
  let inkedRows = 0;
  // Pixel by pixel in row-major order whether or not the grid is scaled, so that a model input
  // measured in place gives its ink grid's values bit for bit. This loop is most of what
  // recording a digits run costs.
  for (let y = 0, i = 0; y < height; y++) {
    let rowInked = 0;
    for (let x = 0; x < width; x++, i++) {
      const value = ((ink[i] as number) * std + mean) * factor;
      total += value;
      weightedX += value * x;
      weightedY += value * y;
      if (value >= INK_THRESHOLD) {
        inked++;
        columns[x] = 1;
        rowInked = 1;
      }
    }
    inkedRows += rowInked;
  }
  let inkedColumns = 0;
  for (let x = 0; x < width; x++) inkedColumns += columns[x] as number;
  out[0] = total / pixels;
  out[1] = inked / pixels;
  out[2] = total > 0 ? weightedX / total : 0;
  out[3] = total > 0 ? weightedY / total : 0;
  out[4] = inkedColumns;
  out[5] = inkedRows;
  return out;
}

/** Every image extractor's value on one grid, by name (see {@link imageFeatureValuesInto}). */
export function imageFeatures(grid: InkGrid): Record<ImageExtractor, number> {
  const values = imageFeatureValuesInto(grid, new Float64Array(6));
  const out = {} as Record<ImageExtractor, number>;
  for (const [extractor, index] of Object.entries(IMAGE_VALUE_INDEX)) {
    out[extractor as ImageExtractor] = values[index] as number;
  }
  return out;
}
