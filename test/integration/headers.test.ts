import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { tinyDir } from '../../server/testing/tiny-bundle.ts';
import { publishOverHttp } from '../support/registry-http.ts';
import { useFerryServer } from '../support/use-ferry-server.ts';

const server = useFerryServer();
const clientDir = path.resolve(import.meta.dirname, '..', '..', 'build', 'client');
const modelSha = createHash('sha256')
  .update(readFileSync(path.join(tinyDir, 'model.onnx')))
  .digest('hex');

/** The first built file under build/client/`folder` matching `pattern`, as a URL path. */
function built(folder: string, pattern: RegExp): string {
  const name = readdirSync(path.join(clientDir, folder)).find((entry) => pattern.test(entry));
  if (!name) throw new Error(`no ${pattern} under build/client/${folder}`);
  return `/${folder}/${name}`;
}

type Kind = 'page' | 'static' | 'api' | 'blob' | 'error';
interface Probe {
  kind: Kind;
  path: string;
  method?: string;
  corp: 'same-origin' | 'cross-origin';
}

let probes: Probe[] = [];
beforeAll(async () => {
  expect((await publishOverHttp(server().url, server().adminToken, tinyDir)).status).toBe(200);
  probes = [
    { kind: 'page', path: '/', corp: 'same-origin' },
    { kind: 'page', path: '/demo', corp: 'same-origin' },
    { kind: 'page', path: '/console', corp: 'same-origin' },
    { kind: 'static', path: '/favicon.svg', corp: 'same-origin' },
    { kind: 'static', path: '/_app/version.json', corp: 'same-origin' },
    { kind: 'static', path: built('_app/immutable/entry', /^start\..*\.js$/), corp: 'same-origin' },
    { kind: 'static', path: built('_app/immutable/workers/assets', /\.wasm$/), corp: 'same-origin' },
    { kind: 'api', path: '/api/v1/models', corp: 'cross-origin' },
    { kind: 'api', path: '/.well-known/ferry.json', corp: 'cross-origin' },
    { kind: 'api', path: '/api/v1/models/tiny/versions/1.0.0/manifest', corp: 'cross-origin' },
    { kind: 'api', path: '/api/trpc/models.list', corp: 'same-origin' },
    { kind: 'blob', path: `/api/v1/blobs/${modelSha}`, corp: 'cross-origin' },
    { kind: 'error', path: '/api/v1/no-such-route', corp: 'same-origin' },
    { kind: 'error', path: '/no-such-page', corp: 'same-origin' },
    { kind: 'error', path: '/api/v1/models/nope/versions/1.0.0/manifest', corp: 'cross-origin' },
    { kind: 'error', path: '/favicon.svg', method: 'DELETE', corp: 'same-origin' },
    { kind: 'error', path: '/api/v1/models', method: 'DELETE', corp: 'cross-origin' },
  ];
});

async function headersOf(probe: Probe): Promise<{ status: number; headers: Headers }> {
  const response = await fetch(`${server().url}${probe.path}`, { method: probe.method ?? 'GET' });
  await response.arrayBuffer();
  return { status: response.status, headers: response.headers };
}

/** A CSP header as a map from directive name to its sources. */
function directives(csp: string): Map<string, string[]> {
  return new Map(
    csp
      .split(';')
      .map((part) => part.trim().split(/\s+/))
      .filter(([name]) => name)
      .map(([name, ...sources]) => [name as string, sources]),
  );
}

describe('response headers on every route kind', () => {
  it('carry nosniff and the cross-origin isolation headers (CORP cross-origin only on public reads)', async () => {
    for (const probe of probes) {
      const { status, headers } = await headersOf(probe);
      const at = `${probe.method ?? 'GET'} ${probe.path} (${probe.kind}, ${status})`;
      if (probe.kind === 'error') expect(status, at).toBeGreaterThanOrEqual(400);
      else expect(status, at).toBe(200);
      expect(headers.get('x-content-type-options'), at).toBe('nosniff');
      expect(headers.get('cross-origin-opener-policy'), at).toBe('same-origin');
      expect(headers.get('cross-origin-embedder-policy'), at).toBe('require-corp');
      expect(headers.get('cross-origin-resource-policy'), at).toBe(probe.corp);
    }
  });

  it('give pages a CSP with wasm-unsafe-eval but no unsafe-eval or unsafe-inline scripts, and a Referrer-Policy', async () => {
    for (const probe of probes.filter(({ kind }) => kind === 'page')) {
      const { headers } = await headersOf(probe);
      const csp = headers.get('content-security-policy') ?? '';
      const policy = directives(csp);
      const scripts = policy.get('script-src') ?? [];
      expect(scripts, probe.path).toContain("'self'");
      expect(scripts, probe.path).toContain("'wasm-unsafe-eval'");
      expect(scripts.some((source) => source.startsWith("'nonce-") || source.startsWith("'sha256-"))).toBe(
        true,
      );
      expect(csp, probe.path).not.toContain("'unsafe-eval'");
      expect(scripts, probe.path).not.toContain("'unsafe-inline'");
      expect(policy.get('object-src'), probe.path).toEqual(["'none'"]);
      expect(policy.get('frame-ancestors'), probe.path).toEqual(["'self'"]);
      expect(policy.get('base-uri'), probe.path).toEqual(["'self'"]);
      expect(policy.get('worker-src'), probe.path).toContain("'self'");
      expect(headers.get('referrer-policy'), probe.path).toBe('strict-origin-when-cross-origin');
    }
  });

  it('serve static files with their MIME type, immutable caching only under /_app/immutable', async () => {
    const types: Record<string, RegExp> = {
      '.svg': /^image\/svg\+xml/,
      '.json': /^application\/json/,
      '.js': /^text\/javascript/,
      '.wasm': /^application\/wasm$/,
    };
    for (const probe of probes.filter(({ kind }) => kind === 'static')) {
      const { headers } = await headersOf(probe);
      expect(headers.get('content-type'), probe.path).toMatch(types[path.extname(probe.path)] ?? /^$/);
      expect(headers.get('etag'), probe.path).toMatch(/^"/);
      expect(headers.get('accept-ranges'), probe.path).toBe('bytes');
      expect(headers.get('cache-control'), probe.path).toBe(
        probe.path.startsWith('/_app/immutable/') ? 'public, max-age=31536000, immutable' : 'no-cache',
      );
    }
  });

  it('answer errors under /api/ as JSON with a code, and a 405 with Allow', async () => {
    for (const probe of probes.filter(({ kind, path: p }) => kind === 'error' && p.startsWith('/api/'))) {
      const response = await fetch(`${server().url}${probe.path}`, { method: probe.method ?? 'GET' });
      expect(response.headers.get('content-type'), probe.path).toMatch(/^application\/json/);
      const { error } = (await response.json()) as { error: { code: string; message: string } };
      expect(typeof error.code).toBe('string');
      expect(error.message.length).toBeGreaterThan(0);
      if (response.status === 405) expect(response.headers.get('allow')).toMatch(/GET/);
    }
    const unknown = await fetch(`${server().url}/api/v1/no-such-route`);
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: { code: string } }).error.code).toBe('NOT_FOUND');
    const wrongMethod = await fetch(`${server().url}/api/v1/models`, { method: 'DELETE' });
    expect(wrongMethod.status).toBe(405);
    expect(((await wrongMethod.json()) as { error: { code: string } }).error.code).toBe('METHOD_NOT_ALLOWED');
  });
});
