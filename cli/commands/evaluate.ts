// Runs in the CLI. facekit eval pairs|identify: accuracy over labelled photos.
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { parsePairsFile } from '../../engine/evaluation/pairs-file.ts';
import { evaluatePairsInWorkers, type EvalProgress, type PairsEvaluation } from '../../engine/evaluation/verify-pairs.ts';
import { writeVerificationPlot } from '../../engine/evaluation/plot.ts';
import { defaultWorkerCount } from '../../engine/recognition/enrol-folder.ts';
import { evaluateIdentification } from '../../engine/evaluation/identify-folders.ts';
import {
  DEFAULT_BLUR_SIGMAS,
  DEFAULT_FACE_SIZES,
  evaluateQualityGates,
  type GateRow,
  type QualityBucket,
  type QualityTable,
} from '../../engine/evaluation/quality-gates.ts';
import { FaceKitError } from '../../api/errors.ts';
import { DEFAULT_THRESHOLD, validateThreshold } from '../../engine/recognition/thresholds.ts';
import { CliContext } from '../context.ts';
import { checkWritablePath, parseIntegerArg, parseNumberArg, parseNumberListArg, parsePositiveIntegerArg } from '../arguments.ts';

/** Ctrl-C stops the worker threads; the command then ends with exit 130. */
function interruptSignal(): AbortSignal {
  const abort = new AbortController();
  process.once('SIGINT', () => abort.abort());
  return abort.signal;
}

const PAIRS_HELP = [
  '',
  'Photos are embedded on worker threads (--workers, default one per core); the figures do not depend on',
  'how many. An undetected pair (no face in a photo, an unreadable photo) counts as an error at every',
  'threshold. Besides the accuracy at --threshold: the most accurate threshold on these pairs (fitted to',
  'them, so optimistic), the 10-fold cross-validated accuracy (threshold chosen on 9 folds, tested on the',
  'tenth: pair i is in fold i mod 10), TAR at FAR 0.1 % and 1 % (with N different pairs the smallest FAR',
  'above 0 is 1/N), FAR and FRR at --threshold; --json adds the ROC points and the undetected files.',
  '--plot FILE.png draws the ROC (FAR on a log axis from 1/N to 1) and the two distance histograms.',
  '',
  'Exit codes: 0 done; 2 a missing or malformed pairs file, a missing image, bad arguments; 3 environment',
  '(models) or an internal error; 130 Ctrl-C.',
].join('\n');

/** The figures of eval pairs, as a reader wants them. */
function pairsLines(result: PairsEvaluation, seconds: number, plot: string | undefined): string[] {
  const cv = result.crossValidated;
  const tars = result.tarAtFar.map((t) => `${percent(t.tar)} at FAR ${t.far * 100} % (threshold ${t.threshold.toFixed(3)})`);
  return [
    `pairs: ${result.pairs} (${result.samePairs} same, ${result.differentPairs} different), accuracy ${percent(result.accuracy)} at threshold ${result.threshold} (${result.correct} correct)`,
    `  at ${result.threshold}: false accepts ${percent(result.farFrr.far)} of different pairs, false rejects ${percent(result.farFrr.frr)} of same pairs`,
    `  ${cv.folds}-fold cross-validated accuracy: ${percent(cv.accuracy)} ± ${percent(cv.std)}`,
    result.bestThreshold
      ? `  most accurate threshold on these pairs: ${result.bestThreshold.threshold.toFixed(3)} (${percent(result.bestThreshold.accuracy)}; fitted to them)`
      : '  most accurate threshold: none (no pair measured)',
    `  TAR: ${tars.join(', ')}`,
    `undetected: ${result.undetected.length} pairs, ${result.undetectedFiles.length} photos${result.undetectedFiles.map((u) => `\n  ${u.file}: ${u.reason}`).join('')}`,
    `${seconds.toFixed(1)} s on ${result.workers} worker thread(s)${plot ? `; plot: ${plot}` : ''}`,
  ];
}

function withoutKey<T extends object, K extends keyof T>(value: T, key: K): Omit<T, K> {
  const { [key]: _omitted, ...rest } = value;
  return rest;
}

const percent = (x: number) => `${(x * 100).toFixed(1)}%`;

