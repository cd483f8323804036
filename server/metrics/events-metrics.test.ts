import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createEventsMetrics } from './events-metrics.ts';

describe('event stream metrics', () => {
  it('exposes open streams as a gauge and opened, pushed and dropped as counters', async () => {
    const registry = new Registry();
    const events = createEventsMetrics(registry);
    events.opened();
    events.opened();
    events.pushed(3);
    events.pushed(0);
    events.dropped();
    events.closed();
    const text = await registry.metrics();
    expect(text).toContain('# TYPE ferry_sse_streams gauge');
    expect(text).toMatch(/^ferry_sse_streams 1$/m);
    expect(text).toMatch(/^ferry_sse_streams_opened_total 2$/m);
    expect(text).toMatch(/^ferry_sse_documents_pushed_total 3$/m);
    expect(text).toMatch(/^ferry_sse_streams_dropped_total 1$/m);
  });
});
