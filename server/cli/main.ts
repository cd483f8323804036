import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { publishCommand, tokenCommand, versionsCommand } from './commands.ts';
import { driftCommand } from './drift.ts';
import { initCommand } from './init.ts';
import { rolloutCommand } from './rollout.ts';
import { CliError, ExitCode, exitCodeHelp } from './exit-codes.ts';

// `ferry token list | head -1` closes our stdout early; that is not a failure.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

const program = new Command('ferry')
  .description('Publish and manage model bundles on a Ferry server, and check them for drift.')
  .addHelpText('after', exitCodeHelp)
  .exitOverride()
  .showHelpAfterError('(run with --help for usage)');
program.addCommand(publishCommand());
program.addCommand(initCommand());
program.addCommand(tokenCommand());
program.addCommand(versionsCommand());
program.addCommand(driftCommand());
program.addCommand(rolloutCommand());
for (const command of program.commands) {
  command.exitOverride();
  for (const sub of command.commands) sub.exitOverride();
}

// With --json every failure is one JSON document on stdout, so scripts can branch on its code.
const json = process.argv.includes('--json');
if (json) program.configureOutput({ outputError: () => {} });
for (const command of program.commands) {
  if (json) command.configureOutput({ outputError: () => {} });
  for (const sub of command.commands) if (json) sub.configureOutput({ outputError: () => {} });
}

/** Whatever ended the command, as a CliError; undefined for --help and --version. */
function asCliError(error: unknown): CliError | undefined {
  // Thrown by an action (commander prints and wraps the ones its own argument parsers throw).
  if (error instanceof InvalidArgumentError) return new CliError(error.message, ExitCode.USAGE);
  if (error instanceof CommanderError) {
    if (error.exitCode === 0) return undefined;
    return new CliError(error.message.replace(/^error: /, ''), ExitCode.USAGE, {
      details: { commander: error.code },
    });
  }
  if (error instanceof CliError) return error;
  return new CliError(`unexpected error: ${(error as Error)?.message ?? String(error)}`, ExitCode.FAILURE);
}

try {
  await program.parseAsync(process.argv);
  process.exitCode = ExitCode.OK;
} catch (error) {
  const failure = asCliError(error);
  process.exitCode = failure?.exitCode ?? ExitCode.OK;
  if (failure && json) console.log(JSON.stringify(failure.toJSON(), null, 2));
  // commander has already printed its own usage errors.
  else if (failure && !(error instanceof CommanderError && !(error instanceof InvalidArgumentError))) {
    console.error(`ferry: ${failure.message}`);
  }
}
