// The style-transfer job end to end with a narrow random VGG-19 (mechanics only — random weights say
// nothing about picture quality): stages and sizes, progress, seeds, cancellation, validation, colour modes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../../../engine/runtime/tf.ts';
import { initBackend } from '../../../engine/runtime/backend.ts';
import { isFaceKitError } from '../../../api/errors.ts';
import type { RgbImage } from '../../../engine/image.ts';
import { runStyleTransfer } from '../../../engine/style/job.ts';
import type { StyleProgress } from '../../../engine/style/job.ts';
import type { StyleParams } from '../../../engine/style/params.ts';
import { checkMemory, resolveStyleParams } from '../../../engine/style/params.ts';
import { rgbToYiq } from '../../../engine/style/color.ts';
import { resizeRgb } from '../../../engine/style/pixels.ts';
import { mulberry32 } from '../../../engine/style/rng.ts';
import type { Vgg19Weights } from '../../../engine/style/vgg19.ts';
import { at } from '../../helpers/assert.ts';
import { randomVgg19, disposeWeights } from '../../helpers/random-vgg.ts';

let weights: Vgg19Weights;
before(async () => {
  await initBackend();
  weights = randomVgg19({ widthScale: 1 / 8, seed: 5 });
});
after(() => disposeWeights(weights));

/** A smooth colour gradient with some noise: something with structure and colour. */
function picture(width: number, height: number, seed: number, tint: [number, number, number]): RgbImage {
  const next = mulberry32(seed);
  const data = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (const [c, t] of tint.entries()) {
        const v = 60 + t * ((x / width) * 0.6 + (y / height) * 0.4) + 30 * (next() - 0.5);
        data[(y * width + x) * 3 + c] = Math.max(0, Math.min(255, Math.round(v)));
      }
    }
  }
  return { width, height, data };
}

const content = picture(160, 120, 1, [120, 80, 40]);
const style = picture(128, 128, 2, [20, 60, 140]);

function base(extra: Partial<StyleParams> = {}): StyleParams {
  return { content, styles: [{ image: style }], preset: 'course', size: 96, iterations: 3, seed: 42, ...extra };
}

test('coarse-to-fine: requested size, per-stage timings, progress with losses, ETA and previews', async () => {
  const events: StyleProgress[] = [];
  const ends: StyleProgress[] = [];
  const counts: number[] = [];
  const result = await runStyleTransfer(base({ stages: 2, iterations: 4, previewEvery: 2 }), {
    weights,
    onProgress: (p) => {
      if (p.stopReason) return void ends.push(p); // the event that ends a stage
      events.push(p);
      counts.push(tf.memory().numTensors);
    },
  });
  assert.deepEqual(
    ends.map((e) => [e.stage, e.iteration, e.stopReason, e.preview?.width]),
    [
      [1, 4, 'iterations', 48],
      [2, 4, 'iterations', 96],
    ],
  );
  assert.equal(result.stopReason, 'iterations');
  assert.deepEqual(
    result.stages.map((s) => s.stopReason),
    ['iterations', 'iterations'],
  );
  assert.equal(result.image.width, 96);
  assert.equal(result.image.height, 72);
  assert.equal(result.image.data.length, 96 * 72 * 3);
  assert.deepEqual(
    result.stages.map((s) => [s.width, s.height, s.iterations]),
    [
      [48, 36, 4],
      [96, 72, 4],
    ],
  );
  assert.equal(result.iterations, 8);
  assert.equal(events.length, 8);
  assert.deepEqual(
    events.map((e) => `${e.stage}/${e.stageCount}:${e.iteration}/${e.iterations}`),
    ['1/2:1/4', '1/2:2/4', '1/2:3/4', '1/2:4/4', '2/2:1/4', '2/2:2/4', '2/2:3/4', '2/2:4/4'],
  );
  assert.equal(events.at(-1)?.totalIteration, 8);
  assert.equal(events.at(-1)?.etaMs, 0);
  assert.equal(ends.at(-1)?.etaMs, 0);
  assert.ok(at(events, 0, 'the first event').etaMs > 0);
  for (const e of events) {
    assert.ok(e.losses.total > 0 && Math.abs(e.losses.total - (e.losses.content + e.losses.style + e.losses.tv)) < 1e-6 * e.losses.total);
  }
  const previews = events.filter((e) => e.preview);
  assert.deepEqual(
    previews.map((e) => [e.stage, e.iteration, e.preview?.width]),
    [
      [1, 2, 48],
      [2, 2, 96],
    ],
  );
  // Adam keeps a fixed set of tensors: the count is the same at every iteration of a stage.
  assert.ok(
    counts.slice(1, 4).every((c) => c === counts[1]),
    `stage 1 tensor counts ${counts}`,
  );
  assert.ok(
    counts.slice(5).every((c) => c === counts[5]),
    `stage 2 tensor counts ${counts}`,
  );
  assert.ok(Number.isFinite(result.lossFirst) && Number.isFinite(result.lossLast));
  assert.ok(result.msPerIteration > 0);
});

