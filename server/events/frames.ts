import type { StoredControl } from '../rollouts/control-store.ts';

/**
 * The SSE wire format of GET /api/v1/events (https://html.spec.whatwg.org/multipage/server-sent-events.html),
 * as agreed for issue 9: `retry:` first, one `control` event per document, `: ping` heartbeats.
 */

/** The heartbeat: a comment line, ignored by every EventSource, that keeps proxies from timing out. */
export const PING = Buffer.from(': ping\n\n');

/** The first bytes of every stream: how long the client waits before reconnecting. */
export function retryFrame(retryMs: number): Buffer {
  return Buffer.from(`retry: ${retryMs}\n\n`);
}

/**
 * One document as an event: `id` is its metadataVersion (what the client sends back as
 * `Last-Event-ID`), `data` the stored envelope. The envelope is JSON as stored; an SSE `data:`
 * line ends at a line break, so any raw CR or LF (JSON allows them as whitespace) becomes a space,
 * which leaves the parsed JSON, and so the signed content, unchanged.
 */
export function controlFrame(document: StoredControl): Buffer {
  const data = /[\r\n]/.test(document.body) ? document.body.replace(/\r\n|[\r\n]/g, ' ') : document.body;
  return Buffer.from(`id: ${document.metadataVersion}\nevent: control\ndata: ${data}\n\n`);
}

/** The frames a new stream starts with: `retry:`, then each document newer than `after`, oldest first. */
export function openingFrames(documents: readonly StoredControl[], after: number, retryMs: number): Buffer {
  const newer = documents
    .filter((document) => document.metadataVersion > after)
    .sort((a, b) => a.metadataVersion - b.metadataVersion);
  return Buffer.concat([retryFrame(retryMs), ...newer.map(controlFrame)]);
}
