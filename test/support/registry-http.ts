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

/** PUTs bytes to the upload route. */
export function putUpload(url: string, bytes: Uint8Array, token?: string): Promise<Response> {
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const headers: Record<string, string> = { 'content-type': 'application/octet-stream' };
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  return fetch(`${url}/api/v1/uploads/${sha256}`, {
    method: 'PUT',
    headers,
    body: bytes as Uint8Array<ArrayBuffer>,
  });
}

/** Uploads every file of a bundle folder, then calls `versions.publish` over raw HTTP. */
export async function publishOverHttp(url: string, token: string, dir: string): Promise<TrpcReply> {
  const manifest = JSON.parse(readFileSync(path.join(dir, 'ferry.json'), 'utf8')) as {
    files: { path: string }[];
  };
  const files = [];
  for (const file of manifest.files) {
    const bytes = readFileSync(path.join(dir, file.path));
    const response = await putUpload(url, bytes, token);
    if (!response.ok)
      throw new Error(`upload of ${file.path} failed: ${response.status} ${await response.text()}`);
    files.push({
      path: file.path,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      size: bytes.length,
    });
  }
  return callTrpc(url, 'versions.publish', { input: { manifest, files }, token });
}
