import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BUCKETS } from '$shared/schemas/control.ts';
import { assign, changeReason } from './assignment.ts';
import { controlDocument, rolloutOf } from './signed-control.test-support.ts';
import type { DeviceFacts } from './targeting.ts';

const facts: DeviceFacts = { webgpu: false, webgpuFeatures: [], crossOriginIsolated: true, attributes: {} };
const channel = {};

describe('assign', () => {
  it('gives the stable version when there is no rollout', () => {
    expect(assign(controlDocument('digits'), { bucket: 3, facts, request: channel })).toEqual({
      version: '1.0.0',
      stable: '1.0.0',
      rollout: null,
      reason: 'stable',
      metadataVersion: 10,
    });
  });

  it('puts a device on the candidate iff its bucket is below basisPoints', () => {
    const document = controlDocument('digits', { rollout: rolloutOf('1.1.0', 500) });
    expect(assign(document, { bucket: 499, facts, request: channel })).toMatchObject({
      version: '1.1.0',
      reason: 'in-rollout',
      rollout: { id: 'rollout-0001', candidate: '1.1.0', percent: 5 },
    });
    expect(assign(document, { bucket: 500, facts, request: channel })).toMatchObject({
      version: '1.0.0',
      reason: 'outside-percentage',
    });
  });

  it('keeps a device that fails a targeting condition on stable, whatever its bucket', () => {
    const rollout = rolloutOf('1.1.0', BUCKETS, { targeting: [{ attribute: 'webgpu', equals: true }] });
    const document = controlDocument('digits', { rollout });
    expect(assign(document, { bucket: 0, facts, request: channel })).toMatchObject({
      version: '1.0.0',
      reason: 'not-targeted',
    });
  });

  it('keeps an exact version, bypassing the rollout, unless it is blocked', () => {
    const document = controlDocument('digits', { rollout: rolloutOf('1.1.0', BUCKETS), blocked: ['0.9.0'] });
    expect(assign(document, { bucket: 0, facts, request: { version: '0.8.0' } })).toMatchObject({
      version: '0.8.0',
      reason: 'exact-version',
    });
    expect(assign(document, { bucket: 0, facts, request: { version: '0.9.0' } })).toMatchObject({
      version: '1.0.0',
      reason: 'blocked',
    });
  });

  it('never assigns a blocked version: a blocked candidate leaves its devices on stable, a blocked stable leaves nothing', () => {
    const blockedCandidate = controlDocument('digits', {
      rollout: rolloutOf('1.1.0', BUCKETS),
      blocked: ['1.1.0'],
    });
    expect(assign(blockedCandidate, { bucket: 0, facts, request: channel })).toMatchObject({
      version: '1.0.0',
      reason: 'stable',
    });
    const blockedStable = controlDocument('digits', { blocked: ['1.0.0'] });
    expect(assign(blockedStable, { bucket: 0, facts, request: channel })).toMatchObject({
      version: null,
      stable: null,
      reason: 'blocked',
    });
  });

  it('treats a yanked version like a blocked one, for an exact request and for a channel', () => {
    const document = controlDocument('digits', {
      rollout: rolloutOf('1.1.0', BUCKETS),
      yanked: ['0.9.0', '1.1.0'],
    });
    expect(assign(document, { bucket: 0, facts, request: { version: '0.9.0' } })).toMatchObject({
      version: '1.0.0',
      reason: 'blocked',
    });
    expect(assign(document, { bucket: 0, facts, request: channel })).toMatchObject({
      version: '1.0.0',
      reason: 'stable',
    });
    const yankedStable = controlDocument('digits', { yanked: ['1.0.0'] });
    expect(assign(yankedStable, { bucket: 0, facts, request: { version: '1.0.0' } })).toMatchObject({
      version: null,
      reason: 'blocked',
    });
  });

  it('leaves a channel to load as before control when the document has no stable version (all yanked)', () => {
    const nothing = controlDocument('digits', { stable: null });
    expect(assign(nothing, { bucket: 0, facts, request: channel })).toMatchObject({
      version: null,
      reason: 'stable',
    });
  });

  it('only adds devices when the percentage rises (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: BUCKETS - 1 }),
        fc.integer({ min: 0, max: BUCKETS }),
        fc.integer({ min: 0, max: BUCKETS }),
        fc.boolean(),
        (...[bucket, a, b, webgpu]) => {
          const [low, high] = a <= b ? [a, b] : [b, a];
          const targeting = [{ attribute: 'webgpu' as const, equals: true }];
          const at = (basisPoints: number) =>
            assign(controlDocument('digits', { rollout: rolloutOf('1.1.0', basisPoints, { targeting }) }), {
              bucket,
              facts: { ...facts, webgpu },
              request: channel,
            }).version;
          if (at(low) === '1.1.0') expect(at(high)).toBe('1.1.0');
        },
      ),
    );
  });
});

describe('changeReason', () => {
  const at = '2026-12-01T00:00:00.000Z';
  it('names a rollback for devices leaving the rolled-back (and so blocked) candidate', () => {
    const document = controlDocument('digits', {
      blocked: ['1.1.0'],
      lastChange: { action: 'rolled-back', at },
    });
    expect(changeReason(document, '1.1.0')).toBe('rollback');
  });

  it('names a block when the version left is blocked, else the last change', () => {
    expect(
      changeReason(
        controlDocument('d', { blocked: ['1.1.0'], lastChange: { action: 'stable-set', at } }),
        '1.1.0',
      ),
    ).toBe('blocked');
    expect(
      changeReason(
        controlDocument('d', {
          yanked: ['1.1.0'],
          lastChange: { action: 'status-changed', version: '1.1.0', at },
        }),
        '1.1.0',
      ),
    ).toBe('blocked');
    expect(
      changeReason(controlDocument('d', { lastChange: { action: 'rollout-started', at } }), '1.0.0'),
    ).toBe('rollout');
    expect(
      changeReason(controlDocument('d', { lastChange: { action: 'rollout-changed', at } }), '1.0.0'),
    ).toBe('rollout');
    expect(changeReason(controlDocument('d', { lastChange: { action: 'promoted', at } }), '1.0.0')).toBe(
      'promote',
    );
    expect(changeReason(controlDocument('d', { lastChange: { action: 'published', at } }), '1.0.0')).toBe(
      'update',
    );
  });
});
