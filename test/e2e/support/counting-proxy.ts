import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { eventLineRewriter } from './event-rewrite.ts';
import { faultyForwarder, type Fault, type FaultPlan } from './ingest-faults.ts';

/** One request that reached the Ferry server through the proxy. */
export interface ProxiedRequest {
  method: string;
  path: string;
  status: number;
  range: string | null;
  /** Body bytes the proxy passed on to the browser. */
  bytes: number;
  /** The request body the browser sent (text), for requests that had one. */
  body?: string;
  /** What a fault plan did to it, when one applied (see {@link CountingProxy.faults}). */
  fault?: Fault;
}

/** A request that {@link CountingProxy.holdAll} held, and whether it has been let through yet. */
export interface HeldRequest {
  path: string;
  released: boolean;
}

/** A counting (and, on demand, connection-cutting) proxy in front of a Ferry server. */
export interface CountingProxy {
  url: string;
  requests: ProxiedRequest[];
  /** GET requests for blobs so far. */
  blobRequests(): ProxiedRequest[];
  /** Cuts the connection of the next response for `path` after `bytes` body bytes (one shot). */
  cutNext(pathSuffix: string, bytes: number): void;
  /** Rewrites the body of the next response for `path` (one shot): a man in the middle. */
  tamperNext(pathSuffix: string, rewrite: (body: string) => string): void;
  /** Rewrites the `data:` of the next event any event stream carries (one shot): a man in the middle on SSE. */
  rewriteNextEvent(rewrite: (data: string) => string): void;
  /**
   * Answers every later request whose path starts with `pathPrefix` with `status` itself, as a
   * filtering proxy does (null: stop). An EventSource answered so gives up at once.
   */
  block(pathPrefix: string, status: number | null): void;
  /**
   * Holds the next request for `path` (one shot) before it reaches the server. Resolves once it
   * arrived, with a function that lets it through.
   */
  holdNext(pathSuffix: string): Promise<() => void>;
  /** Applies `plan` to every later request whose path starts with `pathPrefix` (null: stop). */
  faults(pathPrefix: string, plan: FaultPlan | null): void;
  /**
   * Holds every later request `ms` before it reaches the server, so every response comes at least
   * that late, as on a slow network (null: new requests pass at once again). See {@link held}.
   */
  holdAll(ms: number | null): void;
  /** Every request {@link holdAll} held, in arrival order. */
  held: HeldRequest[];
  /** While true, every request gets a cut connection, as if the server were down. */
  refuseAll(refuse: boolean): void;
  close(): Promise<void>;
}

/**
 * Counts, server side, what a browser asks the Ferry server for: every request passes through
 * this proxy to `target` unchanged (headers, CORS, status and body), and is recorded when its
 * response ends. Counting here rather than in the page means a test cannot be fooled by the
 * page's own view of its traffic.
 */
