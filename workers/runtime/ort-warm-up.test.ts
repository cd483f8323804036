import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { IDENTITY_MODEL } from './ort-warm-up.ts';

describe('IDENTITY_MODEL', () => {
  it('is a valid ONNX model that onnxruntime loads and runs as y = x', async () => {
    const session = await ort.InferenceSession.create(IDENTITY_MODEL);
    try {
      expect(session.inputNames).toEqual(['x']);
      expect(session.outputNames).toEqual(['y']);
      const x = new ort.Tensor('float32', new Float32Array([3, -1.5]), [2]);
      const { y } = await session.run({ x });
      expect(Array.from(y!.data as Float32Array)).toEqual([3, -1.5]);
    } finally {
      await session.release();
    }
  });
});
