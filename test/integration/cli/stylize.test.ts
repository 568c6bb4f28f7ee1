// facekit stylize and facekit models as users run them: a small random-weight VGG-19 file made here
// (the real 80 MB Keras file cannot be downloaded on test machines), real photos, a real store.
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { Store } from '../../../db/store.ts';
import { runCli } from '../../helpers/cli.ts';
import { photo, STYLE, tempDir } from '../../helpers/fixtures.ts';
import { writeRandomVgg19H5 } from '../../helpers/vgg19-h5.ts';

const dir = tempDir();
const weights = path.join(dir, 'vgg19-small.h5');
const env = { FACEKIT_DB: path.join(dir, 'store.db'), FACEKIT_DATA_DIR: path.join(dir, 'data') };
const monet = path.join(STYLE, 'monet.jpg');
const stone = path.join(STYLE, 'stone_style.jpg');
const louvre = path.join(STYLE, 'louvre_small.jpg');
const small = ['--size', '96', '--iterations', '3', '--weights', weights];

test.before(() =>
  writeRandomVgg19H5(weights, { layout: 'keras1', channels: [8, 8, 16, 16, 32, 32, 32, 32, 64, 64, 64, 64, 64, 64, 64, 64], seed: 2 }),
);

test('stylize writes the result, reports its numbers and records it in the gallery', async () => {
  const out = path.join(dir, 'louvre.png');
  const result = await runCli(
    [
      'stylize',
      louvre,
      monet,
      stone,
      '--style-weights',
      '0.7,0.3',
      '--preserve-colors',
      'histogram',
      '--seed',
      '5',
      '-o',
      out,
      '--json',
      ...small,
    ],
    env,
  );
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stderr, '', 'no progress bar in --json mode');
  const json = result.json;
  for (const key of ['iterations', 'ms_per_iteration', 'loss_first', 'loss_last', 'output']) assert.ok(key in json, key);
  assert.equal(json.output, out);
  assert.equal(json.iterations, 3);
  assert.ok(json.loss_last < json.loss_first);
  assert.equal(json.seed, 5);
  assert.equal(json.stop_reason, 'iterations');
  // Default: every core; 72 rows make at most four 16-row bands.
  assert.equal(json.threads, Math.min(os.availableParallelism(), 4));
  assert.ok(!('identity_distance' in json), 'no face in the Louvre');
  const meta = await sharp(out).metadata();
  assert.deepEqual([meta.width, meta.height], [96, 72]);
  assert.deepEqual(
    fs.readdirSync(dir).filter((f) => f.includes('.part')),
    [],
    'no partial file left',
  );

  const store = Store.open(env.FACEKIT_DB);
  const [item] = store.gallery.list();
  assert.ok(item, 'the result is in the gallery');
  assert.equal(item.id, json.gallery_id);
  assert.equal(item.outputPath, out);
  assert.deepEqual(
    item.styles.map((s) => [path.basename(s.path), s.weight]),
    [
      ['monet.jpg', 0.7],
      ['stone_style.jpg', 0.3],
    ],
  );
  assert.equal(item.params.preserveColor, 'histogram');
  const thumbnail = store.gallery.thumbnail(item.id);
  assert.ok(thumbnail, 'the result has a thumbnail');
  assert.ok(thumbnail.length > 100);
  store.close();

  const listed = await runCli(['gallery', 'list', '--json'], env);
  assert.deepEqual(
    listed.json.items.map((g: { id: number }) => g.id),
    [json.gallery_id],
  );
  assert.equal((await runCli(['gallery', 'remove', String(json.gallery_id)], env)).code, 0);
  assert.equal((await runCli(['gallery', 'remove', String(json.gallery_id)], env)).code, 1, 'already gone: not found');
  assert.ok(fs.existsSync(out), "the image file is the user's and stays");
});

test('the same seed gives the same picture; a portrait reports its identity distance', async () => {
  const a = path.join(dir, 'a.png');
  const b = path.join(dir, 'b.png');
  await runCli(['stylize', photo.obama2, monet, '--seed', '9', '--preset', 'course', '-o', a, '--no-gallery', ...small], env);
  const second = await runCli(
    ['stylize', photo.obama2, monet, '--seed', '9', '--preset', 'course', '-o', b, '--no-gallery', '--json', ...small],
    env,
  );
  assert.equal(second.code, 0, second.stderr);
  assert.deepEqual(await sharp(a).raw().toBuffer(), await sharp(b).raw().toBuffer());
  assert.equal(typeof second.json.identity_distance, 'number');
  assert.equal(second.json.gallery_id, null);
});

