// FaceKit's hand-written backward pass against tf.grad over the same loss (real VGG-19 topology,
// narrow random weights, odd sizes so the pooling crop/pad paths run).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../../../engine/runtime/tf.ts';
import { initBackend } from '../../../engine/runtime/backend.ts';
import { Vgg19Net, preprocess } from '../../../engine/style/vgg19.ts';
import {
  computeTargets,
  deepestLayer,
  disposeTargets,
  facekitLoss,
  lossAndGradient,
  stockLossAndGradient,
} from '../../../engine/style/loss.ts';
import type { LossSpec } from '../../../engine/style/loss.ts';
import type { Vgg19Weights } from '../../../engine/style/vgg19.ts';
import { at } from '../../helpers/assert.ts';
import { randomVgg19, disposeWeights } from '../../helpers/random-vgg.ts';

let weights: Vgg19Weights;
before(async () => {
  await initBackend();
  weights = randomVgg19({ widthScale: 1 / 8, seed: 7 });
});
after(() => disposeWeights(weights));

const STYLE = ['block1_conv1', 'block2_conv1', 'block3_conv1', 'block4_conv1', 'block5_conv1'];

function relErr(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => at(tf.norm(tf.sub(a, b)).dataSync(), 0, '|a - b|') / at(tf.norm(b).dataSync(), 0, '|b|'));
}

async function compare(spec: LossSpec, h: number, w: number) {
  const content = tf.tidy(() => preprocess(tf.randomUniform([1, h, w, 3], 0, 255, 'float32', 1)));
  const style = tf.tidy(() => preprocess(tf.randomUniform([1, h + 5, w + 3, 3], 0, 255, 'float32', 2)));
  const style2 = tf.tidy(() => preprocess(tf.randomUniform([1, h, w, 3], 0, 255, 'float32', 3)));
  const x = tf.tidy(() => preprocess(tf.randomUniform([1, h, w, 3], 0, 255, 'float32', 4)));
  const targets = computeTargets(weights, spec, content, [
    { image: style, weight: 1 },
    { image: style2, weight: 3 },
  ]);
  const net = new Vgg19Net(weights, spec.pooling, deepestLayer(spec));
  try {
    const before = tf.memory().numTensors;
    const mine = await lossAndGradient(net, x, targets, spec);
    assert.equal(tf.memory().numTensors, before + 1, 'only the gradient survives the pass');
    const stock = await stockLossAndGradient(weights, x, targets, spec);
    const err = relErr(mine.grad, stock.grad);
    assert.ok(err <= 1e-4, `gradient relative error ${err}`);
    for (const k of ['content', 'style', 'tv', 'total'] as const) {
      assert.ok(
        Math.abs(mine.terms[k] - stock.terms[k]) <= 1e-4 * Math.abs(stock.terms[k]) + 1e-9,
        `${k}: ${mine.terms[k]} vs ${stock.terms[k]}`,
      );
    }
    assert.ok(mine.terms.content > 0 && mine.terms.style > 0);
    const fwd = await facekitLoss(net, x, targets, spec);
    assert.ok(Math.abs(fwd.total - mine.terms.total) <= 1e-5 * mine.terms.total);
    tf.dispose([mine.grad, stock.grad]);
    return { mine, stock };
  } finally {
    net.dispose();
    disposeTargets(targets);
    tf.dispose([content, style, style2, x]);
  }
}

test('max pooling, course layers, TV: hand-written gradient equals tf.grad (24×32)', async () => {
  await compare(
    {
      contentLayers: [{ layer: 'block4_conv2', weight: 1 }],
      styleLayers: STYLE.map((layer) => ({ layer, weight: 0.2 })),
      alpha: 10,
      beta: 40,
      tvWeight: 0.3,
      pooling: 'max',
    },
    24,
    32,
  );
});

test('average pooling, odd size, content and style on shared layers, deepest layer block5_conv4', async () => {
  await compare(
    {
      contentLayers: [
        { layer: 'block2_conv2', weight: 0.5 },
        { layer: 'block5_conv4', weight: 1 },
      ],
      styleLayers: [...STYLE, 'block2_conv2'].map((layer) => ({ layer, weight: 0.3 })),
      alpha: 5,
      beta: 100,
      tvWeight: 0,
      pooling: 'avg',
    },
    35,
    27,
  );
});

test('an extra loss term is added through tf.grad on that term alone', async () => {
  const spec: LossSpec = {
    contentLayers: [{ layer: 'block3_conv1', weight: 1 }],
    styleLayers: [{ layer: 'block1_conv1', weight: 1 }],
    alpha: 1,
    beta: 1,
    tvWeight: 0.1,
    pooling: 'max',
    // Pull the mean red level towards 200 (a stand-in for a face-embedding distance).
    extraLoss: { weight: 3, fn: (rgb) => tf.square(tf.sub(tf.mean(tf.slice(rgb, [0, 0, 0, 0], [-1, -1, -1, 1])), 200)) as tf.Scalar },
  };
  const { mine, stock } = await compare(spec, 24, 32);
  const { extra } = mine.terms;
  const stockExtra = stock.terms.extra;
  assert.ok(extra !== undefined && stockExtra !== undefined, 'both report the extra term');
  assert.ok(extra > 0);
  assert.ok(Math.abs(extra - stockExtra) <= 1e-4 * stockExtra);
});
