import { generateKeyPairSync, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { toBase64 } from '../encoding/bytes.ts';
import { PublishedManifest } from '../schemas/manifest.ts';
import { canonicalBytes, canonicalJson } from './canonical-json.ts';
import { keyIdOf, verifyEnvelope, verifyManifest } from './verify.ts';

function makeKey() {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const spki = publicKey.export({ format: 'der', type: 'spki' });
  return { raw: new Uint8Array(spki.subarray(spki.length - 32)), privateKey };
}

const manifest = {
  _type: 'ferry/manifest',
  schemaVersion: 1,
  name: 'digits',
  version: '1.0.0',
  task: 'image-classification',
  description: 'Handwritten digit classifier',
  license: 'MIT',
  source: { description: 'scikit-learn digits' },
  signature: {
    inputs: [{ name: 'pixels', type: 'float32', shape: ['batch', 1, 8, 8] }],
    outputs: [{ name: 'logits', type: 'float32', shape: ['batch', 10] }],
  },
  runtime: { executionProviders: ['wasm'], dtype: 'fp32', requirements: { webgpu: false } },
  preprocessing: { kind: 'none' },
  postprocessing: { kind: 'softmax' },
  files: [{ path: 'model.onnx', role: 'onnx', sha256: 'a'.repeat(64), size: 41000 }],
  metadataVersion: 3,
  publishedAt: '2026-11-25T12:00:00.000Z',
  status: 'published',
};

async function signedManifest(signed: unknown = manifest) {
  const key = makeKey();
  const keyid = await keyIdOf(key.raw);
  const sig = sign(null, canonicalBytes(signed), key.privateKey);
  return { key, keyid, envelope: { signed, signatures: [{ keyid, sig: toBase64(new Uint8Array(sig)) }] } };
}

describe('canonicalJson', () => {
  it('sorts keys and formats numbers as RFC 8785 requires', () => {
    // RFC 8785 §3.2.3 example values.
    expect(canonicalJson({ b: [1e21, 1e-7, 0.000001, -0], a: 'é\u000f' })).toBe(
      '{"a":"é\\u000f","b":[1e+21,1e-7,0.000001,0]}',
    );
  });
});

describe('verifyManifest', () => {
  it('accepts a manifest signed by the trusted key', async () => {
    const { key, envelope } = await signedManifest();
    const verified = await verifyManifest(envelope, { publicKey: toBase64(key.raw) });
    expect(verified).toEqual(PublishedManifest.parse(manifest));
  });

  it('rejects a manifest whose serialised bytes changed by one byte', async () => {
    const { key, envelope } = await signedManifest();
    const text = JSON.stringify(envelope);
    const at = text.indexOf('"1.0.0"') + 1;
    const tampered = JSON.parse(`${text.slice(0, at)}2${text.slice(at + 1)}`);
    expect(tampered.signed.version).toBe('2.0.0');
    await expect(verifyManifest(tampered, { publicKey: key.raw })).rejects.toMatchObject({
      code: 'SIGNATURE_INVALID',
    });
  });

  it('rejects a signature by another key', async () => {
    const { envelope } = await signedManifest();
    const other = makeKey();
    await expect(verifyManifest(envelope, { publicKey: other.raw })).rejects.toMatchObject({
      code: 'SIGNATURE_INVALID',
    });
  });

  it('rejects a pinned keyid that does not match the key', async () => {
    const { key, envelope } = await signedManifest();
    await expect(
      verifyManifest(envelope, { publicKey: key.raw, keyid: 'b'.repeat(64) }),
    ).rejects.toMatchObject({
      code: 'INVALID_INPUT',
    });
  });

  it('rejects validly signed content that is not a manifest', async () => {
    const { key, envelope } = await signedManifest({ hello: 'world' });
    await expect(verifyEnvelope(envelope, PublishedManifest, { publicKey: key.raw })).rejects.toMatchObject({
      code: 'MANIFEST_INVALID',
    });
  });

  it('rejects something that is not an envelope', async () => {
    const { key } = await signedManifest();
    await expect(verifyManifest({ signed: manifest }, { publicKey: key.raw })).rejects.toMatchObject({
      code: 'SIGNATURE_INVALID',
    });
  });
});
