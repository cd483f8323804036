import { describe, expect, it } from 'vitest';
import { imageToFeed, resampleRgb, type ImagePreprocessing } from './image-input.ts';

function rgba(
  width: number,
  height: number,
  pixel: (x: number, y: number) => [number, number, number, number],
) {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data.set(pixel(x, y), (y * width + x) * 4);
  return { data, width, height };
}

const spec: ImagePreprocessing = {
  kind: 'image',
  input: 'pixels',
  width: 2,
  height: 2,
  channels: 1,
  layout: 'NCHW',
  scale: 16 / 255,
  invert: true,
};

describe('resampleRgb', () => {
  it('averages the area under each target pixel', () => {
    // Left half black, right half white, 4×2 → 2×1: each target pixel sees one half.
    const image = rgba(4, 2, (x) => (x < 2 ? [0, 0, 0, 255] : [255, 255, 255, 255]));
    expect(Array.from(resampleRgb(image, 2, 1).channels[0]!)).toEqual([0, 255]);
    // 3 → 2 columns: the middle source pixel is split between both targets.
    const thirds = rgba(3, 1, (x) => [x * 90, 0, 0, 255]);
    const [red] = resampleRgb(thirds, 2, 1).channels;
    expect(red![0]).toBeCloseTo((0 * 1 + 90 * 0.5) / 1.5);
    expect(red![1]).toBeCloseTo((90 * 0.5 + 180 * 1) / 1.5);
  });

  it('composites transparent pixels over white', () => {
    const image = rgba(1, 1, () => [0, 0, 0, 0]);
    expect(resampleRgb(image, 1, 1).channels.map((c) => c[0])).toEqual([255, 255, 255]);
  });

  it('refuses pixel data that does not match the size', () => {
    expect(() => resampleRgb({ data: new Uint8ClampedArray(3), width: 1, height: 1 }, 1, 1)).toThrow(
      expect.objectContaining({ code: 'INVALID_INPUT' }),
    );
  });
});

describe('imageToFeed', () => {
  it('makes dark ink on white paper high values, scaled as the manifest says (digits style)', () => {
    const image = rgba(2, 2, (x, y) => (x === y ? [0, 0, 0, 255] : [255, 255, 255, 255]));
    const feed = imageToFeed(image, spec);
    expect(feed.dims).toEqual([1, 1, 2, 2]);
    expect(Array.from(feed.data as Float32Array).map((v) => Math.round(v * 1000) / 1000)).toEqual([
      16, 0, 0, 16,
    ]);
  });

  it('normalises each channel and lays out NHWC when asked', () => {
    const image = rgba(1, 1, () => [255, 0, 51, 255]);
    const feed = imageToFeed(image, {
      ...spec,
      width: 1,
      height: 1,
      channels: 3,
      layout: 'NHWC',
      scale: 1 / 255,
      invert: false,
      mean: [0.5, 0.5, 0.5],
      std: [0.5, 0.5, 0.5],
    });
    expect(feed.dims).toEqual([1, 1, 1, 3]);
    expect(Array.from(feed.data as Float32Array)).toEqual([1, -1, expect.closeTo(-0.6, 5)]);
  });
});
