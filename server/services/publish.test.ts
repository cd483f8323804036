import { writeFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ONNXRUNTIME_VERSION, verifyManifest } from '$shared';
import { createTempDeps, type TempDeps } from '../testing/temp-deps.ts';
import { tinyDir, tinyManifest, uploadTiny } from '../testing/tiny-bundle.ts';
import { listAudit } from './audit.ts';
import { systemActor } from './deps.ts';
import { publishVersion } from './publish.ts';
import { getEnvelope, publishedBlobSize } from './registry.ts';

let deps: TempDeps;
beforeEach(() => {
  deps = createTempDeps();
});
afterEach(() => deps.dispose());

describe('publishVersion', () => {
  it('stores a manifest signed by the server key with each file’s sha256 and size', async () => {
    const files = await uploadTiny(deps);
    const result = await publishVersion(deps, { manifest: tinyManifest(), files }, systemActor);
    expect(result).toMatchObject({ name: 'tiny', version: '1.0.0', metadataVersion: 1 });
    const envelope = JSON.parse(getEnvelope(deps.db, 'tiny', '1.0.0').body);
    const manifest = await verifyManifest(envelope, { publicKey: deps.signer.publicKey });
    const compiled = manifest.files[0]?.compiled;
    expect(manifest.files).toEqual([
      { path: 'model.onnx', role: 'onnx', sha256: files[0]?.sha256, size: files[0]?.size, compiled },
      { path: 'labels.txt', role: 'labels', sha256: files[1]?.sha256, size: files[1]?.size },
    ]);
    expect(publishedBlobSize(deps.db, files[0]?.sha256 ?? '')).toBe(files[0]?.size);
    // The compiled form (server/compile/) is served like the files, by the digest the manifest signs.
    expect(compiled).toMatchObject({ format: 'ort', onnxruntime: ONNXRUNTIME_VERSION });
    expect(publishedBlobSize(deps.db, compiled?.sha256 ?? '')).toBe(compiled?.size);
    expect(listAudit(deps.db, { limit: 10 })[0]).toMatchObject({
      action: 'version.publish',
      target: 'tiny@1.0.0',
    });
  });

  it('names the same compiled form in a later version with the same ONNX file, so devices keep it', async () => {
    const files = await uploadTiny(deps);
    await publishVersion(deps, { manifest: tinyManifest(), files }, systemActor);
    await publishVersion(deps, { manifest: { ...tinyManifest(), version: '1.1.0' }, files }, systemActor);
    const compiledOf = async (version: string) => {
      const envelope = JSON.parse(getEnvelope(deps.db, 'tiny', version).body);
      return (await verifyManifest(envelope, { publicKey: deps.signer.publicKey })).files[0]?.compiled;
    };
    const first = await compiledOf('1.0.0');
    expect(first).toBeDefined();
    expect(await compiledOf('1.1.0')).toEqual(first);
  });

  it('publishes the files alone when FERRY_COMPILE_MODELS is off', async () => {
    const files = await uploadTiny(deps);
    await publishVersion({ ...deps, compileModels: false }, { manifest: tinyManifest(), files }, systemActor);
    const envelope = JSON.parse(getEnvelope(deps.db, 'tiny', '1.0.0').body);
    const manifest = await verifyManifest(envelope, { publicKey: deps.signer.publicKey });
    expect(manifest.files.map((file) => file.compiled)).toEqual([undefined, undefined]);
  });

  it('refuses to publish a version that already exists (VERSION_EXISTS) and leaves it unchanged', async () => {
    const files = await uploadTiny(deps);
    await publishVersion(deps, { manifest: tinyManifest(), files }, systemActor);
    const before = getEnvelope(deps.db, 'tiny', '1.0.0').body;
    const changed = { ...tinyManifest(), description: 'something else' };
    await expect(publishVersion(deps, { manifest: changed, files }, systemActor)).rejects.toMatchObject({
      code: 'VERSION_EXISTS',
      message: expect.stringContaining('tiny@1.0.0'),
    });
    expect(getEnvelope(deps.db, 'tiny', '1.0.0').body).toBe(before);
  });

  it('gives every publish a higher metadataVersion', async () => {
    const files = await uploadTiny(deps);
    const first = await publishVersion(deps, { manifest: tinyManifest(), files }, systemActor);
    const second = await publishVersion(
      deps,
      { manifest: { ...tinyManifest(), version: '1.1.0' }, files },
      systemActor,
    );
    expect(second.metadataVersion).toBeGreaterThan(first.metadataVersion);
  });

  it('names the input when the declared signature differs from the ONNX graph', async () => {
    const files = await uploadTiny(deps);
    const manifest = tinyManifest();
    manifest.signature.inputs[0] = { name: 'pixels', type: 'float32', shape: ['batch', 4] };
    await expect(publishVersion(deps, { manifest, files }, systemActor)).rejects.toMatchObject({
      code: 'SIGNATURE_MISMATCH',
      message: 'signature.inputs[0].name: declared "pixels" but model.onnx has "features"',
    });
    expect(publishedBlobSize(deps.db, files[0]?.sha256 ?? '')).toBeNull();
  });

  it('names the file when an ONNX file is truncated', async () => {
    const truncated = path.join(deps.dataDir, 'truncated.onnx');
    writeFileSync(truncated, readFileSync(path.join(tinyDir, 'model.onnx')).subarray(0, 100));
    const files = [await deps.upload(truncated, 'model.onnx'), (await uploadTiny(deps))[1]!];
    await expect(
      publishVersion(deps, { manifest: tinyManifest(), files }, systemActor),
    ).rejects.toMatchObject({
      code: 'ONNX_INVALID',
      message: expect.stringMatching(/^model\.onnx: not a loadable ONNX model/),
    });
  });

  it('refuses a file that was never uploaded, naming it', async () => {
    const [model] = await uploadTiny(deps);
    const files = [model!, { path: 'labels.txt', sha256: 'f'.repeat(64), size: 3 }];
    await expect(
      publishVersion(deps, { manifest: tinyManifest(), files }, systemActor),
    ).rejects.toMatchObject({
      code: 'BLOB_NOT_FOUND',
      message: expect.stringContaining('labels.txt'),
    });
  });

  it('refuses a file over the size limit, naming it', async () => {
    const small = createTempDeps({ maxFileBytes: 200 });
    try {
      const files = await uploadTiny(deps);
      await expect(
        publishVersion(small, { manifest: tinyManifest(), files }, systemActor),
      ).rejects.toMatchObject({
        code: 'PAYLOAD_TOO_LARGE',
        message: expect.stringContaining('model.onnx'),
      });
    } finally {
      small.dispose();
    }
  });

  it('refuses an invalid manifest, naming the field', async () => {
    const files = await uploadTiny(deps);
    const manifest = { ...tinyManifest(), version: 'one' };
    await expect(publishVersion(deps, { manifest, files }, systemActor)).rejects.toMatchObject({
      code: 'MANIFEST_INVALID',
      message: expect.stringMatching(/^manifest\.version: /),
    });
  });

  /** The tiny bundle plus a `reference` file holding `profile`, uploaded. */
  async function withReference(profile: unknown) {
    const reference = path.join(deps.dataDir, 'reference.json');
    writeFileSync(reference, JSON.stringify(profile));
    const files = [...(await uploadTiny(deps)), await deps.upload(reference, 'reference.json')];
    const manifest = tinyManifest();
    manifest.files.push({ path: 'reference.json', role: 'reference' });
    return { manifest, files };
  }

  it('refuses a reference file that is not a reference profile, naming the file and field', async () => {
    const input = await withReference({
      sampleCount: 10,
      features: [{ name: 'x', kind: 'numeric', edges: [0, 1], counts: [1, 2] }],
    });
    await expect(publishVersion(deps, input, systemActor)).rejects.toMatchObject({
      code: 'MANIFEST_INVALID',
      message: 'reference.json: features.0.edges: must have exactly one more entry than counts',
    });
    expect(publishedBlobSize(deps.db, input.files[2]?.sha256 ?? '')).toBeNull();
  });

  it('publishes a bundle with a valid reference profile file', async () => {
    const input = await withReference({
      sampleCount: 3,
      features: [{ name: 'x', kind: 'numeric', edges: [0, 1, 2], counts: [1, 2] }],
    });
    await expect(publishVersion(deps, input, systemActor)).resolves.toMatchObject({ version: '1.0.0' });
  });
});
