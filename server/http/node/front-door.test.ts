import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createFrontDoor, type NodeHandler } from './front-door.ts';
import { createStaticFiles } from './static-files.ts';

let dir: string;
let server: Server;
let origin: string;
const reached: string[] = [];

// SvelteKit's place, taken by handlers that fail in each way adapter-node's handler can.
const fallback: NodeHandler = (req, res) => {
  reached.push(req.url ?? '');
  if (req.url?.endsWith('/throws')) throw new Error('thrown synchronously');
  if (req.url?.endsWith('/rejects')) return Promise.reject(new Error('rejected'));
  res.end('kit');
  return undefined;
};

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'ferry-front-door-'));
  writeFileSync(path.join(dir, 'favicon.svg'), '<svg/>');
  const frontDoor = createFrontDoor({
    staticFiles: createStaticFiles(dir, '/_app/immutable/'),
    routes: [
      { pattern: /^\/fast\/(\w+)$/, handle: (_request, match) => new Response(`fast ${match[1]}`) },
      {
        pattern: /^\/api\/fast-fails$/,
        handle: () => {
          throw new Error('a fast route that throws');
        },
      },
    ],
    fallback,
  });
  server = createServer(frontDoor);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  vi.spyOn(console, 'error').mockImplementation(() => undefined);
});
afterAll(async () => {
  vi.restoreAllMocks();
  await new Promise((resolve) => server.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

describe('createFrontDoor', () => {
  it('turns a handler that throws or rejects into a logged 500, JSON under /api/, and keeps serving', async () => {
    for (const url of ['/api/throws', '/api/rejects', '/api/fast-fails']) {
      const response = await fetch(`${origin}${url}`);
      expect(response.status, url).toBe(500);
      expect(await response.json(), url).toEqual({
        error: { code: 'INTERNAL', message: 'Internal server error' },
      });
    }
    const page = await fetch(`${origin}/page/throws`);
    expect(page.status).toBe(500);
    expect(await page.text()).toBe('Internal server error\n');
    expect(console.error).toHaveBeenCalled();
    expect(await (await fetch(`${origin}/still-there`)).text()).toBe('kit');
  });

  it('serves static files and fast routes itself, in that order, and the rest through the fallback', async () => {
    reached.length = 0;
    expect(await (await fetch(`${origin}/favicon.svg`)).text()).toBe('<svg/>');
    expect(await (await fetch(`${origin}/fast/lane`)).text()).toBe('fast lane');
    expect(await (await fetch(`${origin}/other`)).text()).toBe('kit');
    expect(reached).toEqual(['/other']);
  });

  it('puts nosniff, Referrer-Policy and the isolation headers on every response, errors included', async () => {
    for (const url of ['/favicon.svg', '/fast/x', '/other', '/api/throws', '/api/%E0%A4%A']) {
      const { headers } = await fetch(`${origin}${url}`);
      expect(headers.get('x-content-type-options'), url).toBe('nosniff');
      expect(headers.get('referrer-policy'), url).toBe('strict-origin-when-cross-origin');
      expect(headers.get('cross-origin-opener-policy'), url).toBe('same-origin');
      expect(headers.get('cross-origin-embedder-policy'), url).toBe('require-corp');
    }
  });

  it('refuses malformed targets and cross-site form posts before any handler sees them', async () => {
    reached.length = 0;
    const malformed = await fetch(`${origin}/api/v1/blobs/%E0%A4%A`);
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toMatchObject({ error: { code: 'INVALID_INPUT', message: /^path: / } });
    const form = await fetch(`${origin}/api/v1/anything`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example' },
      body: 'a=1',
    });
    expect(form.status).toBe(403);
    expect(await form.json()).toMatchObject({ error: { code: 'FORBIDDEN', message: /^Origin: / } });
    expect(reached).toEqual([]);
  });
});
