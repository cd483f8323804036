import fc from 'fast-check';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { describe, expect, it } from 'vitest';
import { PING, controlFrame, openingFrames, retryFrame } from './frames.ts';

const stored = (model: string, metadataVersion: number, body = `{"signed":{"model":"${model}"}}`) => ({
  model,
  metadataVersion,
  body,
  sha256: '0'.repeat(64),
});

function parse(bytes: Buffer) {
  const events: EventSourceMessage[] = [];
  const retries: number[] = [];
  const comments: string[] = [];
  const parser = createParser({
    onEvent: (event) => events.push(event),
    onRetry: (retry) => retries.push(retry),
    onComment: (comment) => comments.push(comment),
  });
  parser.feed(bytes.toString('utf8'));
  return { events, retries, comments };
}

describe('event-stream frames', () => {
  it('frames a document exactly as agreed: id, event, one data line, blank line', () => {
    expect(controlFrame(stored('digits', 42)).toString()).toBe(
      'id: 42\nevent: control\ndata: {"signed":{"model":"digits"}}\n\n',
    );
    expect(retryFrame(3000).toString()).toBe('retry: 3000\n\n');
    expect(PING.toString()).toBe(': ping\n\n');
  });

  it('keeps any JSON body one data line whose parse equals the stored JSON', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.integer({ min: 1, max: 2 ** 40 }), (value, version) => {
        // Pretty-printed, with CR, LF and CRLF between tokens: what a stored body could contain.
        const body = JSON.stringify({ signed: value }, null, 1).replace(
          /\n/g,
          () => ['\n', '\r\n', '\r'][version % 3]!,
        );
        const { events } = parse(controlFrame(stored('m', version, body)));
        expect(events).toHaveLength(1);
        expect(events[0]?.id).toBe(String(version));
        expect(JSON.parse(events[0]?.data ?? '')).toEqual(JSON.parse(body));
      }),
    );
  });

  it('opens with retry and the documents newer than Last-Event-ID, oldest first', () => {
    const documents = [stored('c', 9), stored('a', 3), stored('b', 7)];
    const opened = parse(openingFrames(documents, 3, 1500));
    expect(opened.retries).toEqual([1500]);
    expect(opened.events.map((event) => event.id)).toEqual(['7', '9']);
    expect(parse(openingFrames(documents, 0, 1500)).events.map((event) => event.id)).toEqual(['3', '7', '9']);
    expect(openingFrames(documents, 9, 1500).toString()).toBe('retry: 1500\n\n');
  });
});
