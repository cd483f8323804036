import { describe, expect, it } from 'vitest';
import { controlDocument, testSigner } from './signed-control.test-support.ts';
import { verifyControl } from './verify-control.ts';

const signer = testSigner();
const now = Date.parse('2026-12-01T12:00:00Z');
const key = { publicKey: signer.publicKey };

describe('verifyControl', () => {
  it('accepts a current document for the model asked for, equal to the highest seen included', async () => {
    const envelope = await signer.sign(controlDocument('digits'));
    await expect(verifyControl(envelope, key, { model: 'digits', now })).resolves.toMatchObject({
      model: 'digits',
      metadataVersion: 10,
    });
    await expect(
      verifyControl(envelope, key, { model: 'digits', highestSeen: 10, now }),
    ).resolves.toBeTruthy();
  });

  it('accepts a document signed before `yanked` existed (no field), reading it as none', async () => {
    const { yanked, ...older } = controlDocument('digits');
    expect(yanked).toEqual([]);
    const envelope = await signer.sign(older);
    expect(envelope.signed).not.toHaveProperty('yanked');
    await expect(verifyControl(envelope, key, { model: 'digits', now })).resolves.toMatchObject({
      yanked: [],
    });
  });

  it('refuses a document for another model with SIGNATURE_INVALID (mix-and-match)', async () => {
    const envelope = await signer.sign(controlDocument('breast-cancer'));
    await expect(verifyControl(envelope, key, { model: 'digits', now })).rejects.toMatchObject({
      code: 'SIGNATURE_INVALID',
      message: expect.stringContaining('breast-cancer'),
    });
  });

  it('refuses a lower metadataVersion than one seen with METADATA_STALE (rollback attack)', async () => {
    const envelope = await signer.sign(controlDocument('digits', { metadataVersion: 9 }));
    await expect(
      verifyControl(envelope, key, { model: 'digits', highestSeen: 10, now }),
    ).rejects.toMatchObject({
      code: 'METADATA_STALE',
    });
  });

  it('refuses an expired document with METADATA_EXPIRED (freeze attack)', async () => {
    const envelope = await signer.sign(controlDocument('digits', { expires: '2026-12-01T11:59:59.000Z' }));
    await expect(verifyControl(envelope, key, { model: 'digits', now })).rejects.toMatchObject({
      code: 'METADATA_EXPIRED',
    });
  });

  it('refuses a tampered document and one signed by another key with SIGNATURE_INVALID', async () => {
    const envelope = await signer.sign(controlDocument('digits'));
    const tampered = { ...envelope, signed: { ...envelope.signed, stable: '0.9.0' } };
    await expect(verifyControl(tampered, key, { model: 'digits', now })).rejects.toMatchObject({
      code: 'SIGNATURE_INVALID',
    });
    const foreign = await testSigner().sign(controlDocument('digits'));
    await expect(verifyControl(foreign, key, { model: 'digits', now })).rejects.toMatchObject({
      code: 'SIGNATURE_INVALID',
    });
  });

  it('refuses a signed manifest offered as a control document with MANIFEST_INVALID', async () => {
    const envelope = await signer.sign({ _type: 'ferry/manifest', name: 'digits' });
    await expect(verifyControl(envelope, key, { model: 'digits', now })).rejects.toMatchObject({
      code: 'MANIFEST_INVALID',
    });
  });
});
