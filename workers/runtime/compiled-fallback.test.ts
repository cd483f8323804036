import { describe, expect, it } from 'vitest';
import { ErrorCode, FerryError } from '$shared/errors.ts';
import { publishedExample } from '../telemetry/example-manifests.test-support.ts';
import type { OriginalFiles } from '../loader/original-files.ts';
import { createWithFallback, type EngineBundle } from './compiled-fallback.ts';

const bytes = (text: string) => new TextEncoder().encode(text);
const manifest = publishedExample('digits');
const originals: OriginalFiles = {
  files: new Map([['model.onnx', bytes('original')]]),
  bytesDownloaded: 8,
  cache: { persisted: true },
};

/** A bundle delivered compiled, counting how often its originals are asked for. */
function compiledBundle() {
  const asked = { originals: 0 };
  const bundle = {
    manifest,
    files: new Map([['model.onnx', bytes('compiled')]]),
    compiled: new Set(['model.onnx']),
    original: async () => {
      asked.originals++;
      return originals;
    },
  };
  return { bundle, asked };
}

/** An engine factory that refuses compiled forms with `code`; the engine is the bytes it ran. */
const refusingCompiled = (code: string) => async (b: EngineBundle) => {
  if (b.compiled.size > 0) throw new FerryError(code as ErrorCode, 'model.onnx: cannot load it');
  return new TextDecoder().decode(b.files.get('model.onnx'));
};

describe('createWithFallback', () => {
  it('builds the engine from the compiled forms when they load, asking for no original', async () => {
    const { bundle, asked } = compiledBundle();
    const built = await createWithFallback(bundle, async (b) => [...b.compiled]);
    expect(built).toEqual({ engine: ['model.onnx'] });
    expect(asked.originals).toBe(0);
  });

  it('builds it from the original files, as not compiled, when a compiled form is ONNX_INVALID', async () => {
    const { bundle, asked } = compiledBundle();
    const built = await createWithFallback(bundle, refusingCompiled(ErrorCode.ONNX_INVALID));
    expect(built).toEqual({ engine: 'original', original: originals });
    expect(asked.originals).toBe(1);
  });

  it('throws any other failure, and an ONNX_INVALID of a bundle that was not compiled', async () => {
    const { bundle, asked } = compiledBundle();
    await expect(
      createWithFallback(bundle, refusingCompiled(ErrorCode.BACKEND_UNAVAILABLE)),
    ).rejects.toMatchObject({ code: ErrorCode.BACKEND_UNAVAILABLE });
    const plain = { manifest, files: bundle.files, compiled: new Set<string>() };
    const invalid = async () => {
      throw new FerryError(ErrorCode.ONNX_INVALID, 'model.onnx: cannot load it');
    };
    await expect(createWithFallback(plain, invalid)).rejects.toMatchObject({ code: ErrorCode.ONNX_INVALID });
    expect(asked.originals).toBe(0);
  });

  it("throws the originals' own failure when they cannot be had either", async () => {
    const { bundle } = compiledBundle();
    bundle.original = async () => {
      throw new FerryError(ErrorCode.NETWORK_ERROR, 'model.onnx: download failed');
    };
    await expect(createWithFallback(bundle, refusingCompiled(ErrorCode.ONNX_INVALID))).rejects.toMatchObject({
      code: ErrorCode.NETWORK_ERROR,
    });
  });
});
