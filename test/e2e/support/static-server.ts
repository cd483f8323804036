import { createReadStream, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..', '..', '..');

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.map': 'application/json',
};

/** A product team's web server, on its own origin. */
export interface StaticServer {
  url: string;
  origin: string;
  /** Paths (with query) requested so far, in order. */
  requests: string[];
  /** Body bytes sent so far (304s send none). */
  bytesSent(): number;
  close(): Promise<void>;
}

/** The file the SDK site serves at `pathname`. */
function sdkSiteFile(pathname: string): string {
  if (pathname.startsWith('/sdk/')) return path.join(root, 'dist', 'sdk', pathname.slice(5));
  // A second home for onnxruntime-web's wasm, as a team hosting it apart from the SDK would.
  if (pathname.startsWith('/ort-assets/'))
    return path.join(root, 'dist', 'sdk', 'assets', pathname.slice(12));
  return path.join(root, 'test', 'e2e', 'pages', pathname === '/' ? 'index.html' : pathname);
}

/**
 * Serves the built SDK (dist/sdk) under `/sdk/` (its wasm also under `/ort-assets/`) and the
 * test pages (test/e2e/pages) under `/`, or only `folder` when given (its index.html at `/`),
 * as a product team's own server would, with COOP/COEP/CORP when `isolated` (the default) so
 * the page is cross-origin isolated, and without them otherwise.
 */
export async function startStaticServer(
  options: { isolated?: boolean; folder?: string } = {},
): Promise<StaticServer> {
  const isolated = options.isolated ?? true;
  const { folder } = options;
  const requests: string[] = [];
  let bytes = 0;
  const server: Server = createServer((req, res) => {
    const pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    requests.push(req.url ?? '/');
    const file = folder
      ? path.join(folder, pathname === '/' ? 'index.html' : pathname)
      : sdkSiteFile(pathname);
    const stat = statSync(file, { throwIfNoEntry: false });
    if (!file.startsWith(folder ?? root) || !stat?.isFile()) {
      res.writeHead(404).end('not found');
      return;
    }
    // Revalidated on every use, like most sites serve their scripts: a reload costs a 304.
    const etag = `"${stat.size.toString(16)}-${Math.floor(stat.mtimeMs).toString(16)}"`;
    const headers: Record<string, string | number> = {
      'Content-Type': MIME[path.extname(file)] ?? 'application/octet-stream',
      'Cache-Control': 'no-cache',
      ETag: etag,
    };
    if (isolated) {
      headers['Cross-Origin-Opener-Policy'] = 'same-origin';
      headers['Cross-Origin-Embedder-Policy'] = 'require-corp';
      headers['Cross-Origin-Resource-Policy'] = 'same-origin';
    }
    if (req.headers['if-none-match'] === etag) {
      res.writeHead(304, headers).end();
      return;
    }
    bytes += stat.size;
    res.writeHead(200, { ...headers, 'Content-Length': stat.size });
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  return {
    url: `${origin}/`,
    origin,
    requests,
    bytesSent: () => bytes,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
