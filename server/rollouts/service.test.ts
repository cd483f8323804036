import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ControlDocument, RolloutStartInput, verifyEnvelope } from '$shared';
import { controls } from '../db/schema.ts';
import type { ControlChange } from '../events/bus.ts';
import { listAudit } from '../services/audit.ts';
import { systemActor } from '../services/deps.ts';
import { publishVersion } from '../services/publish.ts';
import { setVersionStatus } from '../services/status.ts';
import { createTempDeps, type TempDeps } from '../testing/temp-deps.ts';
import { tinyManifest, uploadTiny } from '../testing/tiny-bundle.ts';
import { backfillControl, resignExpiring } from './resigner.ts';
import {
  blockVersion,
  controlStatus,
  promoteRollout,
  rollbackRollout,
  setRolloutShare,
  setStable,
  startRollout,
  unblockVersion,
} from './service.ts';
import { createSqliteControlStore } from './sqlite-control-store.ts';

let deps: TempDeps;
let changes: ControlChange[];

async function publish(version: string, name = 'tiny') {
  const files = await uploadTiny(deps);
  await publishVersion(deps, { manifest: { ...tinyManifest(), name, version }, files }, systemActor);
}

/** The stored document of `model`, verified with the server's key. */
async function document(model = 'tiny') {
  const [stored] = createSqliteControlStore(deps.db).current([model]);
  if (!stored) throw new Error(`${model} has no control document`);
  return verifyEnvelope(JSON.parse(stored.body), ControlDocument, deps.signer);
}

const start = (input: Record<string, unknown>) =>
  startRollout(deps, RolloutStartInput.parse({ model: 'tiny', ...input }), systemActor);
const v = (version: string) => ({ model: 'tiny', version });
const code = (code: string) => expect.objectContaining({ code });

// tiny: 1.0.0, 1.1.0 (pinned stable), 2.0.0 (latest, the candidate of most tests).
beforeEach(async () => {
  deps = createTempDeps();
  changes = [];
  deps.events.subscribe((change) => changes.push(change));
  await publish('1.0.0');
  await publish('1.1.0');
  setStable(deps, v('1.1.0'), systemActor);
  await publish('2.0.0');
});
afterEach(() => deps.dispose());

describe('control documents follow the registry', () => {
  it('signs a document on publish, stable following latest until one is pinned, and announces it', async () => {
    await publish('1.0.0', 'other');
    const doc = await document('other');
    expect(doc).toMatchObject({ model: 'other', stable: '1.0.0', rollout: null, blocked: [] });
    expect(doc.lastChange).toMatchObject({ action: 'published', version: '1.0.0' });
    expect(changes.at(-1)).toEqual({ model: 'other', metadataVersion: doc.metadataVersion });
    expect((await document()).stable).toBe('1.1.0');
  });

  it('re-signs on a status change with a higher metadataVersion; a yanked pinned stable falls back to latest', async () => {
    const before = await document();
    setVersionStatus(deps, { name: 'tiny', version: '1.1.0', status: 'yanked' }, systemActor);
    const after = await document();
    expect(after.stable).toBe('2.0.0');
    expect(after.metadataVersion).toBeGreaterThan(before.metadataVersion);
    expect(after.lastChange).toMatchObject({ action: 'status-changed', version: '1.1.0' });
    expect(changes.at(-1)?.metadataVersion).toBe(after.metadataVersion);
  });

  it('ends a rollout whose candidate gets yanked', async () => {
    start({ candidate: '2.0.0', percent: 10 });
    setVersionStatus(deps, { name: 'tiny', version: '2.0.0', status: 'yanked' }, systemActor);
    expect((await document()).rollout).toBeNull();
    expect(controlStatus(deps, 'tiny').rollout).toBeNull();
  });

  it('backfills a first document for models that have none, and only those', async () => {
    await publish('1.0.0', 'other');
    deps.db.delete(controls).run();
    expect(backfillControl(deps)).toEqual(['other', 'tiny']);
    expect((await document('other')).lastChange.action).toBe('created');
    expect(backfillControl(deps)).toEqual([]);
  });

  it('re-signs documents with less than half their lifetime left, keeping state and lastChange', async () => {
    const before = await document();
    expect(resignExpiring(deps, new Date(Date.parse(before.issuedAt) + 1000))).toEqual([]);
    const late = new Date(Date.parse(before.expires) - deps.controlLifetimeMs / 2 + 1000);
    const renewed = resignExpiring(deps, late);
    expect(renewed.map((c) => c.model)).toEqual(['tiny']);
    const after = await document();
    expect(after.metadataVersion).toBe(renewed[0]?.metadataVersion);
    expect(after.metadataVersion).toBeGreaterThan(before.metadataVersion);
    expect(Date.parse(after.expires)).toBeGreaterThan(Date.parse(before.expires));
    expect({ ...after, metadataVersion: 0, issuedAt: '', expires: '' }).toEqual({
      ...before,
      metadataVersion: 0,
      issuedAt: '',
      expires: '',
    });
  });
});

