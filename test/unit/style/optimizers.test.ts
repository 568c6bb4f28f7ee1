// Adam and L-BFGS on the real style loss (narrow random VGG-19, small image): both reduce it, and the
// number of live tensors stays flat from one iteration to the next.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../../../engine/runtime/tf.ts';
import { initBackend } from '../../../engine/runtime/backend.ts';
import { Vgg19Net, preprocess } from '../../../engine/style/vgg19.ts';
import type { Vgg19Weights } from '../../../engine/style/vgg19.ts';
import { computeTargets, deepestLayer, disposeTargets, lossAndGradient } from '../../../engine/style/loss.ts';
import type { LossSpec, LossTargets } from '../../../engine/style/loss.ts';
import { ADAM_DEFAULTS, LBFGS_DEFAULTS, lbfgs, optimize } from '../../../engine/style/optimizers.ts';
import type { Evaluate, OptimizerOptions } from '../../../engine/style/optimizers.ts';
import { at } from '../../helpers/assert.ts';
import { randomVgg19, disposeWeights } from '../../helpers/random-vgg.ts';

let weights: Vgg19Weights;
let net: Vgg19Net;
let targets: LossTargets;
let x0: tf.Tensor4D;
const spec: LossSpec = {
  contentLayers: [{ layer: 'block4_conv2', weight: 1 }],
  styleLayers: ['block1_conv1', 'block2_conv1', 'block3_conv1', 'block4_conv1', 'block5_conv1'].map((layer) => ({ layer, weight: 0.2 })),
  alpha: 10,
  beta: 40,
  tvWeight: 0.01,
  pooling: 'max',
};

before(async () => {
  await initBackend();
  weights = randomVgg19({ widthScale: 1 / 8, seed: 3 });
  net = new Vgg19Net(weights, 'max', deepestLayer(spec));
  const content = tf.tidy(() => preprocess(tf.randomUniform([1, 48, 64, 3], 0, 255, 'float32', 11)));
  const style = tf.tidy(() => preprocess(tf.randomUniform([1, 48, 64, 3], 0, 255, 'float32', 12)));
  targets = computeTargets(weights, spec, content, [{ image: style, weight: 1 }]);
  x0 = content;
  style.dispose();
});
after(() => {
  disposeTargets(targets);
  x0.dispose();
  net.dispose();
  disposeWeights(weights);
});

async function run(options: OptimizerOptions, iterations: number) {
  const losses: number[] = [];
  const counts: number[] = [];
  const evaluate: Evaluate = async (x) => {
    counts.push(tf.memory().numTensors);
    const r = await lossAndGradient(net, x, targets, spec);
    losses.push(r.terms.total);
    return { loss: r.terms.total, grad: r.grad };
  };
  const before = tf.memory().numTensors;
  const x = await optimize(x0, evaluate, iterations, options);
  const final = await lossAndGradient(net, x, targets, spec);
  final.grad.dispose();
  x.dispose();
  assert.equal(tf.memory().numTensors, before, 'the optimiser freed its state');
  return { losses, counts, final: final.terms.total };
}

test('Adam reduces the loss; tensor count is the same at every iteration', async () => {
  const { losses, counts, final } = await run({ ...ADAM_DEFAULTS, lr: 2 }, 12);
  assert.equal(losses.length, 12);
  assert.ok(final < 0.8 * at(losses, 0, 'the first loss'), `loss ${losses[0]} → ${final}`);
  assert.ok(
    counts.every((c) => c === counts[0]),
    `tensor counts ${counts}`,
  );
});

test('L-BFGS reduces the loss (more than Adam in the same budget); tensor count flat once the history is full', async () => {
  const adam = await run({ ...ADAM_DEFAULTS, lr: 2 }, 12);
  const { losses, counts, final } = await run({ ...LBFGS_DEFAULTS, history: 3 }, 12);
  assert.equal(losses.length, 12);
  assert.ok(final < 0.5 * at(losses, 0, 'the first loss'), `loss ${losses[0]} → ${final}`);
  assert.ok(final < adam.final, `L-BFGS ${final} vs Adam ${adam.final}`);
  // Each stored (s, y) pair is 2 tensors (plus x, g, direction, trial point); with history 3 the count
  // stops growing after 3 accepted steps.
  assert.ok(Math.max(...counts) - at(counts, 0, 'the first count') <= 2 * 3 + 3, `tensor counts ${counts}`);
  const tail = counts.slice(-5);
  assert.ok(
    tail.every((c) => c === tail[0]),
    `tensor counts ${counts}`,
  );
});

test('L-BFGS survives a bad curvature model: reset on a non-descent direction, still decreases', async () => {
  // A non-convex 1-D-per-pixel function where curvature pairs go negative: f = Σ cos(x) + 0.01·x².
  const start = tf.tensor4d([3, 0.1, -2, 5, 1, -4], [1, 1, 2, 3]);
  const evaluate: Evaluate = async (x) => {
    const loss = tf.tidy(() => at(tf.sum(tf.add(tf.cos(x), tf.mul(tf.square(x), 0.01))).dataSync(), 0, 'the loss'));
    const grad = tf.tidy(() => tf.add<tf.Tensor4D>(tf.neg(tf.sin(x)), tf.mul(x, 0.02)));
    return { loss, grad };
  };
  const f0 = (await evaluate(start)).loss;
  const before = tf.memory().numTensors;
  const x = await lbfgs(start, evaluate, 40, { ...LBFGS_DEFAULTS, initialStep: 100 });
  const f1 = (await evaluate(x)).loss;
  assert.ok(f1 < f0 - 1, `${f0} → ${f1}`);
  assert.ok(Number.isFinite(f1));
  x.dispose();
  // (the final evaluate() above left its gradient undisposed: +1)
  assert.ok(tf.memory().numTensors <= before + 1);
  start.dispose();
});
