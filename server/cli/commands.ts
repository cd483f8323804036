import { Command, InvalidArgumentError } from 'commander';
import { ErrorCode, TokenScope, VersionStatus } from '$shared';
import { callServer } from './client.ts';
import { CliError, ExitCode } from './exit-codes.ts';
import { connectionOf, output, withConnection } from './options.ts';
import { publishBundle } from './publish.ts';
import { addBlockCommands } from './rollout.ts';

type ConnectionOptions = { server?: string; token?: string; json?: boolean };

function scopeList(value: string, previous: string[] = []): string[] {
  for (const scope of value.split(',')) {
    if (!TokenScope.safeParse(scope).success) {
      throw new InvalidArgumentError(`"${scope}" is not a scope (${TokenScope.options.join(', ')})`);
    }
    previous.push(scope);
  }
  return previous;
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

/** `ferry publish <dir>`. */
export function publishCommand(): Command {
  return withConnection(new Command('publish'))
    .description('validate a bundle folder, upload its files and publish it (scope: publish)')
    .argument('<dir>', 'bundle folder containing ferry.json')
    .action(async (dir: string, options: ConnectionOptions) => {
      const connection = connectionOf(options);
      const log = options.json ? () => {} : (line: string) => console.log(line);
      const result = await publishBundle(dir, connection, log);
      output(options.json, result, () => [
        `published ${result.name}@${result.version} (metadataVersion ${result.metadataVersion}, ${result.size} bytes)`,
      ]);
    });
}

/** `ferry token create|list|revoke`. */
export function tokenCommand(): Command {
  const token = new Command('token').description('manage API tokens (scope: admin)');
  withConnection(token.command('create'))
    .description('create a token; its secret is printed once')
    .requiredOption(
      '--scope <scopes>',
      'publish, admin, read, operator and/or metrics (repeat or comma-separate)',
      scopeList,
    )
    .option('--name <name>', 'a label to tell tokens apart', 'cli token')
    .action(async (options: ConnectionOptions & { scope: TokenScope[]; name: string }) => {
      const connection = connectionOf(options);
      const created = await callServer(connection, (client) =>
        client.tokens.create.mutate({ name: options.name, scopes: options.scope }),
      );
      output(options.json, created, () => [
        `created token ${created.id} "${created.name}" with scopes ${created.scopes.join(', ')}; it is shown only now:`,
        created.token,
      ]);
    });
  withConnection(token.command('list'))
    .description('list tokens (never their secrets)')
    .action(async (options: ConnectionOptions) => {
      const connection = connectionOf(options);
      const tokens = await callServer(connection, (client) => client.tokens.list.query());
      output(options.json, tokens, () =>
        tokens.map(
          (t) =>
            `${t.id}\t${t.prefix}…\t${t.scopes.join(',')}\t${t.revokedAt ? 'revoked' : 'active'}\t${t.name}`,
        ),
      );
    });
  withConnection(token.command('revoke'))
    .description('revoke a token by id')
    .argument('<id>', 'token id (see token list)', positiveInt)
    .action(async (id: number, options: ConnectionOptions) => {
      const connection = connectionOf(options);
      const revoked = await callServer(connection, (client) => client.tokens.revoke.mutate({ id }));
      output(options.json, revoked, () => [`revoked token ${revoked.id} "${revoked.name}"`]);
    });
  return token;
}

/** `ferry versions set-status <name> <version> <status>`. */
export function versionsCommand(): Command {
  const versions = new Command('versions').description(
    'list and manage published versions (set-status: scope admin)',
  );
  withConnection(versions.command('list'))
    .description("list a model's versions, newest first, with status and size")
    .argument('<name>', 'model name')
    .action(async (name: string, options: ConnectionOptions) => {
      const connection = connectionOf(options);
      const { models } = await callServer(connection, (client) => client.models.list.query());
      const model = models.find((m) => m.name === name);
      if (!model) {
        throw new CliError(`${name}: no such model on ${connection.server}`, ExitCode.NOT_FOUND, {
          code: ErrorCode.MODEL_NOT_FOUND,
        });
      }
      output(options.json, model, () =>
        model.versions.map(
          (v) =>
            `${v.version}\t${v.status}${v.version === model.latest ? ' (latest)' : ''}\t${v.size} bytes\t${v.publishedAt}`,
        ),
      );
    });
  withConnection(versions.command('set-status'))
    .description('deprecate, yank or restore a version; its manifest is re-signed')
    .argument('<name>', 'model name')
    .argument('<version>', 'exact version')
    .argument('<status>', VersionStatus.options.join(' | '))
    .action(async function (this: Command) {
      const [name = '', version = '', status = ''] = this.args;
      const options = this.opts<ConnectionOptions>();
      const connection = connectionOf(options);
      const parsed = VersionStatus.safeParse(status);
      if (!parsed.success)
        throw new InvalidArgumentError(`status: "${status}" is not ${VersionStatus.options.join(' | ')}`);
      const change = await callServer(connection, (client) =>
        client.versions.setStatus.mutate({ name, version, status: parsed.data }),
      );
      output(options.json, change, () => [
        `${change.name}@${change.version} is now ${change.status} (metadataVersion ${change.metadataVersion})`,
      ]);
    });
  return addBlockCommands(versions);
}