describe('rollout operations', () => {
  it('starts a rollout with a fresh id and salt, the share in basis points, and audits it', async () => {
    const status = start({
      candidate: '2.0.0',
      percent: 5,
      targeting: [{ attribute: 'webgpu', equals: true }],
    });
    const doc = await document();
    expect(doc.rollout).toEqual(status.rollout);
    expect(doc.rollout).toMatchObject({
      candidate: '2.0.0',
      basisPoints: 500,
      targeting: [{ attribute: 'webgpu', equals: true }],
    });
    expect(doc.stable).toBe('1.1.0');
    expect(doc.lastChange).toMatchObject({ action: 'rollout-started', version: '2.0.0' });
    expect(status.metadataVersion).toBe(doc.metadataVersion);
    const [entry] = listAudit(deps.db, { limit: 1 });
    expect(entry).toMatchObject({ action: 'rollout.start', target: 'tiny@2.0.0', actor: 'system' });
    expect(entry?.details).toMatchObject({ basisPoints: 500, metadataVersion: doc.metadataVersion });
  });

  it('gives each rollout its own id and salt', () => {
    const first = start({ candidate: '2.0.0', basisPoints: 100 }).rollout;
    rollbackRollout(deps, 'tiny', systemActor);
    unblockVersion(deps, v('2.0.0'), systemActor);
    const second = start({ candidate: '2.0.0', basisPoints: 100 }).rollout;
    expect(second?.id).not.toBe(first?.id);
    expect(second?.salt).not.toBe(first?.salt);
  });

  it('changes the percentage, and a same percentage changes nothing', async () => {
    start({ candidate: '2.0.0', percent: 5 });
    const status = setRolloutShare(deps, { model: 'tiny', percent: 25 }, systemActor);
    expect(status.rollout?.basisPoints).toBe(2500);
    expect((await document()).lastChange.action).toBe('rollout-changed');
    const count = changes.length;
    setRolloutShare(deps, { model: 'tiny', basisPoints: 2500 }, systemActor);
    expect(changes.length).toBe(count);
  });

  it('promotes: the candidate becomes the pinned stable and the rollout ends', async () => {
    start({ candidate: '2.0.0', percent: 50 });
    const status = promoteRollout(deps, 'tiny', systemActor);
    expect(status).toMatchObject({ stable: '2.0.0', pinnedStable: '2.0.0', rollout: null });
    expect((await document()).lastChange).toMatchObject({ action: 'promoted', version: '2.0.0' });
  });

  it('rolls back: the candidate is blocked and the rollout ends', async () => {
    start({ candidate: '2.0.0', percent: 50 });
    const status = rollbackRollout(deps, 'tiny', systemActor);
    expect(status).toMatchObject({ stable: '1.1.0', rollout: null, blocked: ['2.0.0'] });
    expect((await document()).lastChange).toMatchObject({ action: 'rolled-back', version: '2.0.0' });
  });

  it('sets the stable version, blocks and unblocks versions', async () => {
    expect(setStable(deps, v('1.0.0'), systemActor).stable).toBe('1.0.0');
    expect(blockVersion(deps, v('1.1.0'), systemActor).blocked).toEqual(['1.1.0']);
    expect((await document()).lastChange).toMatchObject({ action: 'blocked', version: '1.1.0' });
    expect(unblockVersion(deps, v('1.1.0'), systemActor).blocked).toEqual([]);
    expect((await document()).lastChange).toMatchObject({ action: 'unblocked', version: '1.1.0' });
  });

  it('moves an unpinned stable off a blocked latest', async () => {
    await publish('1.0.0', 'other');
    await publish('1.1.0', 'other');
    blockVersion(deps, { model: 'other', version: '1.1.0' }, systemActor);
    expect((await document('other')).stable).toBe('1.0.0');
  });

  it('records every operation in the audit log', () => {
    start({ candidate: '2.0.0', percent: 5 });
    setRolloutShare(deps, { model: 'tiny', percent: 10 }, systemActor);
    promoteRollout(deps, 'tiny', systemActor);
    blockVersion(deps, v('1.0.0'), systemActor);
    unblockVersion(deps, v('1.0.0'), systemActor);
    setStable(deps, v('1.1.0'), systemActor);
    const actions = listAudit(deps.db, { limit: 6 }).map((e) => e.action);
    expect(actions).toEqual([
      'control.set-stable',
      'version.unblock',
      'version.block',
      'rollout.promote',
      'rollout.set',
      'rollout.start',
    ]);
  });
});

