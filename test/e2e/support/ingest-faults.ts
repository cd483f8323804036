import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { mulberry32 } from '../../../shared/stats/random.ts';

/** What a fault plan may do to one request: pass it, or drop, lose, duplicate or delay it. */
export type Fault = 'pass' | 'drop' | 'lose' | 'duplicate' | 'delay';

/**
 * Shares of requests (each in [0, 1], together at most 1) that a plan drops (never forwarded: the
 * browser sees a cut connection), loses (forwarded, then the answer is cut, so the browser cannot
 * know it arrived), duplicates (forwarded twice) or delays (20–220 ms); draws come from `seed`.
 */
export interface FaultPlan {
  seed: number;
  drop?: number;
  lose?: number;
  duplicate?: number;
  delay?: number;
}

/** What the faulty forwarder did with one request. */
export interface FaultRecord {
  method: string;
  path: string;
  status: number;
  bytes: number;
  body: string;
  fault: Fault;
}

type Answer = { status: number; headers: Record<string, string | string[] | undefined>; body: Buffer };

/** Sends `body` to `upstream` as `req` asked; null when the upstream cannot be reached. */
function forwardOnce(upstream: URL, req: IncomingMessage, body: Buffer): Promise<Answer | null> {
  return new Promise((resolve) => {
    const out = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: upstream.host },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 502, headers: res.headers, body: Buffer.concat(chunks) }),
        );
      },
    );
    out.on('error', () => resolve(null));
    out.end(body);
  });
}

/**
 * A request handler that forwards to `upstream` through `plan`'s faults, reporting each request
 * (with its body and fault) to `record` once the browser got its answer or its cut connection.
 */
export function faultyForwarder(upstream: URL, plan: FaultPlan, record: (entry: FaultRecord) => void) {
  const random = mulberry32(plan.seed);
  const pick = (): Fault => {
    const draw = random();
    let cumulative = 0;
    for (const fault of ['drop', 'lose', 'duplicate', 'delay'] as const) {
      cumulative += plan[fault] ?? 0;
      if (draw < cumulative) return fault;
    }
    return 'pass';
  };
  return (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', async () => {
      const body = Buffer.concat(chunks);
      const fault = pick();
      const base = { method: req.method ?? 'POST', path: req.url ?? '/', body: body.toString('utf8'), fault };
      if (fault === 'drop') {
        record({ ...base, status: 0, bytes: 0 });
        res.socket?.destroy();
        return;
      }
      if (fault === 'delay') await new Promise((resolve) => setTimeout(resolve, 20 + random() * 200));
      const answer = await forwardOnce(upstream, req, body);
      if (fault === 'duplicate') await forwardOnce(upstream, req, body);
      if (!answer || fault === 'lose') {
        record({ ...base, status: answer?.status ?? 0, bytes: 0 });
        res.socket?.destroy();
        return;
      }
      record({ ...base, status: answer.status, bytes: answer.body.length });
      res.writeHead(answer.status, answer.headers).end(answer.body);
    });
  };
}
