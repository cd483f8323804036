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

/** Totals one pass over the grid gives every extractor. */
function scan(grid: InkGrid) {
  let total = 0;
  let inked = 0;
  let weightedX = 0;
  let weightedY = 0;
  const columns = new Uint8Array(grid.width);
  const rows = new Uint8Array(grid.height);
  for (let y = 0; y < grid.height; y++) {
    for (let x = 0; x < grid.width; x++) {
      const value = grid.ink[y * grid.width + x] as number;
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
  return { total, inked, weightedX, weightedY, columns, rows };
}

const sum = (flags: Uint8Array) => flags.reduce((a, b) => a + b, 0);

/**
 * Every image extractor of the wire format on one grid, as models/digits/profile.py computes them:
 * mean ink; fraction of pixels ≥ {@link INK_THRESHOLD}; ink-weighted mean column and row (0 for a
 * blank grid, which the training code's `+ 1e-9` gives too); columns and rows holding such a pixel.
 */
export function imageFeatures(grid: InkGrid): Record<ImageExtractor, number> {
  const pixels = grid.width * grid.height;
  if (!(pixels > 0) || grid.ink.length !== pixels) {
    throw new FerryError(
      ErrorCode.INVALID_INPUT,
      `image: an ink grid of ${grid.width}×${grid.height} needs ${pixels} values, got ${grid.ink.length}`,
    );
  }
  const s = scan(grid);
  return {
    mean_ink: s.total / pixels,
    ink_fraction: s.inked / pixels,
    centroid_x: s.total > 0 ? s.weightedX / s.total : 0,
    centroid_y: s.total > 0 ? s.weightedY / s.total : 0,
    ink_width: sum(s.columns),
    ink_height: sum(s.rows),
  };
}
