import { describe, expect, it } from 'vitest';
import { asApiError } from './api-errors.ts';

const at = (path: string, method = 'GET') => new Request(`http://ferry.test${path}`, { method });

describe('asApiError', () => {
  it("turns a framework's text 405 under /api/ into the JSON contract, keeping status and Allow", async () => {
    const text = new Response('DELETE method not allowed', { status: 405, headers: { Allow: 'GET, HEAD' } });
    const answer = asApiError(at('/api/v1/models', 'DELETE'), text);
    expect(answer.status).toBe(405);
    expect(answer.headers.get('allow')).toBe('GET, HEAD');
    expect(await answer.json()).toEqual({
      error: {
        code: 'METHOD_NOT_ALLOWED',
        message: 'method: DELETE is not allowed on /api/v1/models (allowed: GET, HEAD)',
      },
    });
  });

  it('answers an HTML 404 or 500 under /api/ with NOT_FOUND or an INTERNAL that reveals nothing', async () => {
    const html = { headers: { 'Content-Type': 'text/html' } };
    const missing = asApiError(at('/api/v2/x'), new Response('<h1>404</h1>', { status: 404, ...html }));
    expect(await missing.json()).toMatchObject({ error: { code: 'NOT_FOUND' } });
    const failed = asApiError(at('/api/v1/x'), new Response('<pre>stack</pre>', { status: 500, ...html }));
    expect(failed.status).toBe(500);
    expect(await failed.json()).toEqual({ error: { code: 'INTERNAL', message: 'Internal server error' } });
  });

  it('leaves JSON errors, successes and pages untouched', () => {
    const json = new Response('{"error":{}}', {
      status: 404,
      headers: { 'Content-Type': 'application/json' },
    });
    expect(asApiError(at('/api/v1/x'), json)).toBe(json);
    const ok = new Response('fine');
    expect(asApiError(at('/api/v1/x'), ok)).toBe(ok);
    const page = new Response('<h1>404</h1>', { status: 404, headers: { 'Content-Type': 'text/html' } });
    expect(asApiError(at('/demo/nope'), page)).toBe(page);
  });
});
