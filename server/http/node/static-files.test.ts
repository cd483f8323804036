import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStaticFiles, type StaticFiles } from './static-files.ts';

let dir: string;
let files: StaticFiles;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'ferry-static-'));
  mkdirSync(path.join(dir, '_app', 'immutable'), { recursive: true });
  writeFileSync(path.join(dir, '_app', 'immutable', 'start.abc.js'), 'export {};');
  writeFileSync(path.join(dir, '_app', 'version.json'), '{"version":"1"}');
  writeFileSync(path.join(dir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  mkdirSync(path.join(dir, 'docs'));
  writeFileSync(path.join(dir, 'docs', 'index.html'), '<p>hi</p>');
  writeFileSync(path.join(dir, 'about.html'), '<p>about</p>');
  writeFileSync(path.join(dir, '.hidden'), 'secret');
  files = createStaticFiles(dir, '/_app/immutable/');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const get = (url: string, init?: RequestInit) => new Request(`http://ferry.test${url}`, init);

describe('createStaticFiles', () => {
  it('finds every name sirv would resolve (trailing slash, index.html, percent-encoding), and no dotfile', () => {
    expect(files.find('/favicon.svg')?.contentType).toBe('image/svg+xml');
    expect(files.find('/favicon.svg/')).not.toBeNull();
    expect(files.find('/%66avicon.svg')).not.toBeNull();
    expect(files.find('/docs')?.contentType).toMatch(/^text\/html/);
    expect(files.find('/docs/')).not.toBeNull();
    expect(files.find('/.hidden')).toBeNull();
    expect(files.find('/nope.svg')).toBeNull();
    expect(files.find('/%E0%A4%A')).toBeNull();
    expect(files.find('/about')?.absolute).toBe(path.join(dir, 'about.html'));
    expect(files.find('/%61bout/')?.absolute).toBe(path.join(dir, 'about.html'));
    expect(files.find('/_app/version.json')).not.toBeNull();
    expect(files.find('/api/v1/models/about/versions/1.0.0/manifest')).toBeNull();
    expect(files.find('/_app/nope.js')).toBeNull();
  });

  it('caches content-hashed files for a year and revalidates the rest', () => {
    expect(files.find('/_app/immutable/start.abc.js')).toMatchObject({
      contentType: 'text/javascript; charset=utf-8',
      cacheControl: 'public, max-age=31536000, immutable',
    });
    expect(files.find('/_app/version.json')?.cacheControl).toBe('no-cache');
  });

  it('serves ranges and 304 like the blob route, and answers other methods 405 with Allow', async () => {
    const file = files.find('/_app/version.json')!;
    const last = await files.serve(get('/_app/version.json', { headers: { Range: 'bytes=-5' } }), file);
    expect(last.status).toBe(206);
    expect(await last.text()).toBe(':"1"}');
    const backwards = await files.serve(get('/_app/version.json', { headers: { Range: 'bytes=5-2' } }), file);
    expect(backwards.status).toBe(200);
    expect(await backwards.text()).toBe('{"version":"1"}');
    const past = await files.serve(get('/_app/version.json', { headers: { Range: 'bytes=99-' } }), file);
    expect(past.status).toBe(416);
    expect(past.headers.get('content-range')).toBe('bytes */15');
    const again = await files.serve(
      get('/_app/version.json', { headers: { 'If-None-Match': file.etag } }),
      file,
    );
    expect(again.status).toBe(304);
    const put = await files.serve(get('/_app/version.json', { method: 'PUT', body: 'x' }), file);
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toBe('GET, HEAD');
  });
});
