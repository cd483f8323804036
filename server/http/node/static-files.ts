import { readdirSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';
import { fileStream } from '../../storage/file-stream.ts';
import { rangedResponse } from '../ranged.ts';
import { contentTypeOf } from './content-types.ts';

/** One file of the built client, found when the folder was walked. */
export interface StaticFile {
  absolute: string;
  size: number;
  etag: string;
  cacheControl: string;
  contentType: string;
}

/** The built client's files, served with the same range and conditional logic as blobs. */
export interface StaticFiles {
  /** The file a request path names (as adapter-node's sirv would resolve it), or null. */
  find(pathname: string): StaticFile | null;
  /** GET/HEAD of `file`; any other method is answered 405 with `Allow: GET, HEAD`. */
  serve(request: Request, file: StaticFile): Promise<Response>;
}

function walk(dir: string, prefix = ''): string[] {
  const names: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    // Dotfiles are not served, as sirv does not serve them.
    if (entry.name.startsWith('.')) continue;
    const relative = `${prefix}/${entry.name}`;
    if (entry.isDirectory()) names.push(...walk(path.join(dir, entry.name), relative));
    else if (entry.isFile()) names.push(relative);
  }
  return names;
}

// sirv (inside adapter-node's handler) also answers `/x/`, `/x.html` and `/x/index.html` for `/x`:
// every name it could pick is looked up here first, so no request for a built file reaches it.
function candidates(pathname: string): string[] {
  const uri = pathname.endsWith('/') ? pathname.slice(0, -1) : pathname;
  const names = [];
  for (const extension of ['', '.html', '.htm']) {
    if (uri) names.push(uri + extension);
    names.push(`${uri}/index${extension}`);
  }
  return names;
}

/**
 * Walks `dir` (build/client) once and serves its files: names under `immutablePrefix`
 * (`/_app/immutable/`, content-hashed by Vite) are cached for a year, the rest revalidated
 * (`no-cache`) against an ETag of size and mtime.
 */
export function createStaticFiles(dir: string, immutablePrefix: string): StaticFiles {
  const files = new Map<string, StaticFile>();
  for (const name of walk(dir)) {
    const absolute = path.join(dir, name);
    const stats = statSync(absolute);
    files.set(name, {
      absolute,
      size: stats.size,
      etag: `"${stats.size.toString(16)}-${Math.trunc(stats.mtimeMs).toString(16)}"`,
      cacheControl: name.startsWith(immutablePrefix) ? 'public, max-age=31536000, immutable' : 'no-cache',
      contentType: contentTypeOf(name),
    });
  }
  // The first segments of every name (and of `x.html` as `x`): a path under none of them (every
  // API route) is answered without building the candidates.
  const tops = new Set<string>();
  for (const name of files.keys()) {
    const top = name.split('/')[1] ?? '';
    tops.add(top);
    tops.add(top.replace(/\.html?$/, ''));
  }
  return {
    find(pathname) {
      let decoded = pathname;
      try {
        // Only a `%` makes decodeURI change anything, or throw.
        if (pathname.includes('%')) decoded = decodeURI(pathname);
      } catch {
        return null;
      }
      const end = decoded.indexOf('/', 1);
      const top = end === -1 ? decoded.slice(1) : decoded.slice(1, end);
      if (top !== '' && !tops.has(top)) return null;
      for (const name of candidates(decoded)) {
        const file = files.get(name);
        if (file) return file;
      }
      return null;
    },
    async serve(request, file) {
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        return new Response(`${request.method} is not allowed on a static file\n`, {
          status: 405,
          headers: { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' },
        });
      }
      return rangedResponse(request, {
        size: file.size,
        etag: file.etag,
        headers: { 'Content-Type': file.contentType, 'Cache-Control': file.cacheControl },
        read: async (range) =>
          fileStream(await open(file.absolute, 'r'), { start: range.start, end: range.end + 1 }),
      });
    },
  };
}
