import { createServer, request, type IncomingMessage, type RequestListener } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startCountingProxy, type CountingProxy } from './counting-proxy.ts';

let proxy: CountingProxy | undefined;
let closeUpstream: (() => void) | undefined;
afterEach(async () => {
  await proxy?.close();
  closeUpstream?.();
});

/** An upstream server answering with `handler`, closed after the test; resolves with its URL. */
async function upstream(handler: RequestListener): Promise<string> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closeUpstream = () => {
    server.closeAllConnections();
    server.close();
  };
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/**
 * An upstream that drops, unanswered, the second request on any connection: what a server does
 * when its keep-alive timeout closes a connection just as the proxy's agent reuses it.
 */
async function droppingReusedConnections(): Promise<{ url: string; dropped: () => number }> {
  const served = new WeakMap<Socket, number>();
  let dropped = 0;
  const url = await upstream((req, res) => {
    const count = (served.get(req.socket) ?? 0) + 1;
    served.set(req.socket, count);
    if (count > 1) {
      dropped++;
      req.socket.destroy();
      return;
    }
    req.resume().on('end', () => res.end('ok'));
  });
  return { url, dropped: () => dropped };
}

/**
 * A request to the proxy on a connection of its own, which asks to be kept alive as a browser's
 * does (the proxy passes that header on, so its agent keeps the upstream connection).
 */
const send = (url: string, method: string) =>
  new Promise<{ status: number; body: string }>((resolve, reject) => {
    const outgoing = request(
      `${url}/x`,
      { method, agent: false, headers: { connection: 'keep-alive' } },
      (res: IncomingMessage) => {
        let body = '';
        res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        res.on('error', reject);
      },
    );
    outgoing.on('error', reject);
    outgoing.end(method === 'POST' ? '{}' : undefined);
  });

describe('startCountingProxy', () => {
  it('sends a GET again on a new connection when the server drops the kept-alive one it reused', async () => {
    const upstream = await droppingReusedConnections();
    proxy = await startCountingProxy(upstream.url);
    for (let i = 0; i < 3; i++) expect(await send(proxy.url, 'GET')).toEqual({ status: 200, body: 'ok' });
    expect(proxy.requests.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(upstream.dropped()).toBe(2);
  });

  it('does not send a POST again: its connection is cut, as the server cut it', async () => {
    const upstream = await droppingReusedConnections();
    proxy = await startCountingProxy(upstream.url);
    expect(await send(proxy.url, 'POST')).toEqual({ status: 200, body: 'ok' });
    await expect(send(proxy.url, 'POST')).rejects.toThrow(/socket hang up|ECONNRESET/);
    expect(upstream.dropped()).toBe(1);
  });

  it("cuts the browser's connection when the server's response ends short of its length", async () => {
    const url = await upstream((_req, res) => {
      res.writeHead(200, { 'content-length': '10' }).write('abc', () => res.socket?.destroy());
    });
    proxy = await startCountingProxy(url);
    await expect(send(proxy.url, 'GET')).rejects.toThrow(/aborted|socket hang up|ECONNRESET/);
  });
});
