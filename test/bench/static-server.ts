// The baseline of the delivery benchmark: a plain Node static file server, node:http plus
// fs.createReadStream, serving one blob and one manifest file with the same headers Ferry sends.
// Usage: node --import tsx test/bench/static-server.ts <blob file> <manifest file>
import { createHash } from 'node:crypto';
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';

const [blobFile = '', manifestFile = ''] = process.argv.slice(2);
const blobSize = statSync(blobFile).size;
const manifestEtag = `"${createHash('sha256').update(readFileSync(manifestFile)).digest('hex')}"`;

const server = createServer((req, res) => {
  if (req.url === '/blob') {
    res.writeHead(200, {
      'Content-Type': 'application/octet-stream',
      'Content-Length': blobSize,
      'Cache-Control': 'public, max-age=31536000, immutable',
    });
    createReadStream(blobFile).pipe(res);
  } else if (req.url === '/manifest') {
    // Read per request, as Ferry reads the manifest from SQLite per request.
    const body = readFileSync(manifestFile);
    res.writeHead(200, {
      'Content-Type': 'application/json',
      'Content-Length': body.length,
      ETag: manifestEtag,
    });
    res.end(body);
  } else {
    res.writeHead(404).end();
  }
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  console.log(`listening ${typeof address === 'object' && address ? address.port : 0}`);
});