function readText(file: string): string {
  try {
    if (fs.statSync(file).isDirectory()) throw new FaceKitError('BAD_INPUT', 'is a directory, not a pairs file', file);
    return fs.readFileSync(file, 'utf8');
  } catch (error) {
    if (error instanceof FaceKitError) throw error;
    throw new FaceKitError('BAD_INPUT', (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : 'cannot read', file);
  }
}

/** Right-aligned columns under a header, the first column left-aligned. */
function columns(header: string[], rows: string[][]): string[] {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  return all.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  '));
}

const range = (b: QualityBucket) => (b.to === null ? `≥ ${b.from}` : `${b.from}–${b.to}`);
const maybePercent = (x: number | null) => (x === null ? '–' : percent(x));

function qualityLines(title: string, t: QualityTable): string[] {
  const bucketRows = (list: QualityBucket[]) =>
    list
      .filter((b) => b.pairs)
      .map((b) => [range(b), String(b.pairs), String(b.same), maybePercent(b.accuracy), String(b.falseRejects), String(b.falseAccepts)]);
  const gateRows = (list: GateRow[]) =>
    list.map((g) => [
      g.gate ? `< ${g.gate}` : 'none',
      `${g.facesRefused} (${percent(g.faces ? g.facesRefused / g.faces : 0)})`,
      String(g.pairsRefused),
      g.pairsRefused ? `${g.errorsRefused} (${percent(g.errorsRefused / g.pairsRefused)})` : '–',
      maybePercent(g.accuracyKept),
    ]);
  const bucketHeader = ['pairs', 'same', 'accuracy', 'false rejects', 'false accepts'];
  const gateHeader = ['faces refused', 'pairs refused', 'their errors', 'accuracy kept'];
  return [
    `${title}: ${t.pairs} pairs, accuracy ${maybePercent(t.accuracy)}`,
    ...columns(['blur of worse face', ...bucketHeader], bucketRows(t.byBlur)),
    '',
    ...columns(['size of worse face', ...bucketHeader], bucketRows(t.bySize)),
    '',
    ...columns(['blur gate', ...gateHeader], gateRows(t.blurGates)),
    '',
    ...columns(['size gate', ...gateHeader], gateRows(t.sizeGates)),
    '',
  ];
}

function progressReporter(ctx: CliContext, label: string): { onProgress: (p: EvalProgress) => void; finish: () => void } {
  const bar = ctx.progressWhenKnown(label);
  return { onProgress: (p) => bar.update(p.done, p.total, p.item), finish: () => bar.finish() };
}

export function registerEvalCommands(program: Command): void {
  const evaluate = program.command('eval').description('measure accuracy on labelled photos');

  evaluate
    .command('pairs')
    .description('verification accuracy over pairs: a CSV with header a,b,same, or an LFW pairs.txt')
    .argument('<file>')
    .requiredOption('--root <dir>', 'folder the paths in FILE are relative to')
    .option('--threshold <distance>', 'same person when the distance is at most this', parseNumberArg, DEFAULT_THRESHOLD)
    .option('--workers <n>', `worker threads (default: ${defaultWorkerCount()}, one per core)`, parsePositiveIntegerArg)
    .option('--plot <file.png>', 'draw the ROC and the distance histograms into this PNG')
    .addHelpText('after', PAIRS_HELP)
    .action(async (file: string, opts: { root: string; threshold: number; workers?: number; plot?: string }, command: Command) => {
      const ctx = CliContext.from(command);
      const threshold = validateThreshold(opts.threshold, '--threshold');
      const pairs = parsePairsFile(readText(file), file);
      if (opts.plot) checkWritablePath(opts.plot, 'plot');
      const progress = progressReporter(ctx, 'embedding');
      const started = performance.now();
      const result = await evaluatePairsInWorkers(pairs, opts.root, threshold, {
        workers: opts.workers,
        onProgress: progress.onProgress,
        signal: interruptSignal(),
      });
      progress.finish();
      const seconds = (performance.now() - started) / 1000;
      const plot = opts.plot ? path.resolve(opts.plot) : undefined;
      if (plot)
        await writeVerificationPlot(
          {
            ...result,
            name: path.join(path.basename(path.dirname(path.resolve(file))), path.basename(file)),
            undetectedPairs: result.undetected.length,
          },
          plot,
        ).catch((error: unknown) => {
          throw new FaceKitError('BAD_INPUT', `cannot write the plot (${error instanceof Error ? error.message : String(error)})`, plot);
        });
      ctx.output({ ...result, seconds, ...(plot ? { plot } : {}) }, () => pairsLines(result, seconds, plot));
    });

  evaluate
    .command('quality')
    .description('what the enrolment quality gates save and cost: accuracy by the blur and size of the worse face of each pair')
    .argument('<file>', 'labelled pairs: a CSV with header a,b,same, or an LFW pairs.txt')
    .requiredOption('--root <dir>', 'folder the paths in FILE are relative to')
    .option('--threshold <distance>', 'same person when the distance is at most this', parseNumberArg, DEFAULT_THRESHOLD)
    .option('--degrade-pairs <n>', 'pairs whose second photo is also measured blurred and shrunk (0 = none)', parseIntegerArg, 120)
    .option(
      '--blur-sigmas <list>',
      `Gaussian blurs for those copies, pixels (default ${DEFAULT_BLUR_SIGMAS.join(',')})`,
      parseNumberListArg,
    )
    .option(
      '--face-sizes <list>',
      `face sizes those copies are shrunk to, pixels (default ${DEFAULT_FACE_SIZES.join(',')})`,
      parseNumberListArg,
    )
    .action(
      async (
        file: string,
        opts: { root: string; threshold: number; degradePairs: number; blurSigmas?: number[]; faceSizes?: number[] },
        command: Command,
      ) => {
        const ctx = CliContext.from(command);
        const pairs = parsePairsFile(readText(file), file);
        const progress = progressReporter(ctx, 'measuring');
        const result = await evaluateQualityGates(ctx.models(), pairs, opts.root, {
          threshold: validateThreshold(opts.threshold, '--threshold'),
          degradePairs: opts.degradePairs,
          blurSigmas: opts.blurSigmas,
          faceSizes: opts.faceSizes,
          onProgress: progress.onProgress,
        });
        progress.finish();
        ctx.output(result, () => [
          `threshold ${result.threshold}; a pair is counted under the sharpness (blur) and the size of its worse face`,
          '',
          ...qualityLines(`photos as they are (${result.natural.undetected} pairs without a face left out)`, result.natural),
          ...(result.degraded
            ? qualityLines(
                `${result.degraded.sampledPairs} pairs with the second photo degraded (${result.degraded.levels.join(', ')}; ${result.degraded.undetected} copies without a face left out)`,
                result.degraded,
              )
            : []),
        ]);
      },
    );

  evaluate
    .command('identify')
    .description('identification accuracy over ROOT/<person>/<photos>: first K photos enrolled, the rest identified')
    .requiredOption('--root <dir>', 'one folder per person')
    .requiredOption('--enroll <k>', 'photos enrolled per person (first K by name)', parsePositiveIntegerArg)
    .option('--holdout <n>', 'the last N people are never enrolled and must come back unknown', parseIntegerArg, 0)
    .option('--threshold <distance>', 'a face is known when its nearest person is at most this far', parseNumberArg, DEFAULT_THRESHOLD)
    .option('--workers <n>', `worker threads (default: ${defaultWorkerCount()}, one per core)`, parsePositiveIntegerArg)
    .action(async (opts: { root: string; enroll: number; holdout: number; threshold: number; workers?: number }, command: Command) => {
      const ctx = CliContext.from(command);
      const threshold = validateThreshold(opts.threshold, '--threshold');
      const progress = progressReporter(ctx, 'analysing');
      const result = await evaluateIdentification(opts.root, {
        enrolCount: opts.enroll,
        holdout: opts.holdout,
        threshold,
        workers: opts.workers,
        onProgress: progress.onProgress,
        signal: interruptSignal(),
      });
      progress.finish();
      ctx.output(
        { ...withoutKey(result, 'falseAccepts'), false_accepts: result.falseAccepts.length, false_accept_details: result.falseAccepts },
        () => [
          `people: ${result.people} (${result.heldOut.length} held out), enrolled photos: ${result.enrolled}, refused: ${result.enrolFailures.length}`,
          ...result.enrolFailures.map((f) => `  refused ${f.reason}`),
          `queries: ${result.queries}, top-1 ${percent(result.top1)} at threshold ${result.threshold}`,
          `undetected: ${result.undetected.length}, false accepts: ${result.falseAccepts.length}`,
          ...result.results
            .filter((r) => !r.correct)
            .map(
              (r) => `  wrong: ${r.file} (${r.person}) → ${r.answer ?? 'no face'}${r.distance !== null ? ` ${r.distance.toFixed(3)}` : ''}`,
            ),
        ],
      );
    });
}
