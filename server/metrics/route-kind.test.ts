import { describe, expect, it } from 'vitest';
import { routeKindOf } from './route-kind.ts';

describe('routeKindOf', () => {
  it.each([
    ['/api/v1/models/digits/versions/1.0.0/manifest', 'manifest'],
    ['/api/v1/models/digits/versions/latest/manifest', 'manifest'],
    ['/api/v1/models', 'models'],
    [`/api/v1/blobs/${'a'.repeat(64)}`, 'blob'],
    [`/api/v1/uploads/${'b'.repeat(64)}`, 'upload'],
    ['/api/v1/telemetry', 'telemetry'],
    ['/api/trpc/drift.report', 'trpc'],
    ['/.well-known/ferry.json', 'well-known'],
    ['/metrics', 'metrics'],
    ['/api/v1/nothing-here', 'api-other'],
    ['/_app/immutable/entry/start.js', 'static'],
    ['/demo/digits', 'page'],
    ['/metrics/extra', 'page'],
  ])('classifies %s as %s', (pathname, kind) => {
    expect(routeKindOf(pathname)).toBe(kind);
  });
});
