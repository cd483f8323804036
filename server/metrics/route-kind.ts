/**
 * The kinds of route the HTTP counters are labelled by: a small closed set, so that a scan of
 * random paths cannot blow up the number of series (paths themselves are never a label).
 */
export const ROUTE_KINDS = [
  'manifest',
  'models',
  'blob',
  'upload',
  'telemetry',
  'trpc',
  'well-known',
  'metrics',
  'api-other',
  'static',
  'page',
] as const;

/** One of {@link ROUTE_KINDS}. */
export type RouteKind = (typeof ROUTE_KINDS)[number];

const PATTERNS: readonly (readonly [RegExp, RouteKind])[] = [
  [/^\/api\/v1\/models\/[^/]+\/versions\/[^/]+\/manifest$/, 'manifest'],
  [/^\/api\/v1\/models\/?$/, 'models'],
  [/^\/api\/v1\/blobs\//, 'blob'],
  [/^\/api\/v1\/uploads\//, 'upload'],
  [/^\/api\/v1\/telemetry\/?$/, 'telemetry'],
  [/^\/api\/trpc(\/|$)/, 'trpc'],
  [/^\/\.well-known\//, 'well-known'],
  [/^\/metrics$/, 'metrics'],
  [/^\/api(\/|$)/, 'api-other'],
  [/^\/_app\//, 'static'],
];

/** The route kind of a request path (without its query). */
export function routeKindOf(pathname: string): RouteKind {
  for (const [pattern, kind] of PATTERNS) if (pattern.test(pathname)) return kind;
  return 'page';
}