test('missing VGG-19 weights: exit 3 and how to get them', async () => {
  const result = await runCli(['stylize', louvre, monet, '-o', path.join(dir, 'x.png')], env);
  assert.equal(result.code, 3);
  assert.match(result.stderr, /VGG19 weights are not installed/);
  assert.match(result.stderr, /facekit models fetch vgg19 .*storage\.googleapis\.com \(needs internet\)/);
  assert.match(result.stderr, /facekit models import vgg19 \/path\/to\/vgg19_weights_tf_dim_ordering_tf_kernels_notop\.h5/);
});

test('bad inputs to stylize: exit 2 with the file and the reason, nothing written', async () => {
  const out = path.join(dir, 'never.png');
  const notImage = path.join(dir, 'notes.jpg');
  fs.writeFileSync(notImage, 'not a picture');
  const tinyStyle = path.join(dir, 'tiny.png');
  await sharp(monet).resize(40).png().toFile(tinyStyle);
  const cases: [string[], RegExp][] = [
    [['stylize', notImage, monet, '-o', out, ...small], /notes\.jpg: not a supported image/],
    [['stylize', louvre, path.join(dir, 'missing.jpg'), '-o', out, ...small], /missing\.jpg: file not found/],
    [['stylize', louvre, tinyStyle, '-o', out, ...small], /style image.*40 × \d+|too small/i],
    [['stylize', louvre, monet, '-o', out, '--size', '5000', '--weights', weights], /size|2048/],
    [['stylize', louvre, monet, '-o', out, '--iterations', '0', '--weights', weights], /from 1 to 100000/],
    [['stylize', louvre, monet, stone, monet, stone, monet, '-o', out, ...small], /at most 4 style images can be blended \(got 5\)/],
    [['stylize', louvre, monet, '-o', path.join(dir, 'out.gif'), ...small], /output must end in/],
    [['stylize', louvre, monet, '-o', out, '--style-weights', '1,2', ...small], /style-weights has 2 values for 1/],
    [['stylize', louvre, monet, '-o', out, '--optimizer', 'sgd', ...small], /Allowed choices are adam, lbfgs/],
    [['stylize', louvre, monet, '-o', out, '--max-seconds', '0', ...small], /"0" must be from 1 to 604800/],
  ];
  for (const [args, pattern] of cases) {
    const result = await runCli(args, env);
    assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
    assert.match(result.stderr, pattern);
    assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
  }
  assert.ok(!fs.existsSync(out));
});

test('--max-seconds ends the job in time with the image it has; --early-stop ends a stage that stopped improving', async () => {
  const timed = path.join(dir, 'timed.png');
  const timeLimit = ['--iterations', '100000', '--max-seconds', '2'];
  const earlyStop = ['--iterations', '50', '--early-stop', '0.5', '--early-stop-window', '2']; // no 2 iterations halve the loss
  const budget = await runCli(
    ['stylize', louvre, monet, '-o', timed, '--json', '--no-gallery', '--weights', weights, '--size', '96', '--stages', '2', ...timeLimit],
    env,
  );
  assert.equal(budget.code, 0, budget.stderr);
  assert.equal(budget.json.stop_reason, 'budget');
  assert.ok(budget.json.total_ms < 10_000, `a 2 s limit took ${budget.json.total_ms} ms`);
  assert.deepEqual((await sharp(timed).metadata()).width, 96);

  const early = await runCli(
    [
      'stylize',
      louvre,
      monet,
      '-o',
      path.join(dir, 'early.png'),
      '--json',
      '--no-gallery',
      '--weights',
      weights,
      '--size',
      '96',
      ...earlyStop,
    ],
    env,
  );
  assert.equal(early.code, 0, early.stderr);
  assert.equal(early.json.stop_reason, 'converged');
  assert.ok(early.json.iterations < 50, `${early.json.iterations} iterations`);
});

test('stylize --help states the limits of api/style-limits.ts', async () => {
  const help = await runCli(['stylize', '--help'], env);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /--size <px> +longer side of the result \(32–2048\)/);
  assert.match(help.stdout, /--iterations <n> +iterations per stage \(1–100000\)/);
  assert.match(help.stdout, /up to 4/);
});

test('models list says what is missing; import refuses a file that is not the VGG-19 release', async () => {
  const list = await runCli(['models', 'list', '--json'], env);
  assert.equal(list.code, 0);
  const vgg = list.json.models.find((m: { id: string }) => m.id === 'vgg19');
  assert.equal(vgg.status, 'missing');
  const refused = await runCli(['models', 'import', 'vgg19', weights], env);
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /vgg19-small\.h5: not the expected vgg19_weights_tf_dim_ordering_tf_kernels_notop\.h5/);
  assert.match(refused.stderr, /, or pass --allow-checksum-mismatch to use it anyway\n$/, 'the CLI names its flag');
  const offline = await runCli(['models', 'fetch', 'vgg19', '--url', 'http://127.0.0.1:9/vgg19.h5'], env);
  assert.equal(offline.code, 3);
  assert.match(offline.stderr, /cannot reach 127\.0\.0\.1:9 .*facekit models import vgg19 FILE/);
});
