import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { verifyFileBytes } from './integrity.ts';

const bytes = new TextEncoder().encode('weights');
const sha256 = createHash('sha256').update(bytes).digest('hex');

describe('verifyFileBytes', () => {
  it('accepts bytes whose digest and size match the manifest', async () => {
    await expect(verifyFileBytes(bytes, { path: 'model.onnx', sha256, size: 7 })).resolves.toBeUndefined();
  });

  it('names the file when one byte differs', async () => {
    const altered = bytes.slice();
    altered[0] = 0x57;
    await expect(verifyFileBytes(altered, { path: 'model.onnx', sha256, size: 7 })).rejects.toMatchObject({
      code: 'INTEGRITY_MISMATCH',
      message: expect.stringContaining('model.onnx'),
      details: { path: 'model.onnx', expected: sha256 },
    });
  });

  it('names the file when the size differs', async () => {
    await expect(verifyFileBytes(bytes, { path: 'vocab.txt', sha256, size: 8 })).rejects.toMatchObject({
      code: 'INTEGRITY_MISMATCH',
      details: { path: 'vocab.txt', expectedSize: 8, actualSize: 7 },
    });
  });
});
