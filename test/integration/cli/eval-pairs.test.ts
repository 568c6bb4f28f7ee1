// facekit eval pairs on worker threads: the figures do not depend on how many threads embedded the
// photos, the --json fields (ROC, TAR at FAR, cross-validation, undetected files) hang together,
// --plot draws a PNG, and bad input names the file. Real models on the fixture photos.
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { runCli, type CliResult } from '../../helpers/cli.ts';
import { FACES, photo, tempDir } from '../../helpers/fixtures.ts';
import { DEFAULT_THRESHOLD } from '../../../engine/recognition/thresholds.ts';

const dir = tempDir();
const env = { FACEKIT_DB: path.join(dir, 'unused.db') };
const rel = (file: string) => path.relative(FACES, file);

// 6 photos of 3 people: 4 same-person pairs, 7 different-person pairs.
const csv = path.join(dir, 'pairs.csv');
fs.writeFileSync(
  csv,
  [
    'a,b,same',
    `${rel(photo.obama)},${rel(photo.obama2)},yes`,
    `${rel(photo.obama)},${rel(photo.obama3)},yes`,
    `${rel(photo.obama2)},${rel(photo.obama3)},yes`,
    `${rel(photo.biden)},${rel(photo.biden2)},yes`,
    `${rel(photo.obama)},${rel(photo.biden)},no`,
    `${rel(photo.obama2)},${rel(photo.biden2)},no`,
    `${rel(photo.obama3)},${rel(photo.kit)},no`,
    `${rel(photo.biden)},${rel(photo.kit)},no`,
    `${rel(photo.biden2)},${rel(photo.kit)},no`,
    `${rel(photo.obama)},${rel(photo.kit)},no`,
    `${rel(photo.obama3)},${rel(photo.biden2)},no`,
  ].join('\n'),
);
const plot = path.join(dir, 'roc.png');

// The two runs every test below reads (each CLI run loads the models in each of its threads).
let oneThread: Promise<CliResult> | undefined;
let twoThreads: Promise<CliResult> | undefined;
const runOne = () => (oneThread ??= runCli(['eval', 'pairs', csv, '--root', FACES, '--workers', '1', '--json'], env));
const runTwo = () => (twoThreads ??= runCli(['eval', 'pairs', csv, '--root', FACES, '--workers', '2', '--json', '--plot', plot], env));

test('one worker thread and two give the same figures', async () => {
  const [one, two] = await Promise.all([runOne(), runTwo()]);
  assert.equal(one.code, 0, one.stderr);
  assert.equal(two.code, 0, two.stderr);
  assert.equal(one.json.workers, 1);
  assert.equal(two.json.workers, 2);
  for (const key of [
    'pairs',
    'accuracy',
    'correct',
    'results',
    'undetectedFiles',
    'bestThreshold',
    'crossValidated',
    'tarAtFar',
    'farFrr',
    'roc',
  ])
    assert.deepEqual(two.json[key], one.json[key], key);
  assert.ok(
    one.json.results.every((r: { distance: number | null }) => typeof r.distance === 'number'),
    'every pair measured',
  );
});

