import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalBytes, keyIdOf, toBase64 } from '$shared';
import { controlEnvelope, controlPage, rollout } from './support/control-page.ts';
import { startStack, type Stack } from './support/stack.ts';

// The attack suite of issue 9 (acceptance): control metadata that is replayed (a lower version),
// expired, for another model, tampered with, or signed by another key reaches a device over SSE and
// over polling through a man in the middle (the counting proxy rewrites an SSE `data:` frame, or a
// poll's body). Each is refused with its code, surfaced as the model's `error` event, and the last
// good assignment keeps serving: no versionChanged, and run() succeeds on it.
let stack: Stack;
let page: ReturnType<typeof controlPage>;
const op = (operation: Parameters<typeof rollout>[1], input: Record<string, unknown>) =>
  rollout(stack.server, operation, { model: 'digits', ...input });
const withVersion = (version: string) => (manifest: Record<string, unknown>) => {
  manifest.version = version;
};

type Envelope = { signed: Record<string, unknown>; signatures: unknown[] };
type Sign = (signed: object) => string;

/** Signs envelopes with `privateKey` as server/signing does: Ed25519 over the canonical JSON of `signed`. */
async function signerOf(privateKey: KeyObject): Promise<Sign> {
  const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
  const keyid = await keyIdOf(new Uint8Array(spki.subarray(spki.length - 32)));
  return (signed) => {
    const sig = toBase64(new Uint8Array(sign(null, canonicalBytes(signed), privateKey)));
    return JSON.stringify({ signed, signatures: [{ keyid, sig }] });
  };
}

/** What the attacker holds: an older signed document, another model's, the server's key (for a document that expired), a key of its own. */
const held = { older: '', otherModel: '', serverKey: (() => '') as Sign, ownKey: (() => '') as Sign };
const HOUR_MS = 3600_000;

/** Each attack turns the current signed envelope of digits into what the device receives instead. */
const attacks: { name: string; code: string; message: RegExp; forge: (current: Envelope) => string }[] = [
  {
    name: 'replayed (a lower metadataVersion)',
    code: 'METADATA_STALE',
    message: /older than/,
    forge: () => held.older,
  },
  {
    // The current document as it would be once past its expiry: captured, then withheld (a freeze attack).
    name: 'expired',
    code: 'METADATA_EXPIRED',
    message: /expired at/,
    forge: ({ signed }) =>
      held.serverKey({
        ...signed,
        issuedAt: new Date(Date.now() - 2 * HOUR_MS).toISOString(),
        expires: new Date(Date.now() - HOUR_MS).toISOString(),
      }),
  },
  {
    name: 'for another model',
    code: 'SIGNATURE_INVALID',
    message: /breast-cancer/,
    forge: () => held.otherModel,
  },
  {
    name: 'tampered with',
    code: 'SIGNATURE_INVALID',
    message: /no valid signature by key/,
    forge: (envelope) => JSON.stringify({ ...envelope, signed: { ...envelope.signed, stable: '1.2.0' } }),
  },
  {
    name: 'signed by another key',
    code: 'SIGNATURE_INVALID',
    message: /no valid signature by key/,
    forge: ({ signed }) => held.ownKey(signed),
  },
];

/** A real change of digits' control that leaves every device's assignment as it is (1.2.0 never runs). */
let blocked = false;
async function harmlessChange() {
  await op(blocked ? 'unblock' : 'block', { version: '1.2.0' });
  blocked = !blocked;
}

/** How a forged envelope reaches the device. */
const transports = [
  {
    name: 'SSE',
    options: {},
    async deliver(forged: string) {
      // The next change's frame is swapped for the forgery on its way to the browser.
      stack.proxy.rewriteNextEvent(() => forged);
      await harmlessChange();
    },
  },
  {
    name: 'polling',
    options: { control: { pollIntervalMs: 200 } },
    async deliver(forged: string) {
      stack.proxy.tamperNext('/api/v1/control?models=digits', () =>
        JSON.stringify({ documents: [JSON.parse(forged)], missing: [] }),
      );
    },
  },
];

beforeAll(async () => {
  stack = await startStack();
  await stack.publish('models/digits');
  await stack.publish('models/breast-cancer');
  await stack.publishVariant('models/digits', withVersion('1.2.0'));
  held.older = await controlEnvelope(stack.server.url, 'digits');
  await op('setStable', { version: '1.1.0' }); // a newer document than the one held
  held.otherModel = await controlEnvelope(stack.server.url, 'breast-cancer');
  const keyFile = path.join(stack.server.dataDir, 'keys', 'ed25519.key');
  held.serverKey = await signerOf(createPrivateKey(readFileSync(keyFile)));
  held.ownKey = await signerOf(generateKeyPairSync('ed25519').privateKey);
  page = controlPage(stack.page);
  await page.goto(stack.site.url);
});
afterAll(() => stack?.close());

describe.each(transports)('control attacks over $name', (transport) => {
  const key = transport.name;

  beforeAll(async () => {
    // A proxy that refuses event streams: the client gives SSE up at once and polls.
    if (transport.name === 'polling') stack.proxy.block('/api/v1/events', 403);
    await page.open(key, stack.clientOptions(transport.options));
    expect(await page.load(key, { client: key, name: 'digits' })).toMatchObject({
      ok: true,
      version: '1.1.0',
      assignment: { reason: 'stable' },
    });
  });
  afterAll(async () => {
    await page.terminate(key);
    stack.proxy.block('/api/v1/events', null);
  });

  it.each(attacks.map((attack, index) => ({ ...attack, index })))(
    'refuses a document $name with $code and keeps serving the last good assignment',
    async ({ code, message, forge, index }) => {
      const current = JSON.parse(await controlEnvelope(stack.server.url, 'digits')) as Envelope;
      await transport.deliver(forge(current));
      const errors = await page.errors(key, index + 1);
      expect(errors).toHaveLength(index + 1);
      expect(errors[index]).toMatchObject({ code, message: expect.stringMatching(message) });
      const state = await page.state(key);
      expect(state.versionChanges).toEqual([]);
      expect(state.assignment).toMatchObject({ version: '1.1.0', reason: 'stable' });
      expect(await page.run(key)).toEqual({ ok: true });
    },
  );

  it(`received every forgery over ${transport.name}`, () => {
    const polls = stack.proxy.requests.filter((r) => r.path === '/api/v1/control?models=digits');
    if (transport.name === 'SSE') expect(polls).toEqual([]);
    else expect(polls.length).toBeGreaterThanOrEqual(attacks.length);
  });
});
