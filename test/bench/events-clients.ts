// A client process of the events benchmark: holds `count` SSE connections to `url` (raw sockets,
// so that the client costs as little as it can) and reports when each receives the next event.
// Usage: node --import tsx test/bench/events-clients.ts <events URL> <count>
// Protocol: prints `ready` once every connection got its opening event; on `arm` (stdin) it
// prints `armed`, then one JSON line `{"received":[ms, …]}` (wall-clock ms, sub-millisecond:
// performance.timeOrigin + now(), comparable with the server's timestamps on the same machine)
// once every connection got its next event.
import net from 'node:net';
import { createInterface } from 'node:readline';

const [url, countArg] = process.argv.slice(2);
const target = new URL(url as string);
const count = Number(countArg);
const MARK = Buffer.from('event: control');
const BATCH = 500;

interface Client {
  tail: Buffer;
  /** Events seen since the last arm. */
  seen: number;
}

const clients: Client[] = [];
let armed = false;
let pending = 0;
let received: number[] = [];
const now = () => performance.timeOrigin + performance.now();

function onEvent(client: Client): void {
  client.seen += 1;
  if (!armed || client.seen !== 1) return;
  received.push(now());
  pending -= 1;
  if (pending === 0) {
    armed = false;
    process.stdout.write(`${JSON.stringify({ received })}\n`);
  }
}

function connect(): Promise<void> {
  return new Promise((resolve, reject) => {
    const client: Client = { tail: Buffer.alloc(0), seen: 0 };
    const socket = net.connect(Number(target.port), target.hostname);
    let opened = false;
    socket.setNoDelay(true);
    socket.once('connect', () =>
      socket.write(
        `GET ${target.pathname}${target.search} HTTP/1.1\r\nHost: ${target.host}\r\nAccept: text/event-stream\r\n\r\n`,
      ),
    );
    socket.on('data', (chunk: Buffer) => {
      if (!opened && !chunk.subarray(0, 12).toString().startsWith('HTTP/1.1 200')) {
        reject(new Error(`connection refused: ${chunk.subarray(0, 200).toString()}`));
        socket.destroy();
        return;
      }
      const text = client.tail.length === 0 ? chunk : Buffer.concat([client.tail, chunk]);
      let from = 0;
      for (let at = text.indexOf(MARK, from); at !== -1; at = text.indexOf(MARK, from)) {
        from = at + MARK.length;
        if (!opened) {
          opened = true;
          client.seen = 0;
          resolve();
        } else onEvent(client);
      }
      // A mark split across two chunks is found in the next one's search.
      client.tail = Buffer.from(text.subarray(Math.max(from, text.length - MARK.length + 1)));
    });
    socket.on('error', (error) => (opened ? console.error(`socket error: ${error.message}`) : reject(error)));
    socket.on('close', () => {
      if (opened) console.error('a connection was closed by the server');
    });
    clients.push(client);
  });
}

for (let i = 0; i < count; i += BATCH) {
  await Promise.all(Array.from({ length: Math.min(BATCH, count - i) }, connect));
}
process.stdout.write('ready\n');
createInterface({ input: process.stdin }).on('line', (line) => {
  if (line !== 'arm') return;
  for (const client of clients) client.seen = 0;
  received = [];
  pending = clients.length;
  armed = true;
  process.stdout.write('armed\n');
});
