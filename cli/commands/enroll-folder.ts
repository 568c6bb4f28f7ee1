// Runs in the CLI: `facekit enroll-folder ROOT` — enrols ROOT/<person>/<photo> for everyone at once,
// using every core (worker threads analyse, the main thread decides and writes), with a progress bar
// on stderr, and an account at the end: photos by outcome, the files of each in --json, one row per
// photo in --report FILE.csv.
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { defaultWorkerCount, enrolFolder, type PhotoOutcome } from '../../engine/recognition/enrol-folder.ts';
import { ENROL_OUTCOMES, OUTCOME_LABELS, SKIP_REASONS, type EnrolmentOutcome, type EnrolSummary } from '../../api/enrol-outcomes.ts';
import { csvDocument } from '../../api/csv.ts';
import { FaceKitError } from '../../api/errors.ts';
import { writeThroughWorkFile } from '../../db/store-file.ts';
import { CliContext } from '../context.ts';
import { checkWritablePath, parsePositiveIntegerArg } from '../arguments.ts';
import { EXIT, exitCodeFor } from '../exit-codes.ts';
import { reportItemErrors, type ItemError } from '../batch.ts';
import { cliMessage } from '../hints.ts';

/** 0: every photo enrolled or already; 4: some skipped for a reason a person can act on; 3 wins (a bug, a broken set-up). */
function exitCode(errors: ItemError[]): number {
  if (errors.some((e) => exitCodeFor(e.code) === EXIT.environment)) return EXIT.environment;
  return errors.length ? EXIT.skipped : EXIT.ok;
}

/** Each outcome's files, every outcome listed (an empty list when none). */
function filesByOutcome(outcomes: PhotoOutcome[]): Record<EnrolmentOutcome, string[]> {
  const files = Object.fromEntries(ENROL_OUTCOMES.map((o) => [o, [] as string[]])) as Record<EnrolmentOutcome, string[]>;
  for (const o of outcomes) files[o.outcome].push(o.file);
  return files;
}

/** The report: one row per photo, written whole or not at all (a work file renamed into place). */
function writeReport(file: string, outcomes: PhotoOutcome[]): void {
  const csv = csvDocument(
    ['person', 'file', 'outcome', 'message'],
    outcomes.map((o) => [o.person, o.file, o.outcome, o.message]),
  );
  try {
    writeThroughWorkFile(path.resolve(file), 'partial', (work) => fs.writeFileSync(work, csv));
  } catch (error) {
    throw new FaceKitError('BAD_INPUT', `cannot write the report (${(error as NodeJS.ErrnoException).code ?? String(error)})`, file);
  }
}

function summaryLines(summary: EnrolSummary): string[] {
  const width = Math.max(...ENROL_OUTCOMES.map((o) => OUTCOME_LABELS[o].length)) + 2;
  const line = (label: string, count: number) => `  ${label.padEnd(width)}${String(count).padStart(6)}`;
  return [
    line('added', summary.counts.added),
    line('already enrolled', summary.counts['already-enrolled']),
    line('skipped', summary.skipped),
    ...SKIP_REASONS.filter((r) => summary.counts[r]).map((r) => line(`  ${OUTCOME_LABELS[r]}`, summary.counts[r])),
  ];
}

export function registerEnrollFolderCommand(program: Command): void {
  program
    .command('enroll-folder')
    .description('enrol a folder of photos, one subfolder per person (ROOT/<name>/<photo>), on every core')
    .argument('<root>', 'the folder')
    .option('--workers <n>', `worker threads (default: ${defaultWorkerCount()}, one per core)`, parsePositiveIntegerArg)
    .option('--allow-low-quality', 'enrol faces that are small or blurred')
    .option('--report <file.csv>', 'write one row per photo: person, file, outcome, message')
    .addHelpText(
      'after',
      [
        '',
        'A photo with several faces gives its dominant face (clearly the largest, not cut by the edge), which',
        "must look like the person's other photos (their single-face photos here, their enrolled faces); with no",
        'face dominant, the one face that looks like them. Otherwise the photo is skipped, with the reason.',
        'The run ends with the photos counted by outcome (--json: summary, and the files of each in files).',
        '',
        'Exit codes: 0 every photo enrolled or already enrolled; 4 some photos skipped (several faces, not the',
        'same person, no face, blurred or small, unreadable, enrolled as someone else) — see the summary;',
        '2 bad usage or no person folders; 3 environment (models, store key) or an internal error; 130 Ctrl-C.',
      ].join('\n'),
    )
    .action(async (root: string, opts: { workers?: number; allowLowQuality?: boolean; report?: string }, command: Command) => {
      const ctx = CliContext.from(command);
      if (opts.report) checkWritablePath(opts.report, 'report');
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
        message: cliMessage({ code, message, details }, 'folder'),
        ...(file ? { file } : {}),
      }));
      const hinted = new Map(errors.map((e) => [e.source, e.message]));
      const outcomes = report.outcomes.map((o) => ({ ...o, message: hinted.get(o.file) ?? o.message }));
      reportItemErrors(errors);
      if (opts.report) writeReport(opts.report, outcomes);
      const { outcomes: _perPhoto, ...kept } = report;
      ctx.output(
        { ...kept, errors, summary: report.summary, files: filesByOutcome(outcomes), seconds, imagesPerSecond: report.photos / seconds },
        () => [
          `${report.people} people, ${report.photos} photos: ${report.summary.counts.added} enrolled, ${report.summary.counts['already-enrolled']} already enrolled, ` +
            `${report.summary.skipped} skipped (${seconds.toFixed(1)} s, ${(report.photos / seconds).toFixed(2)} photos/s on ${report.workers} worker thread(s))`,
          ...summaryLines(report.summary),
          ...(opts.report ? [`report: ${path.resolve(opts.report)}`] : []),
        ],
      );
      process.exitCode = exitCode(errors);
    });
}
