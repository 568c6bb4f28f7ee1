// Runs in the CLI: `facekit enroll-folder ROOT` — enrols ROOT/<person>/<photo> for everyone at once,
// using every core (worker threads embed, the main thread writes), with a progress bar on stderr.
import type { Command } from 'commander';
import { defaultWorkerCount, enrolFolder } from '../../engine/recognition/enrol-folder.ts';
import { CliContext } from '../context.ts';
import { parsePositiveIntegerArg } from '../arguments.ts';
import { EXIT } from '../exit-codes.ts';
import { reportItemErrors, worstExit } from '../batch.ts';
import { cliMessage } from '../hints.ts';

export function registerEnrollFolderCommand(program: Command): void {
  program
    .command('enroll-folder')
    .description('enrol a folder of photos, one subfolder per person (ROOT/<name>/<photo>), on every core')
    .argument('<root>', 'the folder')
    .option('--workers <n>', `worker threads (default: ${defaultWorkerCount()}, one per core)`, parsePositiveIntegerArg)
    .option('--allow-low-quality', 'enrol faces that are small or blurred')
    .action(async (root: string, opts: { workers?: number; allowLowQuality?: boolean }, command: Command) => {
      const ctx = CliContext.from(command);
      const store = ctx.store();
      const bar = ctx.progressWhenKnown('enrolling');
      const abort = new AbortController();
      process.once('SIGINT', () => abort.abort()); // what was saved stays; run again to finish
      const started = performance.now();
      const report = await enrolFolder(store, root, {
        workers: opts.workers,
        allowLowQuality: opts.allowLowQuality,
        signal: abort.signal,
        onProgress: (done, total, file) => bar.update(done, total, file),
      });
      bar.finish();
      const seconds = (performance.now() - started) / 1000;
      // Each refused photo with the CLI's hint; the JSON keeps the fields it always had (no details).
      const errors = report.errors.map(({ source, code, message, file, details }) => ({
        source,
        code,
        message: cliMessage({ code, message, details }),
        ...(file ? { file } : {}),
      }));
      reportItemErrors(errors);
      const added = report.results.filter((r) => r.status === 'added').length;
      ctx.output(
        { ...report, errors, seconds, imagesPerSecond: report.photos / seconds },
        () =>
          `${report.people} people, ${report.photos} photos: ${added} enrolled, ${report.results.length - added} already enrolled, ${report.errors.length} refused ` +
          `(${seconds.toFixed(1)} s, ${(report.photos / seconds).toFixed(2)} photos/s on ${report.workers} worker thread(s))`,
      );
      process.exitCode = worstExit(errors, EXIT.ok);
    });
}
