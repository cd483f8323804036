import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { publishCommand, tokenCommand, versionsCommand } from './commands.ts';
import { driftCommand } from './drift.ts';
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
program.addCommand(tokenCommand());
program.addCommand(versionsCommand());
program.addCommand(driftCommand());
for (const command of program.commands) {
  command.exitOverride();
  for (const sub of command.commands) sub.exitOverride();
}

try {
  await program.parseAsync(process.argv);
  process.exitCode = ExitCode.OK;
} catch (error) {
  if (error instanceof CommanderError) {
    // --help and --version end through here with exit code 0.
    process.exitCode = error.exitCode === 0 ? ExitCode.OK : ExitCode.USAGE;
  } else if (error instanceof InvalidArgumentError) {
    console.error(`ferry: ${error.message}`);
    process.exitCode = ExitCode.USAGE;
  } else if (error instanceof CliError) {
    console.error(`ferry: ${error.message}`);
    process.exitCode = error.exitCode;
  } else {
    console.error('ferry: unexpected error:', error);
    process.exitCode = ExitCode.FAILURE;
  }
}
