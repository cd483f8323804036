import { describe, expect, it } from 'vitest';
import { BundleManifest, type BundleManifestInput } from '$shared';
import { manifestVerdict as verdict } from '../testing/manifest-verdict.ts';

/** A PaddleOCR-recogniser-like bundle: x is [batch, 3, 48, width], 48 high and up to 320 wide. */
function recogniser(
  edit: (m: BundleManifestInput & { preprocessing: Record<string, unknown> }) => void = () => {},
) {
  const manifest = {
    schemaVersion: 1,
    name: 'rec',
    version: '1.0.0',
    task: 'custom',
    description: 'a text line recogniser',
    license: 'Apache-2.0',
    source: { description: 'test' },
    files: [{ path: 'model.onnx', role: 'onnx' }],
    signature: {
      inputs: [{ name: 'x', type: 'float32', shape: ['batch', 3, 48, 'width'] }],
      outputs: [{ name: 'probs', type: 'float32', shape: ['batch', 'steps', 10] }],
    },
    preprocessing: {
      kind: 'image',
      input: 'x',
      height: 48,
      width: 320,
      dynamic: { width: { multipleOf: 8 } },
      resize: 'contain',
      channels: 3,
    },
  } as BundleManifestInput & { preprocessing: Record<string, unknown> };
  edit(manifest);
  return manifest;
}

describe('publishing checks image preprocessing against its input', () => {
  it('accepts a fixed height where the input fixes it and a dynamic width where it is symbolic', () => {
    expect(verdict(recogniser())).toBe('ok');
    expect(BundleManifest.parse(recogniser()).preprocessing).toMatchObject({ resize: 'contain', pad: 0 });
  });

  it('refuses a preprocessing input the signature does not declare', () => {
    expect(verdict(recogniser((m) => (m.preprocessing.input = 'image')))).toBe(
      'manifest.preprocessing.input: image is not an input of the signature (inputs: x)',
    );
  });

  it('refuses a size or channel count that differs from a dimension the input fixes, naming both', () => {
    expect(verdict(recogniser((m) => (m.preprocessing.height = 32)))).toBe(
      'manifest.preprocessing.height: 32, but input x fixes its height at 48 (signature.inputs.0.shape.2)',
    );
    expect(verdict(recogniser((m) => (m.preprocessing.channels = 1)))).toBe(
      'manifest.preprocessing.channels: 1, but input x fixes its channels at 3 (signature.inputs.0.shape.1)',
    );
  });

  it('refuses a dynamic side where the input fixes the dimension', () => {
    const fixedWidth = recogniser((m) => {
      m.signature.inputs[0]!.shape = ['batch', 3, 48, 320];
    });
    expect(verdict(fixedWidth)).toBe(
      'manifest.preprocessing.dynamic.width: input x fixes its width at 320 (signature.inputs.0.shape.3); a dynamic width needs a symbolic dimension there',
    );
  });

  it('reads NHWC inputs as [batch, height, width, channels]', () => {
    const nhwc = recogniser((m) => {
      m.signature.inputs[0]!.shape = ['batch', 48, 'width', 3];
      m.preprocessing.layout = 'NHWC';
    });
    expect(verdict(nhwc)).toBe('ok');
    nhwc.signature.inputs[0]!.shape = ['batch', 48, 'width', 1];
    expect(verdict(nhwc)).toMatch(
      /^manifest\.preprocessing\.channels: 3, but input x fixes its channels at 1/,
    );
  });
});
