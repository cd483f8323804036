import { StringDecoder } from 'node:string_decoder';

/**
 * Rewrites a server-sent event stream as it passes, line by line: each `data:` line is handed to
 * the rewrite `next()` gives (none: it passes unchanged), so a test can play a man in the middle
 * on single SSE frames. Lines split across chunks are put back together first; everything else
 * (`id:`, `event:`, `retry:`, comments, blank lines) passes byte for byte.
 */
export function eventLineRewriter(
  next: () => ((data: string) => string) | undefined,
): (chunk: Buffer) => Buffer {
  const decoder = new StringDecoder('utf8');
  let pending = '';
  return (chunk) => {
    const lines = (pending + decoder.write(chunk)).split('\n');
    pending = lines.pop() ?? '';
    if (lines.length === 0) return Buffer.alloc(0);
    const out = lines.map((line) => {
      if (!line.startsWith('data: ')) return line;
      const rewrite = next();
      return rewrite ? `data: ${rewrite(line.slice('data: '.length))}` : line;
    });
    return Buffer.from(`${out.join('\n')}\n`);
  };
}
