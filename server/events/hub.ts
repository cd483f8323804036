import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { ControlReader, StoredControl } from '../rollouts/control-store.ts';
import type { ControlBus, ControlChange } from './bus.ts';
import { PING, controlFrame, openingFrames } from './frames.ts';
import type { EventsSettings } from './settings.ts';

/** One open event stream. */
interface Stream {
  res: ServerResponse;
  /**
   * Where events after the opening ones go: the response's socket itself, once the response has
   * written its head (see {@link Wire}), or null to write through `res` (a pipelined response
   * still queued behind another has no socket of its own yet).
   */
  socket: Socket | null;
  /** Whether the response uses chunked transfer coding (HTTP/1.1), so frames must be chunk-framed. */
  chunked: boolean;
  models: readonly string[];
  /**
   * The highest metadataVersion among the documents current when the stream opened (or its
   * `Last-Event-ID`, if higher). Versions come from one global counter, so a document at or below
   * it is either already sent or superseded by one that was: never send it again.
   */
  floor: number;
}

/**
 * A frame ready for the socket, made once per change for every stream: as an HTTP/1.1 chunk
 * (`<size>\r\n<frame>\r\n`, what `res.write` would send) and as is (HTTP/1.0, connection-
 * delimited). Writing it to the socket directly costs one write per stream instead of
 * ServerResponse's four (size line, frame, CRLF, then its uncork on the next tick).
 */
interface Wire {
  chunk: Buffer;
  raw: Buffer;
}

const CRLF = Buffer.from('\r\n');

function wire(frame: Buffer): Wire {
  return { chunk: Buffer.concat([Buffer.from(`${frame.length.toString(16)}\r\n`), frame, CRLF]), raw: frame };
}

const PING_WIRE = wire(PING);

/** What the hub reports for Prometheus (server/metrics/events-metrics.ts). Implementations never throw. */
export interface EventsObserver {
  /** A stream opened. */
  opened(): void;
  /** A stream ended: closed by its client, dropped, or at shutdown (once per opened stream). */
  closed(): void;
  /** `documents` control documents were written to streams (one call per fan-out or opening). */
  pushed(documents: number): void;
  /** A stream was dropped for holding more than `bufferBytes` unsent. */
  dropped(): void;
}

const NO_OBSERVER: EventsObserver = { opened() {}, closed() {}, pushed() {}, dropped() {} };

/** What {@link createEventHub} needs. */
export interface EventHubOptions {
  reader: ControlReader;
  bus: ControlBus;
  settings: EventsSettings;
  /** Counts streams and pushes (none by default). */
  observer?: EventsObserver;
  /** Where drop notices go (console.error by default). */
  log?: (message: string) => void;
}

/** The open event streams of this process and the fan-out of control changes to them. */
export interface EventHub {
  /** Streams open now. */
  readonly size: number;
  /**
   * Takes over `res` (status and headers already set, nothing written) as a stream of `models`:
   * writes `retry:` and every document of `documents` newer than `after`, then each new
   * document of those models until the client goes or falls too far behind. Never throws.
   */
  attach(
    res: ServerResponse,
    stream: { models: readonly string[]; documents: readonly StoredControl[]; after: number },
  ): void;
  /** Stops heartbeats and the bus subscription and ends every stream (at shutdown). */
  close(): void;
}

/**
 * The SSE hub of issue 9: one bus subscription for the process; on a change it reads the model's
 * current document once, frames it once and writes that same buffer to every stream following the
 * model. Writes never wait for a slow client: a stream whose unsent bytes (`writableLength`:
 * what the kernel has not taken yet) exceed `settings.bufferBytes` when its next frame is due is
 * destroyed, and its client reconnects with `Last-Event-ID`.
 */
export function createEventHub(options: EventHubOptions): EventHub {
  const { reader, bus, settings } = options;
  const log = options.log ?? ((message: string) => console.error(message));
  const observer = options.observer ?? NO_OBSERVER;
  const byModel = new Map<string, Set<Stream>>();
  const streams = new Set<Stream>();
  /** The last version framed per model: a repeated notification re-sends nothing. */
  const lastFramed = new Map<string, number>();
  let dropped = 0;

  const remove = (stream: Stream) => {
    if (!streams.delete(stream)) return;
    observer.closed();
    for (const model of stream.models) {
      const followers = byModel.get(model);
      followers?.delete(stream);
      if (followers?.size === 0) byModel.delete(model);
    }
  };

  /** Writes `frame` unless the stream is over its bound, in which case it is dropped (false). */
  const send = (stream: Stream, frame: Wire) => {
    const { res, socket } = stream;
    if ((socket ?? res).writableLength > settings.bufferBytes) {
      dropped += 1;
      observer.dropped();
      remove(stream);
      res.destroy();
      return false;
    }
    // The return value (false: backed up) is deliberately ignored: the bound above is the
    // back-pressure, checked when the next frame is due, so no write ever waits on a drain.
    if (socket) socket.write(stream.chunked ? frame.chunk : frame.raw);
    else res.write(frame.raw);
    return true;
  };

  const reportDrops = () => {
    if (dropped === 0) return;
    log(
      `ferry: events: dropped ${dropped} event stream${dropped === 1 ? '' : 's'} holding over ` +
        `${settings.bufferBytes} unsent bytes (FERRY_SSE_BUFFER_BYTES); clients reconnect with Last-Event-ID`,
    );
    dropped = 0;
  };

  const onChange = (change: ControlChange) => {
    const followers = byModel.get(change.model);
    if (!followers) return;
    const document = reader.current([change.model])[0];
    if (!document || document.metadataVersion <= (lastFramed.get(change.model) ?? 0)) return;
    lastFramed.set(change.model, document.metadataVersion);
    const frame = wire(controlFrame(document));
    let sent = 0;
    for (const stream of followers) {
      if (document.metadataVersion > stream.floor && send(stream, frame)) sent += 1;
    }
    observer.pushed(sent);
    reportDrops();
  };

  const unsubscribe = bus.subscribe(onChange);
  const heartbeat = setInterval(() => {
    for (const stream of streams) send(stream, PING_WIRE);
    reportDrops();
  }, settings.heartbeatMs);
  heartbeat.unref();

  return {
    get size() {
      return streams.size;
    },
    attach(res, { models, documents, after }) {
      // A client gone before its stream opened has had its 'close' already: nothing to follow.
      if (res.destroyed) return;
      const floor = Math.max(after, ...documents.map((document) => document.metadataVersion));
      // Through `res` first: it writes the head and fixes the transfer coding.
      res.write(openingFrames(documents, after, settings.retryMs));
      const direct = res.headersSent && res.socket !== null && !res.writableEnded;
      const stream: Stream = {
        res,
        socket: direct ? res.socket : null,
        chunked: res.chunkedEncoding,
        models,
        floor,
      };
      streams.add(stream);
      observer.opened();
      observer.pushed(documents.filter((document) => document.metadataVersion > after).length);
      for (const model of models) {
        let followers = byModel.get(model);
        if (!followers) byModel.set(model, (followers = new Set()));
        followers.add(stream);
      }
      res.once('close', () => remove(stream));
      // Sockets of event streams live for hours: no idle timeout, and small frames go out at once.
      res.socket?.setTimeout(0);
      res.socket?.setNoDelay(true);
    },
    close() {
      clearInterval(heartbeat);
      unsubscribe();
      for (const stream of [...streams]) {
        remove(stream);
        stream.res.end();
      }
    },
  };
}
