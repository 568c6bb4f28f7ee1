// Runs in the CLI. facekit models list|fetch|import: the weights FaceKit needs and where they are.
import type { Command } from 'commander';
import { fetchModel, importModel, listModels } from '../../engine/models/index.ts';
import { CliContext } from '../context.ts';

const megabytes = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MB`;

export function registerModelCommands(program: Command): void {
  const models = program.command('models').description('list, download or import model weights');

  models
    .command('list')
    .description('every model, whether it is installed, and where')
    .action((_opts: unknown, command: Command) => {
      const ctx = CliContext.from(command);
      const list = listModels();
      ctx.output({ models: list }, () =>
        list.map((m) => `${m.status === 'installed' ? 'ok     ' : m.status.toUpperCase().padEnd(7)} ${m.id.padEnd(18)} ${m.path ?? ''}`),
      );
      if (list.some((m) => m.status !== 'installed'))
        ctx.note('get missing weights with: facekit models fetch ID (needs internet) or facekit models import ID FILE');
    });

  models
    .command('fetch')
    .description('download weights from their official location (resumable, checksum verified)')
    .argument('<id>', 'e.g. vgg19')
    .option('--url <url>', 'download from a mirror instead')
    .option('--force', 'download again even when a verified copy is installed')
    .action(async (id: string, opts: { url?: string; force?: boolean }, command: Command) => {
      const ctx = CliContext.from(command);
      const bar = ctx.progressWhenKnown(`downloading ${id}`, { format: megabytes });
      const abort = new AbortController();
      process.once('SIGINT', () => abort.abort()); // Ctrl-C keeps the .part file for the next try
      const result = await fetchModel(id, {
        url: opts.url,
        force: opts.force,
        signal: abort.signal,
        onProgress: (bytes, total) => bar.update(bytes, total ?? 0),
      });
      bar.finish();
      ctx.output(result, () =>
        result.alreadyInstalled
          ? `${id} is already installed: ${result.path}`
          : `${id} installed: ${result.path} (${megabytes(result.bytes)}, md5 ${result.md5}${result.resumedFrom ? `, resumed from ${megabytes(result.resumedFrom)}` : ''})`,
      );
    });

  models
    .command('import')
    .description('install weights you already have (offline machines, kiosks)')
    .argument('<id>', 'e.g. vgg19')
    .argument('<file>', 'e.g. vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5')
    .option(
      '--allow-checksum-mismatch',
      'install a file whose md5 differs from the official one (it is still checked for the right layers)',
    )
    .action(async (id: string, file: string, opts: { allowChecksumMismatch?: boolean }, command: Command) => {
      const ctx = CliContext.from(command);
      const result = await importModel(id, file, { allowChecksumMismatch: opts.allowChecksumMismatch });
      ctx.output(
        result,
        () =>
          `${id} installed: ${result.path} (${megabytes(result.bytes)}${result.checksumMatched ? ', checksum verified' : ', CHECKSUM DIFFERS from the official file'})`,
      );
    });
}
