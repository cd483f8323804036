// Test support only (imported by *.test.ts, never by the worker): control documents signed with
// a throwaway Ed25519 key, as the server signs them.
import { generateKeyPairSync, sign } from 'node:crypto';
import { toBase64 } from '$shared/encoding/bytes.ts';
import type { ControlDocument } from '$shared/schemas/control.ts';
import { canonicalBytes } from '$shared/signing/canonical-json.ts';
import { keyIdOf } from '$shared/signing/verify.ts';

/** A signing key and the pinned form a client gets of it. */
export interface TestSigner {
  publicKey: string;
  sign(signed: object): Promise<{ signed: object; signatures: { keyid: string; sig: string }[] }>;
}

/** A fresh Ed25519 key that signs envelopes the way server/signing does (canonical JSON of `signed`). */
export function testSigner(): TestSigner {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const spki = publicKey.export({ format: 'der', type: 'spki' });
  const raw = new Uint8Array(spki.subarray(spki.length - 32));
  return {
    publicKey: toBase64(raw),
    async sign(signed) {
      const sig = toBase64(new Uint8Array(sign(null, canonicalBytes(signed), privateKey)));
      return { signed, signatures: [{ keyid: await keyIdOf(raw), sig }] };
    },
  };
}

/** A valid control document for `model`, expiring a day after `now`, with `overrides` applied. */
export function controlDocument(
  model: string,
  overrides: Partial<ControlDocument> = {},
  now = Date.parse('2026-12-01T00:00:00Z'),
): ControlDocument {
  return {
    _type: 'ferry/control',
    schemaVersion: 1,
    model,
    metadataVersion: 10,
    issuedAt: new Date(now).toISOString(),
    expires: new Date(now + 86_400_000).toISOString(),
    stable: '1.0.0',
    rollout: null,
    blocked: [],
    yanked: [],
    lastChange: { action: 'created', at: new Date(now).toISOString() },
    ...overrides,
  };
}

/** A rollout of `candidate` to `basisPoints` with a fixed salt and no targeting unless given. */
export function rolloutOf(
  candidate: string,
  basisPoints: number,
  extra: Partial<NonNullable<ControlDocument['rollout']>> = {},
): NonNullable<ControlDocument['rollout']> {
  return {
    id: 'rollout-0001',
    candidate,
    basisPoints,
    salt: '0123456789abcdef0123456789abcdef',
    targeting: [],
    startedAt: '2026-12-01T00:00:00.000Z',
    ...extra,
  };
}
