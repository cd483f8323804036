import type { Preprocessing } from '$shared/schemas/manifest.ts';
import { invalidInput } from '../errors.ts';
import type { ImageDataLike } from '../types.ts';
import type { Feed } from './tensor-input.ts';

/** The `image` variant of a manifest's preprocessing. */
export type ImagePreprocessing = Extract<Preprocessing, { kind: 'image' }>;

/**
 * Resamples RGBA `image` to `spec.width × spec.height` by area averaging (each target pixel is
 * the coverage-weighted mean of the source pixels under it, so a 280×280 drawing shrinks to 8×8
 * without aliasing). Transparent pixels are composited over white, as on paper.
 */
export function resampleRgb(
  image: ImageDataLike,
  width: number,
  height: number,
): { channels: Float32Array[]; width: number; height: number } {
  const { width: sw, height: sh, data } = image;
  if (!(sw > 0 && sh > 0) || data.length !== sw * sh * 4) {
    throw invalidInput(
      'image',
      `expected ${sw}×${sh} RGBA pixels (${sw * sh * 4} bytes), got ${data.length}`,
    );
  }
  const rgb = [
    new Float32Array(width * height),
    new Float32Array(width * height),
    new Float32Array(width * height),
  ];
  const fx = sw / width;
  const fy = sh / height;
  for (let ty = 0; ty < height; ty++) {
    for (let tx = 0; tx < width; tx++) {
      const acc = [0, 0, 0];
      let weight = 0;
      for (let sy = Math.floor(ty * fy); sy < Math.min(sh, Math.ceil((ty + 1) * fy)); sy++) {
        const wy = Math.min(sy + 1, (ty + 1) * fy) - Math.max(sy, ty * fy);
        for (let sx = Math.floor(tx * fx); sx < Math.min(sw, Math.ceil((tx + 1) * fx)); sx++) {
          const w = wy * (Math.min(sx + 1, (tx + 1) * fx) - Math.max(sx, tx * fx));
          const at = (sy * sw + sx) * 4;
          const alpha = (data[at + 3] as number) / 255;
          for (let c = 0; c < 3; c++) acc[c]! += w * (alpha * (data[at + c] as number) + (1 - alpha) * 255);
          weight += w;
        }
      }
      for (let c = 0; c < 3; c++) rgb[c]![ty * width + tx] = acc[c]! / weight;
    }
  }
  return { channels: rgb, width, height };
}

/**
 * The input tensor an image task's manifest describes: resampled, converted to 1 (luminance) or
 * 3 channels, optionally inverted (`255 - v`), then `v * scale`, then `(v - mean[c]) / std[c]`,
 * laid out NCHW or NHWC with a batch of one.
 */
export function imageToFeed(image: ImageDataLike, spec: ImagePreprocessing): Feed {
  const { channels: rgb, width, height } = resampleRgb(image, spec.width, spec.height);
  const planes =
    spec.channels === 3
      ? rgb
      : [rgb[0]!.map((r, i) => 0.299 * r + 0.587 * rgb[1]![i]! + 0.114 * rgb[2]![i]!)];
  const pixels = width * height;
  const data = new Float32Array(pixels * spec.channels);
  planes.forEach((plane, c) => {
    const mean = spec.mean?.[c] ?? 0;
    const std = spec.std?.[c] ?? 1;
    for (let i = 0; i < pixels; i++) {
      const raw = spec.invert ? 255 - plane[i]! : plane[i]!;
      const value = (raw * spec.scale - mean) / std;
      data[spec.layout === 'NCHW' ? c * pixels + i : i * spec.channels + c] = value;
    }
  });
  const dims = spec.layout === 'NCHW' ? [1, spec.channels, height, width] : [1, height, width, spec.channels];
  return { type: 'float32', dims, data };
}
