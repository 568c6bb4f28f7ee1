// facekit eval pairs|identify over the fixture photos (real people, labelled by folder).
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { at } from '../../helpers/assert.ts';
import { runCli } from '../../helpers/cli.ts';
import { FACES, photo, tempDir } from '../../helpers/fixtures.ts';
import { parsePairsFile } from '../../../engine/evaluation/pairs-file.ts';
import { createProgress } from '../../../cli/progress.ts';
import { DEFAULT_THRESHOLD } from '../../../engine/recognition/thresholds.ts';

const dir = tempDir();
const ROOT_FACES = path.dirname(FACES); // test/fixtures/faces, which pairs.csv is relative to
const env = { FACEKIT_DB: path.join(dir, 'unused.db') };

test('eval pairs over a CSV: accuracy, threshold, and pairs whose face was not found', async () => {
  const csv = path.join(dir, 'pairs.csv');
  const rel = (file: string) => path.relative(FACES, file);
  fs.writeFileSync(
    csv,
    [
      'a,b,same',
      `${rel(photo.obama)},${rel(photo.obama3)},yes`,
      `${rel(photo.biden)},${rel(photo.biden2)},true`,
      `${rel(photo.kit)},${rel(photo.kit2)},1`,
      `${rel(photo.obama)},${rel(photo.biden)},no`,
      `${rel(photo.rose)},${rel(photo.kit)},false`,
      `${rel(photo.obama2)},../../style/louvre_small.jpg,0`,
    ].join('\n'),
  );
  const result = await runCli(['eval', 'pairs', csv, '--root', FACES, '--json'], env);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.json.pairs, 6);
  assert.equal(result.json.threshold, DEFAULT_THRESHOLD);
  assert.equal(result.json.undetected.length, 1, 'the Louvre has no face');
  assert.match(result.json.undetected[0].problems[0], /louvre_small\.jpg: no face found/);
  assert.deepEqual(result.json.undetectedFiles, [{ file: '../../style/louvre_small.jpg', reason: 'no face found' }]);
  assert.equal(result.json.correct, 5, 'an undetected pair counts as an error');
  assert.ok(Math.abs(result.json.accuracy - 5 / 6) < 1e-3);
  assert.equal(result.stderr, '', 'no progress bar in --json mode');

  const strict = await runCli(['eval', 'pairs', csv, '--root', FACES, '--threshold', '0.1', '--json'], env);
  assert.equal(strict.json.correct, 2, 'at 0.1 only the two different-people pairs are right');
});

test('eval pairs reads an LFW pairs.txt', async () => {
  const root = tempDir();
  const lfw = [
    ['Barack_Obama', [photo.obama, photo.obama3]],
    ['Joe_Biden', [photo.biden, photo.biden2]],
  ] as const;
  for (const [name, files] of lfw) {
    fs.mkdirSync(path.join(root, name));
    files.forEach((file, i) => fs.copyFileSync(file, path.join(root, name, `${name}_${String(i + 1).padStart(4, '0')}.jpg`)));
  }
  const pairsTxt = path.join(root, 'pairs.txt');
  fs.writeFileSync(pairsTxt, '1\t2\nBarack_Obama\t1\t2\nJoe_Biden\t1\t2\nBarack_Obama\t1\tJoe_Biden\t2\nBarack_Obama\t2\tJoe_Biden\t1\n');
  const result = await runCli(['eval', 'pairs', pairsTxt, '--root', root, '--json'], env);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.json.pairs, 4);
  assert.equal(result.json.accuracy, 1);
});

test('eval identify: first K enrolled, the rest identified, held-out people must be unknown', async () => {
  const root = path.join(FACES, 'knn_examples', 'train');
  const result = await runCli(['eval', 'identify', '--root', root, '--enroll', '1', '--holdout', '1', '--json'], env);
  assert.equal(result.code, 0, result.stderr);
  // 5 people; rose_leslie (last by name) is held out: her 2 photos plus 1 remaining photo of each of 3 others
  assert.equal(result.json.queries, 5);
  assert.deepEqual(result.json.heldOut, ['rose_leslie']);
  assert.equal(result.json.top1, 1);
  assert.equal(result.json.false_accepts, 0);
  assert.deepEqual(result.json.undetected, []);
  assert.ok(!fs.existsSync(env.FACEKIT_DB), 'evaluation uses its own temporary store');
});

