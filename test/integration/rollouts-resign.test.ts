import { setTimeout as sleep } from 'node:timers/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { ControlDocument, verifyEnvelope } from '$shared';
import { tinyDir } from '../../server/testing/tiny-bundle.ts';
import { publishOverHttp } from '../support/registry-http.ts';
import { useFerryServer } from '../support/use-ferry-server.ts';

// Documents live 2 s; the re-signer looks every 200 ms and renews those with under 1 s left.
const server = useFerryServer({
  env: { FERRY_CONTROL_LIFETIME_MS: '2000', FERRY_CONTROL_RESIGN_INTERVAL_MS: '200' },
});

async function served() {
  const response = await fetch(`${server().url}/api/v1/models/tiny/control`);
  return verifyEnvelope(await response.json(), ControlDocument, { publicKey: server().publicKey });
}

beforeAll(async () => {
  expect((await publishOverHttp(server().url, server().adminToken, tinyDir)).status).toBe(200);
});

describe('the re-signer', () => {
  it('re-signs a document before it expires, with a higher metadataVersion and a later expires', async () => {
    const first = await served();
    expect(Date.parse(first.expires) - Date.parse(first.issuedAt)).toBe(2000);
    let next = first;
    while (next.metadataVersion === first.metadataVersion) {
      await sleep(50);
      next = await served();
    }
    expect(next.metadataVersion).toBeGreaterThan(first.metadataVersion);
    expect(Date.parse(next.expires)).toBeGreaterThan(Date.parse(first.expires));
    // Same state and last change: only the validity moved.
    expect({ ...next, metadataVersion: 0, issuedAt: '', expires: '' }).toEqual({
      ...first,
      metadataVersion: 0,
      issuedAt: '',
      expires: '',
    });
  });

  it('refuses a re-sign interval that would let documents expire', async () => {
    const { loadConfig } = await import('../../server/config.ts');
    expect(() =>
      loadConfig({ FERRY_CONTROL_LIFETIME_MS: '1000', FERRY_CONTROL_RESIGN_INTERVAL_MS: '600' }),
    ).toThrow(/FERRY_CONTROL_RESIGN_INTERVAL_MS: must be less than half/);
  });
});
