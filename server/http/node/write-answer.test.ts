import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { Answer } from '../answer.ts';
import type { HeaderList } from './header-list.ts';
import { writeAnswer } from './write-answer.ts';

let server: Server | undefined;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

const fixed: HeaderList = {
  flat: ['X-Content-Type-Options', 'nosniff', 'Cross-Origin-Resource-Policy', 'cross-origin'],
  names: new Set(['x-content-type-options', 'cross-origin-resource-policy']),
};

/** Answers one request with `write(res)` on a real node:http server; resolves with the raw reply. */
async function roundTrip(write: (res: ServerResponse) => void, method = 'GET') {
  server = createServer((_req, res) => write(res));
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return new Promise<{ reply: IncomingMessage; body: string }>((resolve, reject) => {
    request({ port, method, host: '127.0.0.1' }, (reply) => {
      let body = '';
      reply.setEncoding('utf8');
      reply.on('data', (chunk: string) => (body += chunk));
      reply.on('end', () => resolve({ reply, body }));
    })
      .on('error', reject)
      .end();
  });
}

/** Header names as sent, in lower case (repeats kept). */
const namesOf = (reply: IncomingMessage) =>
  reply.rawHeaders.filter((_, i) => i % 2 === 0).map((n) => n.toLowerCase());

describe('writeAnswer', () => {
  it('sends the fixed headers over the answer’s own of the same name, once each, with the byte length', async () => {
    const answer: Answer = {
      status: 200,
      headers: { 'Content-Type': 'text/plain; charset=utf-8', 'cross-origin-resource-policy': 'same-origin' },
      body: 'héllo ✓',
    };
    const { reply, body } = await roundTrip((res) => void writeAnswer(res, answer, fixed));
    expect(body).toBe('héllo ✓');
    expect(reply.headers['content-length']).toBe(String(Buffer.byteLength('héllo ✓')));
    expect(reply.headers['cross-origin-resource-policy']).toBe('cross-origin');
    expect(reply.headers['x-content-type-options']).toBe('nosniff');
    const names = namesOf(reply);
    expect(names.length).toBe(new Set(names).size);
    expect(reply.headers['transfer-encoding']).toBeUndefined();
  });

  it('keeps headers set before it, with the answer’s winning, and a declared Content-Length', async () => {
    const answer: Answer = {
      status: 206,
      headers: { 'Content-Length': '3', ETag: '"b"' },
      body: Buffer.from('abc'),
    };
    const { reply, body } = await roundTrip((res) => {
      res.setHeader('ETag', '"a"');
      res.setHeader('Referrer-Policy', 'no-referrer');
      void writeAnswer(res, answer);
    });
    expect([reply.statusCode, body]).toEqual([206, 'abc']);
    expect(reply.headers).toMatchObject({
      etag: '"b"',
      'referrer-policy': 'no-referrer',
      'content-length': '3',
    });
    expect(namesOf(reply).filter((name) => name === 'content-length')).toHaveLength(1);
  });

  it('says no length for HEAD, 204 and 304, as Node does', async () => {
    const answers: [string, Answer][] = [
      ['HEAD', { status: 200, headers: {}, body: null }],
      ['GET', { status: 204, headers: {}, body: null }],
      ['GET', { status: 304, headers: { ETag: '"x"' }, body: null }],
    ];
    for (const [method, answer] of answers) {
      const { reply, body } = await roundTrip((res) => void writeAnswer(res, answer, fixed), method);
      expect([method, answer.status, reply.headers['content-length'], body]).toEqual([
        method,
        answer.status,
        undefined,
        '',
      ]);
      await new Promise<void>((resolve) => server!.close(() => resolve()));
      server = undefined;
    }
    const { reply } = await roundTrip(
      (res) => void writeAnswer(res, { status: 200, headers: {}, body: null }, fixed),
    );
    expect(reply.headers['content-length']).toBe('0');
  });
});