test('eval pairs --json: the ROC, the best threshold, TAR at FAR, FAR/FRR and cross-validation agree with the pairs', async () => {
  const { json } = await runTwo();
  assert.equal(json.pairs, 11);
  assert.equal(json.samePairs, 4);
  assert.equal(json.differentPairs, 7);
  assert.deepEqual(json.undetected, []);
  assert.deepEqual(json.undetectedFiles, []);
  const roc: { threshold: number; tar: number; far: number }[] = json.roc;
  assert.deepEqual(roc[0], { threshold: 0, tar: 0, far: 0 });
  assert.deepEqual({ tar: roc.at(-1)?.tar, far: roc.at(-1)?.far }, { tar: 1, far: 1 }, 'every face found: the ROC ends at (1, 1)');
  for (let i = 1; i < roc.length; i++) {
    const [p, q] = [roc[i - 1], roc[i]];
    assert.ok(p && q && q.far >= p.far && q.tar >= p.tar && q.threshold > p.threshold, `ROC point ${i} climbs`);
  }
  assert.ok(json.bestThreshold.accuracy >= json.accuracy, 'the best threshold is at least as accurate as the one given');
  assert.equal(json.crossValidated.folds, 10);
  assert.ok(json.crossValidated.accuracy >= 0 && json.crossValidated.accuracy <= 1 && json.crossValidated.std >= 0);
  assert.deepEqual(
    json.tarAtFar.map((t: { far: number }) => t.far),
    [0.001, 0.01],
  );
  // FAR and FRR at the default threshold, counted again from the distances.
  const results: { same: boolean; distance: number }[] = json.results;
  const accepted = (r: { distance: number }) => r.distance <= DEFAULT_THRESHOLD;
  const far = results.filter((r) => !r.same && accepted(r)).length / 7;
  const frr = results.filter((r) => r.same && !accepted(r)).length / 4;
  assert.deepEqual(json.farFrr, { threshold: DEFAULT_THRESHOLD, far: Number(far.toFixed(4)), frr: Number(frr.toFixed(4)) });
  assert.ok(Math.abs(json.accuracy - (1 - (far * 7 + frr * 4) / 11)) < 1e-3, 'the accuracy is what FAR and FRR leave');
  // TAR at FAR 1 % on 7 different pairs: no false accept allowed.
  const tar1 = json.tarAtFar[1];
  const under = results.filter((r) => r.distance <= tar1.threshold);
  assert.ok(
    under.every((r) => r.same),
    'no different pair under the TAR@FAR threshold',
  );
  assert.equal(tar1.tar, under.length / 4);
});

test('--plot writes a PNG of the ROC and the histograms', async () => {
  const { json } = await runTwo();
  assert.equal(json.plot, plot);
  const meta = await sharp(plot).metadata();
  assert.equal(meta.format, 'png');
  assert.deepEqual([meta.width, meta.height], [1400, 640]);
  const { channels } = await sharp(plot).stats();
  assert.ok(
    channels.slice(0, 3).every((c) => c.min < 100 && c.max > 200),
    'it has drawing on it, not a blank page',
  );
});

test('eval pairs in text: the figures in a few lines', async () => {
  const one = path.join(dir, 'one.csv');
  fs.writeFileSync(one, `a,b,same\n${rel(photo.obama)},${rel(photo.obama2)},yes\n${rel(photo.obama)},../../style/louvre_small.jpg,no\n`);
  const result = await runCli(['eval', 'pairs', one, '--root', FACES, '--workers', '1'], env);
  assert.equal(result.code, 0, result.stderr);
  assert.match(
    result.stdout,
    new RegExp(`^pairs: 2 \\(1 same, 1 different\\), accuracy 50\\.0% at threshold ${DEFAULT_THRESHOLD}\\b`, 'm'),
  );
  assert.match(result.stdout, /\d+-fold cross-validated accuracy: /, 'as many folds as pairs, at most 10');
  assert.match(result.stdout, /TAR: .* at FAR 0\.1 % .* at FAR 1 %/);
  assert.match(result.stdout, /^undetected: 1 pairs, 1 photos\n {2}\.\.\/\.\.\/style\/louvre_small\.jpg: no face found$/m);
  assert.match(result.stdout, /on 1 worker thread\(s\)/);
});

test('a missing pairs file or image is refused with its name and exit 2, before any work', async () => {
  const gone = path.join(dir, 'gone.csv');
  fs.writeFileSync(gone, `a,b,same\n${rel(photo.obama)},${rel(photo.obama2)},yes\n${rel(photo.obama)},nobody/here.jpg,no\n`);
  // Three quick refusals at once: each is mostly the CLI starting.
  const [missing, image, badPlot] = await Promise.all([
    runCli(['eval', 'pairs', path.join(dir, 'nope.csv'), '--root', FACES], env),
    runCli(['eval', 'pairs', gone, '--root', FACES, '--json'], env),
    runCli(['eval', 'pairs', csv, '--root', FACES, '--plot', path.join(dir, 'no-such-dir', 'x.png')], env),
  ]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /nope\.csv: file not found/);
  assert.equal(image.code, 2);
  assert.match(image.stderr, /nobody\/here\.jpg: image not found \(line 3 of the pairs file\)/);
  assert.equal(image.json.error.code, 'BAD_INPUT');
  assert.equal(badPlot.code, 2);
  assert.match(badPlot.stderr, /x\.png: cannot write the plot there/);
});
