import type { Ferry } from './ferry.ts';

/**
 * Prints the start-up banner. Its first line, `Ferry listening on <url>`, and the
 * `Admin token: <secret>` line are parsed by tests (test/support/ferry-server.ts): keep them.
 */
export function printStartup(ferry: Ferry, url: string): void {
  const { startup, config } = ferry;
  const lines = [
    `Ferry listening on ${url}`,
    `  Demo:             ${url}/demo`,
    `  Console:          ${url}/console`,
    `  Models API:       ${url}/api/v1/models`,
    `  Server info:      ${url}/.well-known/ferry.json`,
    `  Data directory:   ${config.dataDir}`,
    `  Signing key:      ed25519 keyid ${startup.keyid}${startup.keyCreated ? ' (created now)' : ''}`,
    `  Public key:       ${startup.publicKey}`,
  ];
  if (startup.examples) {
    const { published, skipped, failed } = startup.examples;
    if (published.length > 0) lines.push(`  Published examples: ${published.join(', ')}`);
    if (skipped.length > 0) lines.push(`  Examples already published: ${skipped.join(', ')}`);
    for (const failure of failed)
      lines.push(`  WARNING: example ${failure.dir} not published: ${failure.message}`);
  }
  if (startup.adminToken) {
    lines.push(
      '',
      '  First start: an admin token (scopes admin + publish) was created. It is shown only now:',
      `  Admin token: ${startup.adminToken}`,
      '  Use it with: ferry token create --scope publish --server <url> --token <admin token>',
    );
  }
  console.log(lines.join('\n'));
}
