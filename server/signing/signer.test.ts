import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { verifyEnvelope } from '$shared';
import { z } from 'zod';
import { ensureKeyPair } from './key-pair.ts';
import { createSigner, signToBody } from './signer.ts';

const dirs: string[] = [];
function keysDir() {
  const dir = mkdtempSync(path.join(tmpdir(), 'ferry-keys-'));
  dirs.push(dir);
  return path.join(dir, 'keys');
}
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('ensureKeyPair', () => {
  it('creates a private key readable only by its owner and loads the same key on the next start', () => {
    const dir = keysDir();
    const first = ensureKeyPair(dir);
    expect(first.created).toBe(true);
    expect(statSync(path.join(dir, 'ed25519.key')).mode & 0o777).toBe(0o600);
    const second = ensureKeyPair(dir);
    expect(second.created).toBe(false);
    expect(Buffer.from(second.rawPublicKey).equals(Buffer.from(first.rawPublicKey))).toBe(true);
  });
});

describe('createSigner', () => {
  it('signs envelopes that the shared verifier accepts with the published key', async () => {
    const signer = createSigner(ensureKeyPair(keysDir()));
    const envelope = signer.sign({ b: 2, a: [1, 'x'] });
    const value = await verifyEnvelope(envelope, z.object({ a: z.array(z.unknown()), b: z.number() }), {
      publicKey: signer.publicKey,
      keyid: signer.keyid,
    });
    expect(value).toEqual({ a: [1, 'x'], b: 2 });
  });

  it('produces signatures that fail verification after a one-byte change to the signed content', async () => {
    const signer = createSigner(ensureKeyPair(keysDir()));
    const envelope = signer.sign({ version: '1.0.0' });
    const tampered = { ...envelope, signed: { version: '1.0.1' } };
    await expect(
      verifyEnvelope(tampered, z.object({ version: z.string() }), { publicKey: signer.publicKey }),
    ).rejects.toMatchObject({ code: 'SIGNATURE_INVALID' });
  });
});

describe('signToBody', () => {
  it('stores the envelope as JSON whose sha256 is the digest it returns, and which verifies', async () => {
    const signer = createSigner(ensureKeyPair(keysDir()));
    const { envelope, envelopeSha256 } = signToBody(signer, { version: '1.0.0' });
    expect(envelopeSha256).toBe(createHash('sha256').update(envelope).digest('hex'));
    const value = await verifyEnvelope(JSON.parse(envelope), z.object({ version: z.string() }), signer);
    expect(value).toEqual({ version: '1.0.0' });
  });
});