export async function startCountingProxy(target: string): Promise<CountingProxy> {
  const upstream = new URL(target);
  const requests: ProxiedRequest[] = [];
  const cuts = new Map<string, number>();
  const tampers = new Map<string, (body: string) => string>();
  const holds = new Map<string, (release: () => void) => void>();
  const eventRewrites: ((data: string) => string)[] = [];
  const blocks = new Map<string, number>();
  const take = <T>(map: Map<string, T>, path: string) => {
    const key = [...map.keys()].find((suffix) => path.endsWith(suffix));
    const value = key === undefined ? undefined : map.get(key);
    if (key !== undefined) map.delete(key);
    return value;
  };
  const faulty = new Map<string, ReturnType<typeof faultyForwarder>>();
  let refusing = false;
  let holdAllMs: number | null = null;
  const held: HeldRequest[] = [];
  const server: Server = createServer(async (req, res) => {
    const path = req.url ?? '/';
    if (refusing) {
      req.resume().on('end', () => res.socket?.destroy());
      return;
    }
    if (holdAllMs !== null) {
      const entry = { path, released: false };
      held.push(entry);
      await new Promise((resolve) => setTimeout(resolve, holdAllMs ?? 0));
      entry.released = true;
    }
    const blocked = [...blocks.entries()].find(([prefix]) => path.startsWith(prefix))?.[1];
    if (blocked !== undefined) {
      requests.push({ method: req.method ?? 'GET', path, status: blocked, range: null, bytes: 0 });
      req.resume();
      res.writeHead(blocked, { 'content-type': 'text/plain' }).end('blocked by the proxy');
      return;
    }
    const forwarder = [...faulty.entries()].find(([prefix]) => path.startsWith(prefix))?.[1];
    if (forwarder) return forwarder(req, res);
    const hold = take(holds, path);
    if (hold) await new Promise<void>((release) => hold(release));
    const tamper = take(tampers, path);
    const cutAfter = take(cuts, path);
    const idempotent = req.method === 'GET' || req.method === 'HEAD';
    let responded = false;
    const send = (resent: boolean) => {
      const forward = httpRequest(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: req.method,
          path,
          // A tampered body must be a full one, not a 304.
          headers: { ...req.headers, host: upstream.host, ...(tamper ? { 'if-none-match': '' } : {}) },
        },
        (upstreamRes) => {
          responded = true;
          const record = {
            method: req.method ?? 'GET',
            path,
            status: upstreamRes.statusCode ?? 0,
            range: req.headers.range ?? null,
            bytes: 0,
          };
          if (tamper) {
            const chunks: Buffer[] = [];
            upstreamRes.on('data', (chunk: Buffer) => chunks.push(chunk));
            upstreamRes.on('end', () => {
              const body = Buffer.from(tamper(Buffer.concat(chunks).toString('utf8')));
              const headers = { ...upstreamRes.headers, 'content-length': String(body.length) };
              delete headers.etag;
              res.writeHead(upstreamRes.statusCode ?? 502, headers).end(body);
              requests.push({ ...record, bytes: body.length });
            });
            return;
          }
          res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
          const events = String(upstreamRes.headers['content-type']).startsWith('text/event-stream')
            ? eventLineRewriter(() => eventRewrites.shift())
            : null;
          upstreamRes.on('data', (raw: Buffer) => {
            const chunk = events ? events(raw) : raw;
            if (cutAfter !== undefined && record.bytes + chunk.length > cutAfter) {
              res.write(chunk.subarray(0, cutAfter - record.bytes));
              record.bytes = cutAfter;
              requests.push(record);
              upstreamRes.destroy();
              res.socket?.destroy();
              return;
            }
            record.bytes += chunk.length;
            res.write(chunk);
          });
          upstreamRes.on('end', () => {
            requests.push(
              body.length > 0 ? { ...record, body: Buffer.concat(body).toString('utf8') } : record,
            );
            res.end();
          });
          // The server's side ended short of its response (its connection was cut, or it failed
          // mid-body): so does the browser's, at once, rather than a body left open for good.
          upstreamRes.on('close', () => {
            if (!upstreamRes.complete) res.socket?.destroy();
          });
        },
      );
      forward.on('error', (error: NodeJS.ErrnoException) => {
        // The server closed a kept-alive connection just as the agent reused it (its idle timeout
        // and ours raced, as on a loaded machine): sent again once, as browsers and reverse proxies
        // do, following Node's documented `reusedSocket` pattern. Only before any answer, and only
        // for GET and HEAD, which have no body to replay.
        if (idempotent && !resent && !responded && forward.reusedSocket && error.code === 'ECONNRESET')
          return send(true);
        res.socket?.destroy();
      });
      if (idempotent) forward.end();
      else req.pipe(forward);
    };
    const body: Buffer[] = [];
    req.on('data', (chunk: Buffer) => body.push(chunk));
    send(false);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    blobRequests: () => requests.filter((r) => r.method === 'GET' && r.path.startsWith('/api/v1/blobs/')),
    cutNext: (suffix, bytes) => void cuts.set(suffix, bytes),
    tamperNext: (suffix, rewrite) => void tampers.set(suffix, rewrite),
    rewriteNextEvent: (rewrite) => void eventRewrites.push(rewrite),
    block: (prefix, status) => void (status === null ? blocks.delete(prefix) : blocks.set(prefix, status)),
    holdNext: (suffix) => new Promise((arrived) => void holds.set(suffix, arrived)),
    faults(prefix, plan) {
      if (plan)
        faulty.set(
          prefix,
          faultyForwarder(upstream, plan, (entry) => requests.push({ ...entry, range: null })),
        );
      else faulty.delete(prefix);
    },
    holdAll: (ms) => void (holdAllMs = ms),
    held,
    refuseAll: (refuse) => void (refusing = refuse),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