test('eval quality: accuracy by the blur and size of the worse face, on the photos and on degraded copies, per candidate gate', async () => {
  const pairs = path.join(ROOT_FACES, 'pairs.csv');
  const args = ['eval', 'quality', pairs, '--root', ROOT_FACES, '--degrade-pairs', '3', '--blur-sigmas', '12', '--face-sizes', '30'];
  const result = await runCli([...args, '--json'], env);
  assert.equal(result.code, 0, result.stderr);
  const { natural, degraded } = result.json;
  assert.equal(natural.pairs, 105);
  assert.equal(natural.accuracy, 1, 'the fixture pairs are all right at the default threshold');
  const count = (buckets: { pairs: number }[]) => buckets.reduce((n, b) => n + b.pairs, 0);
  assert.equal(count(natural.byBlur), 105, 'every pair in one blur bucket');
  assert.equal(count(natural.bySize), 105, 'and in one size bucket');
  assert.deepEqual(
    natural.blurGates.map((g: { gate: number; facesRefused: number; faces: number }) => [g.gate, g.facesRefused, g.faces]).slice(0, 2),
    [
      [0, 0, 15],
      [5, 0, 15],
    ],
    'the fixture faces are sharp: no gate refuses them',
  );
  assert.equal(degraded.sampledPairs, 3);
  assert.deepEqual(degraded.levels, ['blur σ=12', 'face 30 px']);
  assert.equal(degraded.pairs + degraded.undetected, 6, 'each sampled pair once per level: measured, or its copy lost its face');
  const blurred = degraded.byBlur.find((b: { from: number; pairs: number }) => b.from === 0);
  assert.ok(blurred.pairs >= 1, 'a blur of σ 12 takes the sharpness under 5');
  const text = await runCli(args, env);
  assert.match(text.stdout, /photos as they are \(0 pairs without a face left out\): 105 pairs, accuracy 100\.0%/);
  assert.match(text.stdout, /^blur gate +faces refused +pairs refused +their errors +accuracy kept$/m);
  assert.equal((await runCli(['eval', 'quality', pairs, '--root', ROOT_FACES, '--face-sizes', '30,-1'], env)).code, 2);
});

test('eval rejects bad pairs files and bad arguments with exit 2', async () => {
  const bad = path.join(dir, 'bad.csv');
  fs.writeFileSync(bad, 'a,b,same\nx.jpg,y.jpg,maybe\n');
  const result = await runCli(['eval', 'pairs', bad, '--root', FACES], env);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /bad\.csv: line 2: "same" is "maybe"/);
  assert.throws(() => parsePairsFile('hello world\n', 'notes.txt'), /not a pairs file/);
  assert.equal((await runCli(['eval', 'identify', '--root', FACES, '--enroll', '0'], env)).code, 2);
});

test('the progress bar is drawn only on a terminal', () => {
  const written: string[] = [];
  const terminal = { isTTY: true, columns: 80, write: (s: string) => written.push(s) } as unknown as NodeJS.WriteStream;
  const bar = createProgress('embedding', 4, true, { stream: terminal });
  bar.update(2, 'a.jpg');
  bar.finish();
  assert.match(at(written, 0, 'the first write'), /^\rembedding \[#{14}\.{14}\] 2\/4/);
  const piped = { isTTY: false, write: (s: string) => written.push(s) } as unknown as NodeJS.WriteStream;
  createProgress('embedding', 4, true, { stream: piped }).update(1);
  createProgress('embedding', 4, false, { stream: terminal }).update(1);
  assert.equal(written.length, 2, 'nothing drawn when piped or in --json mode');
});
