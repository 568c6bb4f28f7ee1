// Runs in the CLI. `facekit liveness IMAGE...`: is the largest face of each photo live, or a photo or
// screen held to the camera? Exit 0 when every photo is live, 1 when any is refused, 2 on bad input.
import type { Command } from 'commander';
import { decodeImageFile } from '../../engine/image.ts';
import { LIVENESS_THRESHOLD_SETTING, resolveLivenessThreshold } from '../../engine/faces/liveness.ts';
import { photoLiveness, type PhotoLiveness } from '../../engine/recognition/photo-liveness.ts';
import { CliContext } from '../context.ts';
import { numberInRange } from '../arguments.ts';
import { EXIT } from '../exit-codes.ts';
import { forEachPhoto, worstExit } from '../batch.ts';

function line(r: PhotoLiveness): string {
  const which = r.faceCount > 1 ? `, the largest of ${r.faceCount} faces (face ${r.face.index})` : '';
  return `${r.file}: ${r.live ? 'LIVE' : 'REFUSED'}, score ${r.score.toFixed(3)} (threshold ${r.threshold}, model ${r.model})${which}`;
}

export function registerLivenessCommand(program: Command): void {
  program
    .command('liveness')
    .description('passive liveness of the largest face in each photo: exit 0 = all live, 1 = any refused, 2 = bad input')
    .argument('<images...>', 'photos')
    .option(
      '--threshold <score>',
      'live when the score is at least this (0–1; default: the setting, else the shipped default)',
      numberInRange({ min: 0, max: 1 }),
    )
    .action(async (images: string[], opts: { threshold?: number }, command: Command) => {
      const ctx = CliContext.from(command);
      const threshold = resolveLivenessThreshold(opts.threshold, ctx.storedSetting(LIVENESS_THRESHOLD_SETTING));
      const { results, errors } = await forEachPhoto(ctx, 'checking liveness', images, async (file) =>
        photoLiveness(ctx.models(), await decodeImageFile(file), threshold),
      );
      ctx.output({ results, errors }, () => results.map(line));
      process.exitCode = worstExit(errors, results.every((r) => r.live) ? EXIT.ok : EXIT.noMatch);
    });
}
