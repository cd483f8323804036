import { describe, expect, it, onTestFinished } from 'vitest';
import type { ControlDocument } from '$shared/schemas/control.ts';
import { createController, type ControlEvent } from './controller.ts';
import { controlDocument, rolloutOf, testSigner } from './signed-control.test-support.ts';
import { createMemoryStateStore, type ControlStateStore } from './state-store.ts';
import type { DeviceFacts } from './targeting.ts';

const signer = testSigner();
const SERVER = 'https://ferry.test/';
const facts: DeviceFacts = { webgpu: false, webgpuFeatures: [], crossOriginIsolated: true, attributes: {} };

/** A control server in memory answering the two control routes with signed envelopes. */
function controlServer() {
  const envelopes = new Map<string, unknown>();
  let replay: unknown;
  const fetchFn = (async (input: RequestInfo | URL) => {
    const url = new URL(String(input));
    const json = (body: unknown, status = 200) =>
      new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
    const single = /^\/api\/v1\/models\/([^/]+)\/control$/.exec(url.pathname);
    if (single) {
      const envelope = replay ?? envelopes.get(decodeURIComponent(single[1]!));
      replay = undefined;
      return envelope
        ? json(envelope)
        : json({ error: { code: 'MODEL_NOT_FOUND', message: 'no such model' } }, 404);
    }
    if (url.pathname === '/api/v1/control') {
      const names = url.searchParams.get('models')!.split(',');
      const documents = replay ? [replay] : names.map((n) => envelopes.get(n)).filter(Boolean);
      replay = undefined;
      return json({ documents, missing: [] });
    }
    return json({ error: { code: 'NOT_FOUND', message: 'no route' } }, 404);
  }) as typeof fetch;
  return {
    fetch: fetchFn,
    async set(document: ControlDocument) {
      const envelope = await signer.sign(document);
      envelopes.set(document.model, envelope);
      return envelope;
    },
    /** The next answer, whatever is asked, is this envelope (a man in the middle). */
    replayNext(envelope: unknown) {
      replay = envelope;
    },
  };
}

function controller(
  server: ReturnType<typeof controlServer>,
  extra: {
    onExpired?: 'keep-last' | 'stop';
    now?: () => number;
    store?: ControlStateStore;
    fetch?: typeof fetch;
    pollIntervalMs?: number;
    firstContactRetryMs?: readonly number[];
  } = {},
) {
  const store = extra.store ?? createMemoryStateStore();
  const control = createController({
    serverUrl: SERVER,
    key: { publicKey: signer.publicKey },
    settings: {
      onExpired: extra.onExpired ?? 'keep-last',
      pollIntervalMs: extra.pollIntervalMs ?? 5,
      attributes: {},
    },
    store,
    fetch: extra.fetch ?? server.fetch,
    readFacts: async () => facts,
    ...(extra.now ? { now: extra.now } : {}),
    ...(extra.firstContactRetryMs ? { firstContactRetryMs: extra.firstContactRetryMs } : {}),
  });
  onTestFinished(() => control.stop());
  return { control, store };
}

const nextEvent = (control: ReturnType<typeof createController>, name: string) =>
  new Promise<ControlEvent>((resolve) => {
    const stop = control.follow({ name }, (event) => {
      stop();
      resolve(event);
    });
  });

const now = Date.parse('2026-12-01T12:00:00Z');

