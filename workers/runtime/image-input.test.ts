import { describe, expect, it } from 'vitest';
import { imageToFeed, planImage, resampleRgb, type ImagePreprocessing } from './image-input.ts';

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
  resize: 'stretch',
  pad: 0,
};

/** A gray picture whose pixel (x, y) is `value(x, y)`. */
const gray = (width: number, height: number, value: (x: number, y: number) => number) =>
  rgba(width, height, (x, y) => {
    const v = value(x, y);
    return [v, v, v, 255];
  });

/** One raw gray channel (scale 1, no mean/std): the tensor shows the resampled pixel values. */
const raw: ImagePreprocessing = { ...spec, invert: false, scale: 1, pad: -1 };

/** The tensor's rows as plain numbers (one channel, NCHW), rounded to 1e-3. */
const rows = (feed: ReturnType<typeof imageToFeed>) => {
  const [, , height, width] = feed.dims as [number, number, number, number];
  const data = Array.from(feed.data as Float32Array, (v) => Math.round(v * 1000) / 1000);
  return Array.from({ length: height }, (_, y) => data.slice(y * width, (y + 1) * width));
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

describe('variable-width images (OCR recognisers)', () => {
  const rec: ImagePreprocessing = {
    ...raw,
    height: 4,
    width: 16,
    dynamic: { width: { multipleOf: 4 } },
    resize: 'contain',
  };

  it('scales to the fixed height, keeps the aspect ratio, rounds the width up to its multiple and pads the rest', () => {
    // 14×8 → height 4 is a factor 0.5: 7 columns of content, a tensor 8 wide, one column of pad.
    const feed = imageToFeed(
      gray(14, 8, (x) => 10 * x),
      rec,
    );
    expect(feed.dims).toEqual([1, 1, 4, 8]);
    // Target column t averages source columns 2t and 2t+1: 10·(4t+1)/2.
    for (const row of rows(feed)) expect(row).toEqual([5, 25, 45, 65, 85, 105, 125, -1]);
  });

  it('caps the width at its maximum and fits a longer picture whole, padding below it', () => {
    // 40×8 would be 20 wide at height 4; the tensor stops at 16, so the picture scales by 0.4 to 16×3.2 → 16×3.
    expect(planImage({ width: 40, height: 8 }, rec)).toEqual({
      width: 16,
      height: 4,
      source: { x: 0, y: 0, width: 40, height: 8 },
      target: { x: 0, y: 0, width: 16, height: 3 },
    });
    const feed = imageToFeed(
      gray(40, 8, () => 200),
      rec,
    );
    expect(rows(feed)).toEqual([...Array(3).fill(Array(16).fill(200)), Array(16).fill(-1)]);
  });

  it('never makes a tensor narrower than one multiple', () => {
    expect(planImage({ width: 1, height: 100 }, rec)).toMatchObject({ width: 4, height: 4 });
  });

  it('normalises as PaddleOCR does ((x/255 − 0.5)/0.5, black −1, white 1) with padding 0', () => {
    const paddle: ImagePreprocessing = {
      ...rec,
      channels: 3,
      scale: 1 / 255,
      mean: [0.5, 0.5, 0.5],
      std: [0.5, 0.5, 0.5],
      pad: 0,
    };
    // 6×4 at height 4: 6 columns, a tensor 8 wide; left half black, right half white.
    const feed = imageToFeed(
      gray(6, 4, (x) => (x < 3 ? 0 : 255)),
      paddle,
    );
    expect(feed.dims).toEqual([1, 3, 4, 8]);
    const data = Array.from(feed.data as Float32Array);
    for (let c = 0; c < 3; c++) {
      for (let y = 0; y < 4; y++) {
        expect(data.slice(c * 32 + y * 8, c * 32 + y * 8 + 8)).toEqual([-1, -1, -1, 1, 1, 1, 0, 0]);
      }
    }
  });
});

describe('detectors at the native aspect ratio (both sides dynamic)', () => {
  const det: ImagePreprocessing = {
    ...raw,
    width: 16,
    height: 16,
    dynamic: { width: { multipleOf: 4 }, height: { multipleOf: 4 } },
  };

  it('keeps a small picture at its size, rounded up to the multiples, stretched to fill (stretch)', () => {
    expect(planImage({ width: 10, height: 6 }, det)).toEqual({
      width: 12,
      height: 8,
      source: { x: 0, y: 0, width: 10, height: 6 },
      target: { x: 0, y: 0, width: 12, height: 8 },
    });
  });

  it('shrinks a large picture to fit the largest tensor, keeping its aspect ratio', () => {
    expect(planImage({ width: 40, height: 20 }, det)).toMatchObject({ width: 16, height: 8 });
    expect(planImage({ width: 20, height: 80 }, det)).toMatchObject({ width: 4, height: 16 });
  });

  it('pads instead of stretching with contain, so boxes map back by one factor', () => {
    const feed = imageToFeed(
      gray(10, 6, () => 50),
      { ...det, resize: 'contain' },
    );
    expect(rows(feed)).toEqual([
      ...Array(6).fill([...Array(10).fill(50), -1, -1]),
      ...Array(2).fill(Array(12).fill(-1)),
    ]);
  });
});

describe('fixed-size tensors: stretch, contain, cover', () => {
  const square: ImagePreprocessing = { ...raw, width: 2, height: 2 };
  const wide = gray(4, 2, (x) => 10 * x);

  it('stretches by default, as before', () => {
    expect(rows(imageToFeed(wide, square))).toEqual([
      [5, 25],
      [5, 25],
    ]);
  });

  it('contains the whole picture at the top-left and pads the rest', () => {
    expect(rows(imageToFeed(wide, { ...square, resize: 'contain' }))).toEqual([
      [5, 25],
      [-1, -1],
    ]);
  });

  it('covers the tensor and crops the overflow equally on both sides', () => {
    expect(planImage(wide, { ...square, resize: 'cover' }).source).toEqual({
      x: 1,
      y: 0,
      width: 2,
      height: 2,
    });
    // At factor 1 the 4×2 picture is 2 columns too wide: source columns 1 and 2 remain.
    expect(rows(imageToFeed(wide, { ...square, resize: 'cover' }))).toEqual([
      [10, 20],
      [10, 20],
    ]);
  });
});
