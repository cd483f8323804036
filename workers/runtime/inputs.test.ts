import { describe, expect, it } from 'vitest';
import type { PublishedManifest } from '$shared/schemas/manifest.ts';
import type { ImagePreprocessing } from './image-input.ts';
import { imageSizeOf } from './inputs.ts';

const detector: ImagePreprocessing = {
  kind: 'image',
  input: 'x',
  width: 16,
  height: 16,
  channels: 3,
  layout: 'NCHW',
  scale: 1 / 255,
  invert: false,
  resize: 'stretch',
  dynamic: { width: { multipleOf: 4 }, height: { multipleOf: 4 } },
  pad: 0,
};
/** Only `preprocessing` is read. */
const withImage = (preprocessing: ImagePreprocessing) => ({ preprocessing }) as unknown as PublishedManifest;
const image = { image: { data: new Uint8ClampedArray(10 * 6 * 4), width: 10, height: 6 } };

describe('imageSizeOf', () => {
  it('is the picture itself when the tensor is filled by it (stretch)', () => {
    expect(imageSizeOf(image, withImage(detector))).toEqual({ width: 10, height: 6 });
    expect(imageSizeOf(image)).toEqual({ width: 10, height: 6 });
  });

  it('spans the padding too when the picture is contained, so map pixels scale back by one factor', () => {
    // 10×6 at scale 1 in a 12×8 tensor: the map covers 12×8 picture pixels.
    expect(imageSizeOf(image, withImage({ ...detector, resize: 'contain' }))).toEqual({
      width: 12,
      height: 8,
    });
    // A fixed 20×20 tensor: 10×6 scales by 2 to 20×12; the map spans 10×10 picture pixels.
    const fixed = { ...detector, width: 20, height: 20, dynamic: undefined, resize: 'contain' as const };
    expect(imageSizeOf(image, withImage(fixed))).toEqual({ width: 10, height: 10 });
  });

  it('is undefined for inputs that are not images', () => {
    expect(imageSizeOf({ x: { data: new Float32Array(1), dims: [1] } })).toBeUndefined();
    expect(imageSizeOf('text')).toBeUndefined();
  });
});
