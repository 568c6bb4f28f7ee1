// Verification accuracy of candidate pipelines on the same labelled pairs, side by side with face-api's
// stock pipeline (the reference), so the shipped chip can be re-checked. The pairs come from a path on
// the command line — e.g. LFW fold 1, which is for measuring only and never copied into the repository:
//   npm run bench -- accuracy --pairs ../shared/eval-dev/lfw-fold1            (DIR/pairs.csv)
//   npx tsx bench/accuracy.bench.ts --pairs FILE --root DIR [--limit N] [--jitters N] [--threshold T]
import fs from 'node:fs';
import path from 'node:path';
import { parsePairsFile, type LabelledPair } from '../engine/evaluation/pairs-file.ts';
import { comparePipelines, type Candidate, type CandidateResult } from '../engine/evaluation/pipeline-comparison.ts';
import { bestThreshold, crossValidatedAccuracy, ratesAt, tarAtFar } from '../engine/evaluation/verification-metrics.ts';
import { loadStockPipeline } from '../engine/faces/stock-pipeline.ts';
import { SHIPPED_CHIP } from '../engine/faces/alignment.ts';
import { ENROL_VIEWS } from '../engine/faces/pipeline.ts';
import { createModelRegistry } from '../engine/models/loaded-models.ts';
import { describeBackend, initBackend } from '../engine/runtime/backend.ts';
import { DEFAULT_THRESHOLD } from '../engine/recognition/thresholds.ts';
import { FaceKitError } from '../api/errors.ts';
import { printTable } from './table.ts';

export interface AccuracyOptions {
  pairsFile: string;
  root: string;
  threshold: number;
  /** Keep every k-th pair so that about this many remain (same and different stay balanced). */
  limit?: number;
  jitters: number;
  /** Also write every candidate's distances here (to recompute figures without re-running). */
  json?: string;
}

const pct = (x: number) => `${(x * 100).toFixed(2)} %`;

/** The shipped pipeline is the row with the shipped chip and the shipped enrolment views. */
function candidates(jitters: number): Candidate[] {
  const views = (mirror: boolean, count: number) => ({ mirror, jitters: count });
  const list: Candidate[] = [
    { name: 'face-api stock pipeline', stock: true },
    { name: 'FaceKit ≤ 0.1: levelled box', chip: 'levelled-box' },
    { name: "face-api's aligned crop", chip: 'faceapi' },
    { name: 'dlib chip 150 px, padding 0.25', chip: 'dlib' },
    { name: 'dlib chip, enrolled + mirror', chip: 'dlib', enrolViews: views(true, 0) },
    ...(jitters > 0
      ? [{ name: `dlib chip, enrolled + ${jitters} jitters`, chip: 'dlib' as const, enrolViews: views(false, jitters) }]
      : []),
  ];
  const isShipped = (c: Candidate) =>
    !('stock' in c) &&
    c.chip === SHIPPED_CHIP &&
    (c.enrolViews?.mirror ?? false) === ENROL_VIEWS.mirror &&
    (c.enrolViews?.jitters ?? 0) === ENROL_VIEWS.jitters;
  return list.map((c) => (isShipped(c) ? { ...c, name: `${c.name} ← FaceKit` } : c));
}

function thin(pairs: LabelledPair[], limit: number | undefined): LabelledPair[] {
  if (!limit || limit >= pairs.length) return pairs;
  const step = pairs.length / limit;
  return pairs.filter((_, i) => Math.floor(i / step) !== Math.floor((i - 1) / step));
}

function row(result: CandidateResult, threshold: number): (string | number)[] {
  const best = bestThreshold(result.pairs);
  const cv = crossValidatedAccuracy(result.pairs, 10);
  const at = (t: number) => result.pairs.filter((p) => p.distance !== null && p.distance <= t === p.same).length / result.pairs.length;
  const { far, frr } = ratesAt(result.pairs, threshold);
  return [
    result.name,
    pct(at(threshold)),
    `${pct(far)} / ${pct(frr)}`,
    best ? `${best.threshold.toFixed(3)} (${pct(best.accuracy)})` : '–',
    `${pct(cv.accuracy)} ± ${(cv.std * 100).toFixed(2)}`,
    pct(tarAtFar(result.pairs, 0.001).tar),
    pct(tarAtFar(result.pairs, 0.01).tar),
    result.undetectedFiles.length,
    result.msPerFace,
    result.msPerEnrolment ?? '–',
  ];
}

/** What a saved run holds (--json), enough to print every table again (--from-json). */
interface SavedRun {
  pairsFile: string;
  threshold: number;
  backend: string;
  results: CandidateResult[];
}

export async function benchAccuracy(options: AccuracyOptions): Promise<CandidateResult[]> {
  const backend = describeBackend(await initBackend());
  const pairs = thin(parsePairsFile(fs.readFileSync(options.pairsFile, 'utf8'), options.pairsFile), options.limit);
  const models = createModelRegistry();
  const stock = await loadStockPipeline();
  const list = candidates(options.jitters);
  const results = await comparePipelines(models, stock, pairs, options.root, list, {
    onProgress: (p) => {
      if (process.stderr.isTTY) process.stderr.write(`\rphotos ${p.done}/${p.total}`);
    },
  });
  if (process.stderr.isTTY) process.stderr.write('\n');
  stock.dispose();
  models.unloadAll();
  const run: SavedRun = { pairsFile: options.pairsFile, threshold: options.threshold, backend, results };
  if (options.json) fs.writeFileSync(options.json, JSON.stringify(run));
  printRun(run, options.root);
  return results;
}

