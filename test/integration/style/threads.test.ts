// A style job split over worker threads by rows (engine/style/parallel/) against the same job on one
// thread: real workers, a narrow random VGG-19 (mechanics only). Losses and pixels must agree to float
// rounding (the bands sum their Gram shares in another order), on an image whose height is no multiple of
// the 16-row band alignment, through max pooling and both optimisers.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../../../engine/runtime/tf.ts';
import { initBackend } from '../../../engine/runtime/backend.ts';
import type { RgbImage } from '../../../engine/image.ts';
import { runStyleTransfer } from '../../../engine/style/job.ts';
import type { StyleParams } from '../../../engine/style/params.ts';
import { mulberry32 } from '../../../engine/style/rng.ts';
import type { Vgg19Weights } from '../../../engine/style/vgg19.ts';
import { randomVgg19, disposeWeights } from '../../helpers/random-vgg.ts';

let weights: Vgg19Weights;
before(async () => {
  await initBackend();
  weights = randomVgg19({ widthScale: 1 / 8, seed: 7 });
});
after(() => disposeWeights(weights));

function picture(width: number, height: number, seed: number): RgbImage {
  const next = mulberry32(seed);
  const data = Buffer.alloc(width * height * 3);
  for (let i = 0; i < data.length; i++) data[i] = Math.round(40 + 120 * ((i % (width * 3)) / (width * 3)) + 80 * next());
  return { width, height, data };
}

const params = (extra: Partial<StyleParams> = {}): StyleParams => ({
  content: picture(96, 75, 1),
  styles: [{ image: picture(64, 64, 2) }],
  preset: 'course',
  size: 96,
  iterations: 4,
  seed: 3,
  ...extra,
});

/** Largest |a − b| over the pixels (0…255). */
function maxPixelDifference(a: RgbImage, b: RgbImage): number {
  let worst = 0;
  for (let i = 0; i < a.data.length; i++) worst = Math.max(worst, Math.abs((a.data[i] ?? 0) - (b.data[i] ?? 0)));
  return worst;
}

// 3 threads: a middle band, which swaps rows with neighbours on both sides.
for (const [optimizer, threads] of [
  ['adam', 2],
  ['lbfgs', 2],
  ['adam', 3],
] as const) {
  test(`${threads} threads give the 1-thread losses and pixels (${optimizer})`, async () => {
    const one = await runStyleTransfer(params({ optimizer: { kind: optimizer } }), { weights });
    const tensorsBefore = tf.memory().numTensors;
    const two = await runStyleTransfer(params({ optimizer: { kind: optimizer } }), { weights, threads });
    assert.equal(two.threads, threads);
    assert.equal(tf.memory().numTensors, tensorsBefore, `the ${threads}-thread job frees every tensor it made here`);
    assert.equal(two.iterations, one.iterations);
    for (const [name, a, b] of [
      ['first loss', one.lossFirst, two.lossFirst],
      ['last loss', one.lossLast, two.lossLast],
    ] as const) {
      assert.ok(Math.abs(a - b) <= 1e-4 * Math.abs(a), `${name}: 1 thread ${a}, ${threads} threads ${b}`);
    }
    assert.ok(one.lossLast < one.lossFirst, 'the job optimises at all');
    assert.deepEqual([two.image.width, two.image.height], [one.image.width, one.image.height]);
    assert.ok(maxPixelDifference(one.image, two.image) <= 1, `pixels differ by ${maxPixelDifference(one.image, two.image)}`);
  });
}

test('a wrong band split would show: 2 threads differ from 1 thread with another seed', async () => {
  // Guards the tolerance above: two genuinely different jobs are far apart on the same measure.
  const a = await runStyleTransfer(params(), { weights, threads: 2 });
  const b = await runStyleTransfer(params({ seed: 4 }), { weights, threads: 2 });
  assert.ok(maxPixelDifference(a.image, b.image) > 1);
});

test('cancelling a 2-thread job stops its bands and frees what it made', async () => {
  // The bands stop between layers or out of a wait for their neighbour's rows (edge-link.ts's stop flag).
  const controller = new AbortController();
  const tensorsBefore = tf.memory().numTensors;
  let progressEvents = 0;
  let afterAbort = 0;
  const job = runStyleTransfer(params({ content: picture(320, 240, 5), size: 320, iterations: 50 }), {
    weights,
    threads: 2,
    signal: controller.signal,
    onProgress: () => {
      progressEvents++;
      if (controller.signal.aborted) afterAbort++;
      controller.abort();
    },
  });
  await assert.rejects(job, (error: unknown) => error instanceof Error && 'code' in error && error.code === 'CANCELLED');
  assert.ok(progressEvents >= 1, 'the job made progress before the cancel');
  assert.equal(afterAbort, 0, 'no evaluation finished after the cancel');
  assert.equal(tf.memory().numTensors, tensorsBefore, 'the cancelled job frees every tensor it made here');
});
