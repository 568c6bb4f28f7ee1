// Runs in the CLI process: `facekit <command>`. Parses arguments, runs the command over the engine and
// the store, and turns every failure into one line on stderr (with the CLI's hint, cli/hints.ts) and a
// meaningful exit code.
import { Command, CommanderError } from 'commander';
import { isFaceKitError } from '../api/errors.ts';
import { reportUnexpected } from '../engine/runtime/error-log.ts';
import { cliMessage } from './hints.ts';
import { registerRecognitionCommands } from './commands/recognize.ts';
import { registerPeopleCommands } from './commands/people.ts';
import { registerFacesCommands } from './commands/faces.ts';
import { registerEvalCommands } from './commands/evaluate.ts';
import { registerDoctorCommand } from './commands/doctor.ts';
import { registerModelCommands } from './commands/models.ts';
import { registerStylizeCommand } from './commands/stylize.ts';
import { registerGalleryCommands } from './commands/gallery.ts';
import { registerServeCommand } from './commands/serve.ts';
import { registerBenchCommands } from './commands/bench.ts';
import { registerBackupCommands } from './commands/backup.ts';
import { registerEnrollFolderCommand } from './commands/enroll-folder.ts';
import { registerClusterCommand } from './commands/cluster.ts';
import { registerLivenessCommand } from './commands/liveness.ts';
import { registerSyncCommand } from './commands/sync.ts';
import { registerStoreCommands } from './commands/store.ts';
import { registerCheckinCommand } from './commands/checkin.ts';
import { registerCheckinsCommands } from './commands/checkins.ts';
import { EXIT, exitCodeFor } from './exit-codes.ts';
import { CliContext } from './context.ts';

const program = new Command('facekit')
  .description('Local face recognition and photo stylising')
  .option(
    '--db <path|url>',
    'the SQLite store, or postgres://… for a shared registry (default: $FACEKIT_DB, else the platform data folder)',
  )
  .option('--json', 'print one JSON object on stdout instead of text')
  .exitOverride()
  .showHelpAfterError('(run with --help for usage)');

registerRecognitionCommands(program);
registerEnrollFolderCommand(program);
registerClusterCommand(program);
registerLivenessCommand(program);
registerPeopleCommands(program);
registerFacesCommands(program);
registerEvalCommands(program);
registerDoctorCommand(program);
registerModelCommands(program);
registerStylizeCommand(program);
registerGalleryCommands(program);
registerServeCommand(program);
registerBenchCommands(program);
registerBackupCommands(program);
registerSyncCommand(program);
registerStoreCommands(program);
registerCheckinCommand(program);
registerCheckinsCommands(program);
// The store key ($FACEKIT_KEY, or asked for on a terminal) is settled before any command runs.
// Registry mode (FACEKIT_DB=postgres://…) then pulls the server's changes into the local cache, except for
// the commands that report them themselves (and store migrate, which talks to the servers it is given).
program.hook('preAction', async (_program, command) => {
  await CliContext.prepareKey(command);
  // serve: its engine host's faces worker follows the registry itself (host/registry-link.ts).
  await CliContext.prepareRegistry(command, !['sync', 'doctor', 'serve', 'migrate'].includes(command.name()));
});

function fail(message: string, code: string, exitCode: number): void {
  if (program.opts<{ json?: boolean }>().json) process.stdout.write(`${JSON.stringify({ error: { code, message } })}\n`);
  process.stderr.write(`facekit: ${message}\n`);
  process.exitCode = exitCode;
}

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // help and --version end here too, with exit code 0
    process.exitCode = error.exitCode === 0 ? EXIT.ok : EXIT.badInput;
  } else {
    // Expected errors come through as they are; an unexpected one is logged with its stack and names the log.
    // The log names the command only: the other arguments may be people's names and photo paths.
    const command = process.argv.slice(2).find((arg) => /^[a-z][a-z-]*$/.test(arg));
    const shown = reportUnexpected(error, { where: command ? `facekit ${command}` : 'facekit' });
    fail(cliMessage(shown), shown.code, exitCodeFor(shown.code));
    if (process.env.FACEKIT_DEBUG && !isFaceKitError(error)) console.error(error);
  }
} finally {
  await CliContext.closeRegistry();
  CliContext.closeAll();
}
