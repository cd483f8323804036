import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ControlDocument } from '$shared';
import type { ControlStore, ControlWrite } from './control-store.ts';

/** A store under test over a fresh database holding two models with versions and no control yet. */
export interface ControlStoreFixture {
  store: ControlStore;
  /** Names of two models with versions, in name order. */
  models: readonly [string, string];
  dispose(): void | Promise<void>;
}

const T0 = Date.parse('2026-12-01T10:00:00.000Z');
const iso = (hours: number) => new Date(T0 + hours * 3600_000).toISOString();

/** A well-formed envelope body for `model` at `metadataVersion` (the store does not verify signatures). */
function write(modelId: number, model: string, options: { mv: number; expiresIn: number }): ControlWrite {
  const signed: ControlDocument = {
    _type: 'ferry/control',
    schemaVersion: 1,
    model,
    metadataVersion: options.mv,
    issuedAt: iso(0),
    expires: iso(options.expiresIn),
    stable: '1.0.0',
    rollout: null,
    blocked: ['0.9.0'],
    yanked: [],
    lastChange: { action: 'created', at: iso(0) },
  };
  const envelope = JSON.stringify({ signed, signatures: [{ keyid: '0'.repeat(64), sig: 'AA==' }] });
  return {
    modelId,
    state: { pinnedStable: '1.0.0', rollout: null, blocked: ['0.9.0'] },
    metadataVersion: options.mv,
    expires: signed.expires,
    envelope,
    envelopeSha256: String(options.mv).padStart(64, '0'),
  };
}

/**
 * The behaviour every {@link ControlStore} must show, written once and run per implementation
 * (SQLite now, Postgres later). `makeStore` is called before each test.
 */
export function describeControlStore(name: string, makeStore: () => Promise<ControlStoreFixture>): void {
  describe(`ControlStore contract: ${name}`, () => {
    let fixture: ControlStoreFixture;
    let store: ControlStore;
    let a: string;
    let b: string;
    beforeEach(async () => {
      fixture = await makeStore();
      store = fixture.store;
      [a, b] = fixture.models;
    });
    afterEach(() => fixture.dispose());

    const id = (model: string) => {
      const found = store.modelId(model);
      if (found === null) throw new Error(`${model} has no id`);
      return found;
    };

    it('knows the models and answers null for an unknown one', () => {
      expect(store.modelId(a)).not.toBeNull();
      expect(store.modelId(a)).not.toBe(store.modelId(b));
      expect(store.modelId('no-such-model')).toBeNull();
    });

    it('lists the models with versions but no document as unsigned, until one is saved', () => {
      expect(store.unsigned()).toEqual([a, b]);
      store.save(write(id(a), a, { mv: 5, expiresIn: 24 }));
      expect(store.unsigned()).toEqual([b]);
      expect(store.load(b)).toBeNull();
    });

    it('loads what was saved: state, and the signed document parsed', () => {
      const saved = write(id(a), a, { mv: 5, expiresIn: 24 });
      store.save(saved);
      const record = store.load(a);
      expect(record?.modelId).toBe(id(a));
      expect(record?.state).toEqual(saved.state);
      expect(record?.document.metadataVersion).toBe(5);
      expect(record?.document.blocked).toEqual(['0.9.0']);
    });

    it('replaces a model’s control on a second save', () => {
      store.save(write(id(a), a, { mv: 5, expiresIn: 24 }));
      const next = write(id(a), a, { mv: 9, expiresIn: 48 });
      next.state = { pinnedStable: null, rollout: null, blocked: [] };
      store.save(next);
      expect(store.load(a)?.state).toEqual(next.state);
      expect(store.current([a])).toEqual([
        { model: a, metadataVersion: 9, body: next.envelope, sha256: next.envelopeSha256 },
      ]);
    });

    it('answers current documents byte for byte in the order asked, leaving out unknown models', () => {
      const wa = write(id(a), a, { mv: 5, expiresIn: 24 });
      const wb = write(id(b), b, { mv: 6, expiresIn: 24 });
      store.save(wa);
      store.save(wb);
      expect(store.current([b, 'nope', a]).map((c) => [c.model, c.body, c.sha256])).toEqual([
        [b, wb.envelope, wb.envelopeSha256],
        [a, wa.envelope, wa.envelopeSha256],
      ]);
      expect(store.current([])).toEqual([]);
    });

    it('lists documents expiring before an instant, soonest first', () => {
      store.save(write(id(a), a, { mv: 5, expiresIn: 48 }));
      store.save(write(id(b), b, { mv: 6, expiresIn: 24 }));
      expect(store.expiringBefore(iso(12))).toEqual([]);
      expect(store.expiringBefore(iso(30))).toEqual([b]);
      expect(store.expiringBefore(iso(100))).toEqual([b, a]);
    });
  });
}