describe('createController', () => {
  it('assigns from the fetched document and remembers it as the highest seen', async () => {
    const server = controlServer();
    await server.set(controlDocument('digits', { rollout: rolloutOf('1.1.0', 10_000) }, now));
    const { control, store } = controller(server, { now: () => now });
    const resolved = await control.resolve({ name: 'digits' });
    expect(resolved.assignment).toMatchObject({ version: '1.1.0', reason: 'in-rollout' });
    expect(await store.record('digits')).toMatchObject({ highestSeen: 10 });
  });

  it('loads a model without control as before (no-control)', async () => {
    const { control } = controller(controlServer(), { now: () => now });
    expect((await control.resolve({ name: 'digits' })).assignment).toMatchObject({
      version: null,
      reason: 'no-control',
    });
  });

  it('asks the control route again when a device with no document cannot reach it, before loading as no-control', async () => {
    const server = controlServer();
    await server.set(controlDocument('digits', { stable: '1.2.0' }, now));
    let failures = 2;
    const asked: string[] = [];
    const flaky = (async (input: RequestInfo | URL, init?: RequestInit) => {
      asked.push(String(input));
      if (failures-- > 0) throw new TypeError('Failed to fetch');
      return server.fetch(input, init);
    }) as typeof fetch;
    const { control } = controller(server, { now: () => now, fetch: flaky, firstContactRetryMs: [1, 1] });
    expect((await control.resolve({ name: 'digits' })).assignment).toMatchObject({ reason: 'stable' });
    expect(asked).toHaveLength(3);

    // Unreachable for good: three attempts, then the model loads as it did before control.
    failures = Infinity;
    asked.length = 0;
    const fresh = controller(server, { now: () => now, fetch: flaky, firstContactRetryMs: [1, 1] });
    const unreached = await fresh.control.resolve({ name: 'digits' });
    expect(unreached.assignment.reason).toBe('no-control');
    expect(unreached.refused).toBeUndefined();
    expect(asked).toHaveLength(3);

    // With a last good document, one attempt: that document is used at once.
    asked.length = 0;
    expect((await control.resolve({ name: 'digits' })).assignment).toMatchObject({ reason: 'stable' });
    expect(asked).toHaveLength(1);
  });

  it('does not ask again for a model the server has no control for (404) nor after a refusal', async () => {
    const server = controlServer();
    const other = await server.set(controlDocument('breast-cancer', {}, now));
    const asked: string[] = [];
    const counting = (async (input: RequestInfo | URL, init?: RequestInit) => {
      asked.push(String(input));
      return server.fetch(input, init);
    }) as typeof fetch;
    const { control } = controller(server, { now: () => now, fetch: counting, firstContactRetryMs: [1, 1] });
    expect((await control.resolve({ name: 'digits' })).assignment.reason).toBe('no-control');
    expect(asked).toHaveLength(1);
    server.replayNext(other);
    expect((await control.resolve({ name: 'digits' })).refused).toMatchObject({ code: 'SIGNATURE_INVALID' });
    expect(asked).toHaveLength(2);
  });

  it('refuses a replayed older document with METADATA_STALE and keeps the last good assignment', async () => {
    const server = controlServer();
    const old = await server.set(controlDocument('digits', { metadataVersion: 5 }, now));
    await server.set(controlDocument('digits', { metadataVersion: 6, stable: '1.2.0' }, now));
    const { control } = controller(server, { now: () => now });
    await control.resolve({ name: 'digits' });
    server.replayNext(old);
    const resolved = await control.resolve({ name: 'digits' });
    expect(resolved.refused).toMatchObject({ code: 'METADATA_STALE' });
    expect(resolved.assignment).toMatchObject({ version: '1.2.0', reason: 'stable' });
  });

  it('refuses a document for another model with SIGNATURE_INVALID', async () => {
    const server = controlServer();
    const other = await server.set(controlDocument('breast-cancer', {}, now));
    const { control } = controller(server, { now: () => now });
    server.replayNext(other);
    const resolved = await control.resolve({ name: 'digits' });
    expect(resolved.refused).toMatchObject({ code: 'SIGNATURE_INVALID' });
    expect(resolved.assignment.reason).toBe('no-control');
  });

  it('keeps the last good assignment after expiry by default, and stops with onExpired: stop', async () => {
    const server = controlServer();
    await server.set(controlDocument('digits', { stable: '1.0.0' }, now));
    let clock = now;
    const keep = controller(server, { now: () => clock });
    const stop = controller(server, { now: () => clock, onExpired: 'stop' });
    await keep.control.resolve({ name: 'digits' });
    await stop.control.resolve({ name: 'digits' });
    clock = now + 2 * 86_400_000; // past expires; the server still serves the same (now expired) document
    const kept = await keep.control.resolve({ name: 'digits' });
    expect(kept.refused).toMatchObject({ code: 'METADATA_EXPIRED' });
    expect(kept.assignment).toMatchObject({ version: '1.0.0' });
    await expect(stop.control.resolve({ name: 'digits' })).rejects.toMatchObject({
      code: 'METADATA_EXPIRED',
    });
  });

  it('hears a newer document by polling, and a replayed one as refused', async () => {
    const server = controlServer();
    const first = await server.set(controlDocument('digits', { metadataVersion: 5 }, now));
    const { control } = controller(server, { now: () => now });
    await control.resolve({ name: 'digits' });
    await server.set(
      controlDocument(
        'digits',
        {
          metadataVersion: 7,
          rollout: rolloutOf('1.1.0', 10_000),
          lastChange: { action: 'rollout-started', at: new Date(now).toISOString() },
        },
        now,
      ),
    );
    expect(control.feedMode).toBe('idle');
    const event = nextEvent(control, 'digits');
    expect(control.feedMode).toBe('poll'); // no EventSource given
    expect(await event).toMatchObject({
      type: 'document',
      assignment: { version: '1.1.0', reason: 'in-rollout' },
    });
    server.replayNext(first);
    expect(await nextEvent(control, 'digits')).toMatchObject({
      type: 'refused',
      error: { code: 'METADATA_STALE' },
    });
  });

  it('refuses a fed document for a model it never followed with SIGNATURE_INVALID (mix-and-match)', async () => {
    const server = controlServer();
    await server.set(controlDocument('digits', { metadataVersion: 5 }, now));
    const other = await signer.sign(controlDocument('breast-cancer', { metadataVersion: 9 }, now));
    const { control } = controller(server, { now: () => now });
    await control.resolve({ name: 'digits' });
    server.replayNext(other);
    expect(await nextEvent(control, 'digits')).toMatchObject({
      type: 'refused',
      error: { code: 'SIGNATURE_INVALID', message: expect.stringContaining('breast-cancer') },
    });
  });

  it('trusts the stored document until it expires, asking nothing (a warm start)', async () => {
    const server = controlServer();
    await server.set(controlDocument('digits', { rollout: rolloutOf('1.1.0', 10_000) }, now));
    const store = createMemoryStateStore();
    await controller(server, { now: () => now, store }).control.resolve({ name: 'digits' });
    let clock = now;
    const asked: string[] = [];
    const counting = (async (input: RequestInfo | URL) => {
      asked.push(String(input));
      return server.fetch(input);
    }) as typeof fetch;
    const { control } = controller(server, { now: () => clock, store, fetch: counting });
    expect(await control.cached({ name: 'digits' })).toMatchObject({
      assignment: { version: '1.1.0', reason: 'in-rollout' },
      document: { metadataVersion: 10 },
    });
    expect(await control.cached({ name: 'digits', version: '1.0.0' })).toMatchObject({
      assignment: { version: '1.0.0', reason: 'exact-version' },
    });
    expect(asked).toEqual([]);
    clock = now + 2 * 86_400_000; // past expires: no longer trusted without asking
    const later = controller(server, { now: () => clock, store, fetch: counting });
    expect(await later.control.cached({ name: 'digits' })).toBeUndefined();
    expect(await later.control.cached({ name: 'breast-cancer' })).toBeUndefined(); // never seen
  });

  it('does not trust a stored document that no longer verifies, nor a block it would skip', async () => {
    const server = controlServer();
    const envelope = (await server.set(controlDocument('digits', { blocked: ['1.0.0'] }, now))) as {
      signed: ControlDocument;
    };
    const store = createMemoryStateStore();
    const { control } = controller(server, { now: () => now, store });
    // An exact request for a blocked version is moved to stable, from the cache as from the network.
    await control.resolve({ name: 'digits' });
    expect(await control.cached({ name: 'digits', version: '1.0.0' })).toMatchObject({
      assignment: { version: null, reason: 'blocked' },
    });
    const tampered = { ...envelope, signed: { ...envelope.signed, blocked: [] } };
    const other = createMemoryStateStore();
    await other.save({ model: 'digits', highestSeen: 10, envelope: tampered });
    const reloaded = controller(server, { now: () => now, store: other });
    expect(await reloaded.control.cached({ name: 'digits' })).toBeUndefined();
  });

  it('refresh asks the control route once and hands a newer document to the listeners', async () => {
    const server = controlServer();
    await server.set(controlDocument('digits', { metadataVersion: 5 }, now));
    const { control } = controller(server, { now: () => now, pollIntervalMs: 86_400_000 });
    await control.resolve({ name: 'digits' });
    await server.set(controlDocument('digits', { metadataVersion: 8, stable: '1.2.0' }, now));
    const event = nextEvent(control, 'digits');
    await control.refresh('digits');
    expect(await event).toMatchObject({
      type: 'document',
      assignment: { version: '1.2.0', reason: 'stable' },
    });
  });
});