test('same seed → identical image; another seed → a different one', async () => {
  const a = await runStyleTransfer(base({ seed: 7 }), { weights });
  const b = await runStyleTransfer(base({ seed: 7 }), { weights });
  const c = await runStyleTransfer(base({ seed: 8 }), { weights });
  assert.equal(a.seed, 7);
  assert.ok(a.image.data.equals(b.image.data));
  assert.ok(!a.image.data.equals(c.image.data));
});

test('cancelling stops within a fraction of a second and frees every tensor', async () => {
  const start = tf.memory().numTensors;
  const controller = new AbortController();
  let abortedAt = 0;
  const run = runStyleTransfer(base({ size: 128, iterations: 1000, stages: 1 }), {
    weights,
    signal: controller.signal,
    onProgress: (p) => {
      if (p.iteration === 2) {
        // Abort mid-iteration, from a timer, as a UI would.
        setTimeout(() => {
          abortedAt = performance.now();
          controller.abort();
        }, 5);
      }
    },
  });
  await assert.rejects(run, (e: unknown) => isFaceKitError(e, 'CANCELLED'));
  const latency = performance.now() - abortedAt;
  assert.ok(abortedAt > 0 && latency < 1000, `stopped ${latency.toFixed(0)} ms after the abort`);
  assert.equal(tf.memory().numTensors, start);
  // An already-aborted signal refuses to start.
  await assert.rejects(runStyleTransfer(base(), { weights, signal: AbortSignal.abort() }), (e: unknown) => isFaceKitError(e, 'CANCELLED'));
  assert.equal(tf.memory().numTensors, start);
});

test('bad parameters are BAD_INPUT errors that name the problem', async () => {
  const badInput = (p: Partial<StyleParams>, re: RegExp) =>
    assert.throws(
      () => resolveStyleParams(base(p)),
      (e: unknown) => isFaceKitError(e, 'BAD_INPUT') && re.test((e as Error).message),
    );
  badInput({ size: 4096 }, /size must be an integer in \[32, 2048\]/);
  badInput({ styles: [] }, /at least one style image/);
  badInput({ styles: Array.from({ length: 5 }, () => ({ image: style })) }, /at most 4 style images can be blended \(got 5\)/);
  badInput({ styles: [{ image: style, weight: -1 }] }, /style image 1 weight/);
  badInput(
    {
      styles: [
        { image: style, weight: 0 },
        { image: style, weight: 0 },
      ],
    },
    /add up to 0/,
  );
  badInput({ styles: [{ image: picture(40, 30, 3, [1, 1, 1]) }] }, /at least 64 px/);
  badInput({ styleLayers: [{ layer: 'block9_conv1', weight: 1 }] }, /unknown VGG-19 layer/);
  badInput({ stages: 4 }, /use fewer stages/);
  badInput({ init: 'image' }, /initImage is not an image/);
  badInput({ noiseRatio: 1.5 }, /noiseRatio/);
  badInput({ optimizer: { kind: 'adam', lr: -1 } }, /optimizer.lr/);
  const start = tf.memory().numTensors;
  await assert.rejects(runStyleTransfer(base({ size: 5000 }), { weights }), (e: unknown) => isFaceKitError(e, 'BAD_INPUT'));
  assert.equal(tf.memory().numTensors, start);
  // 2048 px passes validation but not wasm's 4 GB heap; native backends are not limited here.
  assert.throws(
    () => checkMemory(2048, 1536, 'wasm'),
    (e: unknown) => isFaceKitError(e, 'BAD_INPUT') && /use size ≤ 1\d{3}/.test((e as Error).message),
  );
  checkMemory(1024, 768, 'wasm');
  checkMemory(2048, 1536, 'tensorflow');
  // A small style image for a big output is allowed, with a warning.
  const r = resolveStyleParams(base({ size: 1024, styles: [{ image: style }] }));
  assert.match(at(r.warnings, 0, 'a warning'), /upscaled 8\.0×/);
});

test('several styles: blend weights are validated and used; the default preset plans 256 px coarse stages', async () => {
  const style2 = picture(100, 140, 9, [150, 20, 20]);
  const onlyFirst = await runStyleTransfer(
    base({
      styles: [
        { image: style, weight: 1 },
        { image: style2, weight: 0 },
      ],
    }),
    { weights },
  );
  const blended = await runStyleTransfer(
    base({
      styles: [
        { image: style, weight: 1 },
        { image: style2, weight: 1 },
      ],
    }),
    { weights },
  );
  const single = await runStyleTransfer(base({ styles: [{ image: style }] }), { weights });
  assert.ok(onlyFirst.image.data.equals(single.image.data), 'a zero-weight style changes nothing');
  assert.ok(!blended.image.data.equals(single.image.data));
  const d = resolveStyleParams({ content, styles: [{ image: style }], size: 1024 });
  assert.deepEqual(
    d.stages.map((s) => s.width),
    [256, 512, 1024],
  );
  assert.equal(d.optimizer.kind, 'lbfgs');
  assert.equal(resolveStyleParams({ content, styles: [{ image: style }], size: 400, preset: 'course' }).stages.length, 1);
});