describe('operations refuse bad input, naming the field, and change nothing', () => {
  let body: string;
  beforeEach(() => {
    body = createSqliteControlStore(deps.db).current(['tiny'])[0]?.body ?? '';
  });
  afterEach(() => {
    expect(createSqliteControlStore(deps.db).current(['tiny'])[0]?.body).toBe(body);
  });

  it('an unknown model', () => {
    expect(() => promoteRollout(deps, 'nope', systemActor)).toThrow(code('MODEL_NOT_FOUND'));
    expect(() => controlStatus(deps, 'nope')).toThrow(code('MODEL_NOT_FOUND'));
  });

  it('an unknown candidate or version', () => {
    expect(() => start({ candidate: '9.9.9', percent: 5 })).toThrow(/candidate: tiny@9.9.9 does not exist/);
    expect(() => setStable(deps, v('9.9.9'), systemActor)).toThrow(code('BUNDLE_NOT_FOUND'));
    expect(() => blockVersion(deps, v('9.9.9'), systemActor)).toThrow(/version: tiny@9.9.9/);
  });

  it('a yanked candidate', () => {
    setVersionStatus(deps, { name: 'tiny', version: '2.0.0', status: 'yanked' }, systemActor);
    body = createSqliteControlStore(deps.db).current(['tiny'])[0]?.body ?? '';
    expect(() => start({ candidate: '2.0.0', percent: 5 })).toThrow(code('VERSION_YANKED'));
  });

  it('a second rollout on the same model', () => {
    start({ candidate: '2.0.0', percent: 5 });
    body = createSqliteControlStore(deps.db).current(['tiny'])[0]?.body ?? '';
    expect(() => start({ candidate: '1.0.0', percent: 5 })).toThrow(code('ROLLOUT_EXISTS'));
  });

  it('the stable version as candidate', () => {
    expect(() => start({ candidate: '1.1.0', percent: 5 })).toThrow(
      /candidate: tiny@1.1.0 is already the stable/,
    );
  });

  it('a blocked candidate or stable version', () => {
    blockVersion(deps, v('2.0.0'), systemActor);
    body = createSqliteControlStore(deps.db).current(['tiny'])[0]?.body ?? '';
    expect(() => start({ candidate: '2.0.0', percent: 5 })).toThrow(code('VERSION_BLOCKED'));
    expect(() => setStable(deps, v('2.0.0'), systemActor)).toThrow(code('VERSION_BLOCKED'));
  });

  it('operations that need a rollout when none runs', () => {
    expect(() => setRolloutShare(deps, { model: 'tiny', percent: 5 }, systemActor)).toThrow(
      code('NO_ROLLOUT'),
    );
    expect(() => promoteRollout(deps, 'tiny', systemActor)).toThrow(code('NO_ROLLOUT'));
    expect(() => rollbackRollout(deps, 'tiny', systemActor)).toThrow(code('NO_ROLLOUT'));
  });

  it('blocking the pinned stable version or the running candidate', () => {
    expect(() => blockVersion(deps, v('1.1.0'), systemActor)).toThrow(
      /version: tiny@1.1.0 is the pinned stable/,
    );
    start({ candidate: '2.0.0', percent: 5 });
    body = createSqliteControlStore(deps.db).current(['tiny'])[0]?.body ?? '';
    expect(() => blockVersion(deps, v('2.0.0'), systemActor)).toThrow(/roll the rollout back instead/);
    expect(() => setStable(deps, v('2.0.0'), systemActor)).toThrow(/promote the rollout instead/);
  });

  it('an appVersion range that is not a semver range, and min above max', () => {
    expect(() =>
      start({
        candidate: '2.0.0',
        percent: 5,
        targeting: [{ attribute: 'appVersion', range: 'not a range' }],
      }),
    ).toThrow(/targeting.0.range: "not a range" is not a valid semver range/);
    expect(() =>
      start({
        candidate: '2.0.0',
        percent: 5,
        targeting: [
          { attribute: 'webgpu', equals: true },
          { attribute: 'deviceMemory', min: 8, max: 4 },
        ],
      }),
    ).toThrow(/targeting.1.min: 8 is greater than max 4/);
  });
});
