import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { sendResponse } from './send-response.ts';

let server: Server | undefined;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

/** Serves `make()` through sendResponse on a real node:http server and fetches it. */
async function roundTrip(make: () => Response, method = 'GET'): Promise<Response> {
  server = createServer((_req, res) => void sendResponse(res, make()));
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return fetch(`http://127.0.0.1:${port}/`, { method });
}

describe('sendResponse', () => {
  it('sends a small body whole, with its status and headers, in one write', async () => {
    const reply = await roundTrip(
      () =>
        new Response('{"ok":true}', {
          status: 201,
          headers: { 'Content-Type': 'application/json', ETag: '"x"' },
        }),
    );
    expect(reply.status).toBe(201);
    expect(reply.headers.get('etag')).toBe('"x"');
    expect(reply.headers.get('content-length')).toBe('11');
    expect(reply.headers.get('transfer-encoding')).toBeNull();
    expect(await reply.text()).toBe('{"ok":true}');
  });

  it('streams a body that declares more than 256 KiB, byte for byte', async () => {
    const bytes = new Uint8Array(3 * 1024 * 1024).map((_, i) => i % 251);
    const reply = await roundTrip(
      () => new Response(bytes, { headers: { 'Content-Length': String(bytes.length) } }),
    );
    expect(reply.headers.get('content-length')).toBe(String(bytes.length));
    expect(Buffer.compare(Buffer.from(await reply.arrayBuffer()), bytes)).toBe(0);
  });

  it('answers without a body (304, HEAD) without writing one', async () => {
    const reply = await roundTrip(() => new Response(null, { status: 304, headers: { ETag: '"y"' } }));
    expect(reply.status).toBe(304);
    expect(reply.headers.get('etag')).toBe('"y"');
    expect(await reply.text()).toBe('');
  });
});
