import { describe, expect, it } from 'vitest';
import { scaleBoxes, textBoxes } from './text-boxes.ts';

/** A width×height map with `value` on the given rectangles (x0, y0, x1, y1 inclusive). */
function map(width: number, height: number, rects: [number, number, number, number, number][]): Float32Array {
  const out = new Float32Array(width * height);
  for (const [x0, y0, x1, y1, value] of rects) {
    for (let y = y0; y <= y1; y++) for (let x = x0; x <= x1; x++) out[y * width + x] = value;
  }
  return out;
}

describe('textBoxes', () => {
  it('grows a confident region by area × 1.5 / perimeter and clips it to the map', () => {
    const boxes = textBoxes(map(10, 6, [[2, 1, 5, 3, 0.9]]), { width: 10, height: 6 }, 0.3);
    // 4×3 region: unclip distance 4·3·1.5 / (2·7) = 1.285714…
    expect(boxes).toHaveLength(1);
    expect(boxes[0]?.x).toBeCloseTo(2 - 18 / 14, 5);
    expect(boxes[0]?.y).toBe(0);
    expect(boxes[0]?.width).toBeCloseTo(6 + 18 / 14 - (2 - 18 / 14), 4);
    expect(boxes[0]?.height).toBeCloseTo(4 + 18 / 14, 4);
    expect(boxes[0]?.score).toBeCloseTo(0.9, 6);
  });

  it('drops regions thinner than 3 pixels or less confident than 0.6, and sorts the rest', () => {
    const boxes = textBoxes(
      map(20, 20, [
        [0, 0, 19, 0, 0.95], // one pixel high
        [2, 4, 8, 8, 0.5], // above the threshold but not confident
        [12, 10, 16, 13, 0.8],
        [2, 10, 6, 13, 0.7],
      ]),
      { width: 20, height: 20 },
      0.3,
    );
    expect(boxes.map((b) => b.score)).toEqual([expect.closeTo(0.7, 5), expect.closeTo(0.8, 5)]);
  });

  it('keeps regions that touch only diagonally apart (4-connectivity)', () => {
    const boxes = textBoxes(
      map(12, 12, [
        [0, 0, 3, 3, 0.9],
        [4, 4, 7, 7, 0.9],
      ]),
      { width: 12, height: 12 },
      0.3,
    );
    expect(boxes).toHaveLength(2);
  });
});

describe('scaleBoxes', () => {
  it('maps boxes from the model input back to the original image', () => {
    const [box] = scaleBoxes(
      [{ x: 10, y: 20, width: 30, height: 40, score: 0.9 }],
      { width: 320, height: 320 },
      {
        width: 640,
        height: 160,
      },
    );
    expect(box).toEqual({ x: 20, y: 10, width: 60, height: 20, score: 0.9 });
  });
});
