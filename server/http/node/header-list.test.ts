import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../config.ts';
import { isolationHeaders } from '../cors.ts';
import { BASELINE_HEADERS } from './front-door.ts';
import { createHeaderLists } from './header-list.ts';

const config = loadConfig({ FERRY_ALLOWED_ORIGINS: 'https://app.example' });
const asRecord = (flat: readonly string[]) =>
  Object.fromEntries(flat.flatMap((item, i) => (i % 2 === 0 ? [[item.toLowerCase(), flat[i + 1]]] : [])));
const lower = (headers: Record<string, string>) =>
  Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));

describe('createHeaderLists', () => {
  it('gives the baseline with the isolation headers over it, per path kind and allowed origin', () => {
    const lists = createHeaderLists(config);
    const cases: [string, string | null][] = [
      ['/api/v1/telemetry', null],
      ['/api/v1/models/tiny/versions/1.0.0/manifest', 'https://app.example'],
      ['/api/v1/blobs/abc', 'https://evil.example'],
      ['/console', 'https://app.example'],
    ];
    for (const [pathname, origin] of cases) {
      const list = lists(pathname, origin);
      const expected = { ...lower(BASELINE_HEADERS), ...lower(isolationHeaders(pathname, origin, config)) };
      expect([pathname, asRecord(list.flat)]).toEqual([pathname, expected]);
      expect(list.flat.length / 2).toBe(list.names.size);
      expect([...list.names].sort()).toEqual(Object.keys(expected).sort());
    }
    expect(asRecord(lists('/api/v1/telemetry', 'https://app.example').flat)).toMatchObject({
      'access-control-allow-origin': 'https://app.example',
      'cross-origin-resource-policy': 'cross-origin',
    });
    expect(asRecord(lists('/api/v1/telemetry', 'https://evil.example').flat)).not.toHaveProperty(
      'access-control-allow-origin',
    );
  });
});
