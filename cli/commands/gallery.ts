// Runs in the CLI. facekit gallery list|remove: the style-transfer results recorded in the store.
import type { Command } from 'commander';
import { CliContext } from '../context.ts';
import { parsePositiveIntegerArg } from '../arguments.ts';

export function registerGalleryCommands(program: Command): void {
  const gallery = program.command('gallery').description('stylised results recorded by facekit stylize');

  gallery
    .command('list')
    .description('newest first, with their settings and timings')
    .option('--limit <n>', 'at most this many', parsePositiveIntegerArg)
    .action((opts: { limit?: number }, command: Command) => {
      const ctx = CliContext.from(command);
      const items = ctx.store().gallery.list(opts.limit);
      ctx.output({ items }, () =>
        items.length
          ? items.map(
              (g) =>
                `#${g.id}  ${g.createdAt}  ${g.outputPath}  ${g.width}×${g.height}  ${g.iterations} its, ${(g.msPerIteration / 1000).toFixed(1)} s/it` +
                `  styles: ${g.styles.map((s) => s.path.split(/[\\/]/).pop()).join(', ')}${g.identityDistance !== null ? `  identity ${g.identityDistance.toFixed(3)}` : ''}`,
            )
          : 'the gallery is empty',
      );
    });

  gallery
    .command('remove')
    .description('forget a result (the image file itself is kept)')
    .argument('<id>', 'as listed', parsePositiveIntegerArg)
    .action((id: number, _opts: unknown, command: Command) => {
      const ctx = CliContext.from(command);
      ctx.store().gallery.remove(id);
      ctx.output({ removed: id }, () => `removed #${id} from the gallery`);
    });
}
