import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalBytes, keyIdOf, toBase64 } from '$shared';
import { controlEnvelope, controlPage, rollout, until } from './support/control-page.ts';
import { startStack, type Stack } from './support/stack.ts';

// The attack suite of issue 9 (acceptance): control metadata that is replayed (a lower version),
// expired, for another model, tampered with, or signed by another key reaches a device over SSE,
// over polling and on a load, through a man in the middle (the counting proxy rewrites an SSE
// `data:` frame, a poll's body, or the control route's). Each is refused with its code, surfaced as the model's `error` event, and the last
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

/** Answers of the control route so far (a response is counted once it ended). */
const controlAnswers = () =>
  stack.proxy.requests.filter((r) => r.path === '/api/v1/models/digits/control').length;

/**
 * Loads digits as handle `key` on the client `a load` and waits until the control route answered
 * the load's own check: a warm load asks after ready(), in the background, and a forgery armed
 * before that answer would meet this load's check instead of the next one's.
 */
async function loadAndSettle(key: string) {
  const asked = controlAnswers();
  const loaded = await page.load(key, { client: 'a load', name: 'digits' });
  await until(() => controlAnswers() > asked);
  return loaded;
}

/** A real change of digits' control that leaves every device's assignment as it is (1.2.0 never runs). */
let blocked = false;
async function harmlessChange() {
  await op(blocked ? 'unblock' : 'block', { version: '1.2.0' });
  blocked = !blocked;
}

/**
 * How a forged envelope reaches the device, and which model handle then reports it: the one loaded
 * first (its `index + 1`th error) for the feed, a handle loaded on purpose (its first) for a load.
 */
const transports: {
  name: string;
  options: Record<string, unknown>;
  deliver(forged: string, index: number): Promise<{ key: string; nth: number }>;
}[] = [
  {
    name: 'SSE',
    options: {},
    async deliver(forged, index) {
      // The next change's frame is swapped for the forgery on its way to the browser.
      stack.proxy.rewriteNextEvent(() => forged);
      await harmlessChange();
      return { key: 'SSE', nth: index + 1 };
    },
  },
  {
    name: 'polling',
    options: { control: { pollIntervalMs: 200 } },
    async deliver(forged, index) {
      stack.proxy.tamperNext('/api/v1/control?models=digits', () =>
        JSON.stringify({ documents: [JSON.parse(forged)], missing: [] }),
      );
      return { key: 'polling', nth: index + 1 };
    },
  },
  {
    name: 'a load',
    options: {},
    async deliver(forged, index) {
      stack.proxy.tamperNext('/api/v1/models/digits/control', () => forged);
      const key = `load-${index}`;
      expect(await loadAndSettle(key)).toMatchObject({ ok: true, version: '1.1.0' });
      return { key, nth: 1 };
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
    const load =
      transport.name === 'a load' ? loadAndSettle(key) : page.load(key, { client: key, name: 'digits' });
    expect(await load).toMatchObject({
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
      const { key: handle, nth } = await transport.deliver(forge(current), index);
      const errors = await page.errors(handle, nth);
      expect(errors).toHaveLength(nth);
      expect(errors[nth - 1]).toMatchObject({ code, message: expect.stringMatching(message) });
      const state = await page.state(handle);
      expect(state.versionChanges).toEqual([]);
      expect(state.assignment).toMatchObject({ version: '1.1.0', reason: 'stable' });
      expect(await page.run(handle)).toEqual({ ok: true });
    },
  );

  it(`received every forgery over ${transport.name}`, () => {
    const polls = stack.proxy.requests.filter((r) => r.path === '/api/v1/control?models=digits');
    if (transport.name === 'SSE') expect(polls).toEqual([]);
    if (transport.name === 'polling') expect(polls.length).toBeGreaterThanOrEqual(attacks.length);
  });
});
