import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';

/** What a raw tRPC call over HTTP answered. */
export interface TrpcReply {
  status: number;
  body: {
    result?: { data: unknown };
    error?: { message: string; data: { code: string; ferryCode: string | null } };
  };
}

/** POSTs a tRPC mutation (or GETs a query) without any client library, as a curl user would. */
export async function callTrpc(
  url: string,
  procedure: string,
  options: { input?: unknown; token?: string; query?: boolean } = {},
): Promise<TrpcReply> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  const input = JSON.stringify(options.input ?? {});
  const response = options.query
    ? await fetch(`${url}/api/trpc/${procedure}?input=${encodeURIComponent(input)}`, { headers })
    : await fetch(`${url}/api/trpc/${procedure}`, { method: 'POST', headers, body: input });
  return { status: response.status, body: (await response.json()) as TrpcReply['body'] };
}

const bearer = (token: string | undefined): Record<string, string> =>
  token === undefined ? {} : { authorization: `Bearer ${token}` };

/**
 * PUTs bytes to the upload route, under their own sha256 unless `options.sha256` claims another
 * (or a malformed) digest.
 */
export function putUpload(
  url: string,
  bytes: Uint8Array,
  options: { token?: string; sha256?: string } = {},
): Promise<Response> {
  const sha256 = options.sha256 ?? createHash('sha256').update(bytes).digest('hex');
  return fetch(`${url}/api/v1/uploads/${sha256}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/octet-stream', ...bearer(options.token) },
    body: bytes as Uint8Array<ArrayBuffer>,
  });
}

/** HEADs the upload route: whether the server stores `sha256` (needs a publish token). */
export function headUpload(url: string, sha256: string, token?: string): Promise<Response> {
  return fetch(`${url}/api/v1/uploads/${sha256}`, { method: 'HEAD', headers: bearer(token) });
}

/** Uploads every file of a bundle folder, then calls `versions.publish` over raw HTTP. */
export async function publishOverHttp(url: string, token: string, dir: string): Promise<TrpcReply> {
  const manifest = JSON.parse(readFileSync(path.join(dir, 'ferry.json'), 'utf8')) as {
    files: { path: string }[];
  };
  const files = [];
  for (const file of manifest.files) {
    const bytes = readFileSync(path.join(dir, file.path));
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const response = await putUpload(url, bytes, { token, sha256 });
    if (!response.ok)
      throw new Error(`upload of ${file.path} failed: ${response.status} ${await response.text()}`);
    files.push({ path: file.path, sha256, size: bytes.length });
  }
  return callTrpc(url, 'versions.publish', { input: { manifest, files }, token });
}
