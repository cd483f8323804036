import type { Preprocessing } from '$shared/schemas/manifest.ts';
import { invalidInput } from '../errors.ts';
import type { ImageDataLike } from '../types.ts';
import type { Feed } from './tensor-input.ts';

/** The `image` variant of a manifest's preprocessing. */
export type ImagePreprocessing = Extract<Preprocessing, { kind: 'image' }>;

/** A rectangle in pixels (fractional in source images: a crop may start inside a pixel). */
export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Where a picture goes in the model's tensor: which part of it, where, at what size. */
export interface ImagePlan {
  /** The tensor's width and height. */
  width: number;
  height: number;
  /** The part of the picture used (all of it, except that `cover` crops). */
  source: Rect;
  /** Where that part lands in the tensor; the rest is `pad`. */
  target: Rect;
}

/** `value` rounded up to a multiple of `step`. */
const roundUp = (value: number, step: number) => Math.ceil(value / step) * step;
const clamp = (value: number, low: number, high: number) => Math.min(high, Math.max(low, value));

/**
 * The tensor size for a picture: fixed sides as declared, dynamic ones from its aspect ratio; and
 * the scale that ratio was taken at (`contain` does not enlarge past it: the rounding up is pad).
 */
function tensorSize(image: { width: number; height: number }, spec: ImagePreprocessing) {
  const dynamicWidth = spec.dynamic?.width;
  const dynamicHeight = spec.dynamic?.height;
  if (!dynamicWidth && !dynamicHeight) return { width: spec.width, height: spec.height, scale: Infinity };
  // Scaled by the fixed side; both dynamic, shrunk to fit the largest tensor (never enlarged).
  const scale =
    dynamicWidth && dynamicHeight
      ? Math.min(1, spec.width / image.width, spec.height / image.height)
      : dynamicWidth
        ? spec.height / image.height
        : spec.width / image.width;
  const side = (length: number, max: number, multipleOf: number | undefined) =>
    multipleOf === undefined
      ? max
      : clamp(roundUp(Math.max(1, Math.round(length * scale)), multipleOf), multipleOf, max);
  return {
    width: side(image.width, spec.width, dynamicWidth?.multipleOf),
    height: side(image.height, spec.height, dynamicHeight?.multipleOf),
    scale,
  };
}

/**
 * Where a `width × height` picture goes in the tensor `spec` describes: `stretch` fills it,
 * `contain` scales the whole picture to fit at the top-left (so a tensor position maps back to
 * the picture by one factor), `cover` fills it and crops the overflow equally on both sides.
 */
export function planImage(image: { width: number; height: number }, spec: ImagePreprocessing): ImagePlan {
  const { width, height, scale } = tensorSize(image, spec);
  const whole = { x: 0, y: 0, width: image.width, height: image.height };
  const full = { x: 0, y: 0, width, height };
  if (spec.resize === 'contain') {
    const k = Math.min(scale, width / image.width, height / image.height);
    const target = {
      x: 0,
      y: 0,
      width: clamp(Math.round(image.width * k), 1, width),
      height: clamp(Math.round(image.height * k), 1, height),
    };
    return { width, height, source: whole, target };
  }
  if (spec.resize === 'cover') {
    const k = Math.max(width / image.width, height / image.height);
    const [sw, sh] = [Math.min(image.width, width / k), Math.min(image.height, height / k)];
    const source = { x: (image.width - sw) / 2, y: (image.height - sh) / 2, width: sw, height: sh };
    return { width, height, source, target: full };
  }
  return { width, height, source: whole, target: full };
}

/**
 * Resamples RGBA `image` to `width × height` by area averaging (each target pixel is the
 * coverage-weighted mean of the source pixels under it, so a 280×280 drawing shrinks to 8×8
 * without aliasing). Transparent pixels are composited over white, as on paper.
 */
export function resampleRgb(
  image: ImageDataLike,
  width: number,
  height: number,
): { channels: Float32Array[]; width: number; height: number } {
  return resampleRect(image, { x: 0, y: 0, width: image.width, height: image.height }, { width, height });
}

/** {@link resampleRgb} of the `source` part of `image` (a crop, fractional edges weighted). */
export function resampleRect(
  image: ImageDataLike,
  source: Rect,
  size: { width: number; height: number },
): { channels: Float32Array[]; width: number; height: number } {
  const { width, height } = size;
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
  const fx = source.width / width;
  const fy = source.height / height;
  for (let ty = 0; ty < height; ty++) {
    const [y0, y1] = [source.y + ty * fy, source.y + (ty + 1) * fy];
    for (let tx = 0; tx < width; tx++) {
      const [x0, x1] = [source.x + tx * fx, source.x + (tx + 1) * fx];
      const acc = [0, 0, 0];
      let weight = 0;
      for (let sy = Math.floor(y0); sy < Math.min(sh, Math.ceil(y1)); sy++) {
        const wy = Math.min(sy + 1, y1) - Math.max(sy, y0);
        for (let sx = Math.floor(x0); sx < Math.min(sw, Math.ceil(x1)); sx++) {
          const w = wy * (Math.min(sx + 1, x1) - Math.max(sx, x0));
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
 * The input tensor an image task's manifest describes: the picture placed as {@link planImage}
 * says, converted to 1 (luminance) or 3 channels, optionally inverted (`255 - v`), then
 * `v * scale`, then `(v - mean[c]) / std[c]`, laid out NCHW or NHWC with a batch of one; tensor
 * pixels the picture does not cover hold `pad`.
 */
export function imageToFeed(image: ImageDataLike, spec: ImagePreprocessing): Feed {
  const plan = planImage(image, spec);
  const { target } = plan;
  const { channels: rgb } = resampleRect(image, plan.source, target);
  const planes =
    spec.channels === 3
      ? rgb
      : [rgb[0]!.map((r, i) => 0.299 * r + 0.587 * rgb[1]![i]! + 0.114 * rgb[2]![i]!)];
  const pixels = plan.width * plan.height;
  const data = new Float32Array(pixels * spec.channels);
  if (spec.pad !== 0 && (target.width < plan.width || target.height < plan.height)) data.fill(spec.pad);
  const nchw = spec.layout === 'NCHW';
  planes.forEach((plane, c) => {
    const mean = spec.mean?.[c] ?? 0;
    const std = spec.std?.[c] ?? 1;
    for (let y = 0; y < target.height; y++) {
      for (let x = 0; x < target.width; x++) {
        const v = plane[y * target.width + x]!;
        const at = (target.y + y) * plan.width + target.x + x;
        data[nchw ? c * pixels + at : at * spec.channels + c] =
          ((spec.invert ? 255 - v : v) * spec.scale - mean) / std;
      }
    }
  });
  const dims = nchw
    ? [1, spec.channels, plan.height, plan.width]
    : [1, plan.height, plan.width, spec.channels];
  return { type: 'float32', dims, data };
}
