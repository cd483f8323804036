/** Side of the image handed to the model: scikit-learn's digits were made from 32×32 bitmaps. */
export const DIGIT_SOURCE_SIZE = 32;

/**
 * Crops the ink of a drawing to a centred square and scales it to 32×32, as the digits data set
 * was size-normalised before its 4×4 blocks were counted. Returns undefined for a blank canvas.
 */
export function normaliseDrawing(source: HTMLCanvasElement): ImageData | undefined {
  const context = source.getContext('2d', { willReadFrequently: true });
  if (!context) return undefined;
  const { width, height } = source;
  const { data } = context.getImageData(0, 0, width, height);
  let top = height;
  let left = width;
  let bottom = -1;
  let right = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      // Dark ink on white: any clearly non-white pixel counts.
      if ((data[(y * width + x) * 4] ?? 255) < 200) {
        top = Math.min(top, y);
        bottom = Math.max(bottom, y);
        left = Math.min(left, x);
        right = Math.max(right, x);
      }
    }
  }
  if (bottom < 0) return undefined;
  const side = Math.max(bottom - top, right - left) + 1;
  const pad = Math.round(side * 0.08);
  const box = side + 2 * pad;
  const x0 = Math.round((left + right + 1) / 2 - box / 2);
  const y0 = Math.round((top + bottom + 1) / 2 - box / 2);
  const target = document.createElement('canvas');
  target.width = DIGIT_SOURCE_SIZE;
  target.height = DIGIT_SOURCE_SIZE;
  const out = target.getContext('2d', { willReadFrequently: true });
  if (!out) return undefined;
  out.fillStyle = '#fff';
  out.fillRect(0, 0, DIGIT_SOURCE_SIZE, DIGIT_SOURCE_SIZE);
  out.imageSmoothingQuality = 'high';
  out.drawImage(source, x0, y0, box, box, 0, 0, DIGIT_SOURCE_SIZE, DIGIT_SOURCE_SIZE);
  return out.getImageData(0, 0, DIGIT_SOURCE_SIZE, DIGIT_SOURCE_SIZE);
}

/** An 8×8 grayscale sample (0–255, white paper) as RGBA pixels, exactly as the model will see it. */
export function grayToImage(rows: readonly (readonly number[])[]): ImageData {
  const height = rows.length;
  const width = rows[0]?.length ?? 0;
  const image = new ImageData(width, height);
  rows.forEach((row, y) =>
    row.forEach((grey, x) => {
      const i = (y * width + x) * 4;
      image.data.set([grey, grey, grey, 255], i);
    }),
  );
  return image;
}
