// The baseline of the events benchmark: a bare node:http SSE broadcast. GET (any path) opens a
// stream that gets `retry:` and the frame given at start; POST /broadcast writes its body to
// every stream (one buffer, no bound, no validation, no storage, no signing) and answers 204.
// Usage: node --import tsx test/bench/sse-baseline.ts <file with the opening frame>
import { readFileSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';

const opening = readFileSync(process.argv[2] as string);
const streams = new Set<ServerResponse>();

const server = createServer((req, res) => {
  if (req.method === 'POST') {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const frame = Buffer.concat(chunks);
      for (const stream of streams) stream.write(frame);
      res.writeHead(204).end();
    });
    return;
  }
  res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
  res.write(Buffer.concat([Buffer.from('retry: 3000\n\n'), opening]));
  streams.add(res);
  res.on('close', () => streams.delete(res));
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  console.log(`listening ${typeof address === 'object' && address ? address.port : 0}`);
});
process.once('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