test("luminance mode keeps the content's chroma; histogram mode and L-BFGS run", async () => {
  const lum = await runStyleTransfer(base({ preserveColor: 'luminance', iterations: 4 }), { weights });
  const plain = await runStyleTransfer(base({ iterations: 4 }), { weights });
  const ref = rgbToYiq((await resizeRgb(content, 96, 72)).data);
  const chromaError = (img: RgbImage) => {
    const yiq = rgbToYiq(img.data);
    let sum = 0;
    for (let p = 0; p < yiq.length; p += 3) sum += Math.abs(at(yiq, p + 1) - at(ref, p + 1)) + Math.abs(at(yiq, p + 2) - at(ref, p + 2));
    return sum / (yiq.length / 3);
  };
  assert.ok(chromaError(lum.image) < 1.5, `luminance mode chroma error ${chromaError(lum.image)}`);
  assert.ok(chromaError(plain.image) > 5, `plain mode chroma error ${chromaError(plain.image)}`);
  const hist = await runStyleTransfer(
    base({ preserveColor: 'histogram', optimizer: { kind: 'lbfgs' }, init: 'content', noiseRatio: 0, iterations: 4 }),
    { weights },
  );
  assert.equal(hist.image.width, 96);
  assert.ok(hist.lossLast < hist.lossFirst);
});

test('the stock tf.grad path and an extra loss term plug into the same job', async () => {
  const extraLoss = { weight: 0.5, fn: (rgb: tf.Tensor4D) => tf.mean<tf.Scalar>(tf.square(tf.sub(rgb, 128))) };
  const seen: (number | undefined)[] = [];
  const p = base({ size: 64, iterations: 2, extraLoss });
  const mine = await runStyleTransfer(p, { weights, onProgress: (e) => seen.push(e.losses.extra) });
  const stock = await runStyleTransfer(p, { weights, gradient: 'stock' });
  assert.ok(seen.every((v) => v !== undefined && v > 0));
  let maxDiff = 0;
  for (let k = 0; k < mine.image.data.length; k++) maxDiff = Math.max(maxDiff, Math.abs(at(mine.image.data, k) - at(stock.image.data, k)));
  assert.ok(maxDiff <= 1, `images differ by up to ${maxDiff}`);
});

test('early stopping ends a stage once the loss stops improving, and says so', async () => {
  const ends: StyleProgress[] = [];
  // A huge epsilon: no window of 2 evaluations improves the loss by half, so each stage stops after 3.
  const result = await runStyleTransfer(base({ stages: 2, iterations: 50, earlyStop: { epsilon: 0.5, window: 2 } }), {
    weights,
    onProgress: (p) => void (p.stopReason && ends.push(p)),
  });
  assert.deepEqual(
    result.stages.map((s) => [s.iterations, s.stopReason]),
    [
      [3, 'converged'],
      [3, 'converged'],
    ],
  );
  assert.equal(result.stopReason, 'converged');
  assert.deepEqual(
    ends.map((e) => e.stopReason),
    ['converged', 'converged'],
  );
  assert.equal(result.image.width, 96);
  // The course preset keeps the notebook's fixed schedule; epsilon 0 turns early stopping off.
  assert.equal(resolveStyleParams(base()).earlyStop, null);
  assert.equal(resolveStyleParams(base({ preset: 'default', earlyStop: { epsilon: 0, window: 5 } })).earlyStop, null);
  assert.ok(resolveStyleParams(base({ preset: 'default' })).earlyStop);
});

test('a time budget: the job ends in time with a full-size image, and the stages share the time', async () => {
  const started = performance.now();
  const result = await runStyleTransfer(base({ size: 128, stages: 2, iterations: 100_000, maxSeconds: 1 }), { weights });
  const wallMs = performance.now() - started;
  assert.equal(result.stopReason, 'budget');
  assert.equal(result.image.width, 128);
  assert.ok(
    result.stages.every((s) => s.iterations >= 1),
    'both stages ran',
  );
  // One iteration of this tiny network takes milliseconds: ending far past the budget means it was ignored.
  assert.ok(wallMs < 4000, `a 1 s budget took ${Math.round(wallMs)} ms`);
  await assert.rejects(
    runStyleTransfer(base({ maxSeconds: 0 }), { weights }),
    (e: unknown) => isFaceKitError(e, 'BAD_INPUT') && /maxSeconds/.test((e as Error).message),
  );
});