function printRun(run: SavedRun, root: string): void {
  const { results } = run;
  const pairs = results[0]?.pairs ?? [];
  const same = pairs.filter((p) => p.same).length;
  printTable(
    `Verification on ${pairs.length} pairs (${same} same, ${pairs.length - same} different) of ${run.pairsFile}; ` +
      `threshold ${run.threshold}; backend ${run.backend}. CV: 10-fold, threshold chosen on 9 folds. ` +
      `TAR at FAR 0.1 % needs > 1000 different pairs to differ from FAR 0.`,
    [
      'pipeline',
      `accuracy @ ${run.threshold}`,
      'FAR / FRR',
      'best threshold',
      '10-fold CV',
      'TAR@FAR 0.1%',
      'TAR@FAR 1%',
      'photos without face',
      'ms/face',
      'ms/enrolment',
    ],
    results.map((r) => row(r, run.threshold)),
  );
  for (const r of results.filter((x) => x.undetectedFiles.length))
    console.log(`  ${r.name}: no face in ${r.undetectedFiles.map((f) => path.relative(root, f)).join(', ')}`);
  printYawTable(results, run.threshold);
  printCalibration(results);
}

/** FAR and FRR of the shipped pipeline at thresholds 0.40–0.70: api/threshold-calibration.ts's points. */
function printCalibration(results: CandidateResult[]): void {
  const shipped = results.find((r) => r.name.endsWith('← FaceKit'));
  if (!shipped) return;
  const points = Array.from({ length: 16 }, (_, i) => {
    const threshold = Math.round((0.4 + i * 0.02) * 100) / 100;
    const { far, frr } = ratesAt(shipped.pairs, threshold);
    return { threshold, far: Math.round(far * 10000) / 10000, frr: Math.round(frr * 10000) / 10000 };
  });
  printTable(
    `${shipped.name}: FAR and FRR by threshold`,
    ['threshold', 'FAR', 'FRR'],
    points.map((p) => [p.threshold.toFixed(2), pct(p.far), pct(p.frr)]),
  );
  const noFalseAccept = Math.min(...shipped.pairs.filter((p) => !p.same && p.distance !== null).map((p) => p.distance ?? Infinity));
  console.log(
    `nearest different-person pair: ${noFalseAccept.toFixed(3)}; best threshold: ${bestThreshold(shipped.pairs)?.threshold.toFixed(3)}`,
  );
  console.log(`points for api/threshold-calibration.ts: ${JSON.stringify(points)}`);
}

const YAW_BUCKETS = [0, 10, 20, 30, 40, 50];

/** Accuracy of the shipped pipeline by the larger |yaw| of each pair's two faces: where turned faces start to fail. */
function printYawTable(results: CandidateResult[], threshold: number): void {
  const shipped = results.find((r) => r.name.endsWith('← FaceKit'));
  if (!shipped) return;
  const rows = YAW_BUCKETS.map((from, i) => {
    const to = YAW_BUCKETS[i + 1] ?? Infinity;
    const inBucket = shipped.pairs.filter((p) => p.yaw !== null && p.yaw >= from && p.yaw < to);
    const wrong = inBucket.filter((p) => p.distance === null || p.distance <= threshold !== p.same);
    const label = to === Infinity ? `≥ ${from}°` : `${from}–${to}°`;
    return [
      label,
      inBucket.length,
      inBucket.filter((p) => p.same).length,
      wrong.length,
      inBucket.length ? pct(1 - wrong.length / inBucket.length) : '–',
    ];
  });
  printTable(
    `${shipped.name}: accuracy by the more turned face of each pair (estimated |yaw|)`,
    ['|yaw|', 'pairs', 'same', 'wrong', 'accuracy'],
    rows,
  );
}

function argument(name: string): string | undefined {
  const at = process.argv.indexOf(name);
  return at > 0 ? process.argv[at + 1] : undefined;
}

/** `--pairs DIR` (DIR/pairs.csv, paths relative to DIR) or `--pairs FILE --root DIR`. */
export function accuracyOptionsFromArgs(): AccuracyOptions {
  const given = argument('--pairs');
  if (!given)
    throw new FaceKitError('BAD_INPUT', 'usage: npm run bench -- accuracy --pairs DIR|FILE [--root DIR] [--limit N] [--jitters N]');
  const isDir = fs.existsSync(given) && fs.statSync(given).isDirectory();
  const pairsFile = isDir ? path.join(given, 'pairs.csv') : given;
  if (!fs.existsSync(pairsFile)) throw new FaceKitError('BAD_INPUT', 'pairs file not found', pairsFile);
  const limit = argument('--limit');
  return {
    pairsFile,
    root: argument('--root') ?? (isDir ? given : path.dirname(given)),
    threshold: Number(argument('--threshold') ?? DEFAULT_THRESHOLD),
    limit: limit ? Number(limit) : undefined,
    jitters: Number(argument('--jitters') ?? 4),
    json: argument('--json'),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const saved = argument('--from-json');
  if (saved) printRun(JSON.parse(fs.readFileSync(saved, 'utf8')) as SavedRun, argument('--root') ?? '.');
  else await benchAccuracy(accuracyOptionsFromArgs());
}
