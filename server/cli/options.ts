import type { Command } from 'commander';
import type { Connection } from './client.ts';
import { CliError, ExitCode } from './exit-codes.ts';

/** Adds `--server`, `--token` and `--json` to a command. */
export function withConnection(command: Command): Command {
  return command
    .option('--server <url>', 'Ferry server URL (default: $FERRY_SERVER)')
    .option('--token <token>', 'API token (default: $FERRY_TOKEN)')
    .option('--json', 'print the result as JSON');
}

/**
 * The connection a command's options (or FERRY_SERVER / FERRY_TOKEN) name, the server URL without
 * trailing slashes; usage error when incomplete.
 */
export function connectionOf(options: { server?: string; token?: string }): Connection {
  const server = options.server ?? process.env.FERRY_SERVER;
  const token = options.token ?? process.env.FERRY_TOKEN;
  if (!server) throw new CliError('missing --server <url> (or FERRY_SERVER)', ExitCode.USAGE);
  if (!/^https?:\/\//.test(server))
    throw new CliError(`--server: "${server}" is not an http(s) URL`, ExitCode.USAGE);
  if (!token) throw new CliError('missing --token <token> (or FERRY_TOKEN)', ExitCode.USAGE);
  return { server: server.replace(/\/+$/, ''), token };
}

/** Prints `value` as JSON when `--json` was given, else the human lines. */
export function output(json: boolean | undefined, value: unknown, human: () => string[]): void {
  console.log(json ? JSON.stringify(value, null, 2) : human().join('\n'));
}
