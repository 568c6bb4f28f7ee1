// The loss formulas on tensors small enough to compute by hand.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../../../engine/runtime/tf.ts';
import { initBackend } from '../../../engine/runtime/backend.ts';
import { contentCost, gramNormalized, styleLayerCost, tvCost, deepestLayer } from '../../../engine/style/loss.ts';
import { IMAGENET_MEAN_BGR, deprocess, preprocess } from '../../../engine/style/vgg19.ts';

before(async () => {
  await initBackend();
});

/** a and b within tol (relative above 1); a missing value (an index past the end) fails too. */
const close = (a: number | undefined, b: number | undefined, tol = 1e-5) =>
  assert.ok(a !== undefined && b !== undefined && Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${a} vs ${b}`);

test('content cost = Σ(a_C − a_G)² / (4·nH·nW·nC)', () => {
  // 1×2×1×2: differences 1, −2, 3, 0 → Σ = 14; 4·2·1·2 = 16.
  const aG = tf.tensor4d([1, 2, 3, 4], [1, 2, 1, 2]);
  const aC = tf.tensor4d([0, 4, 0, 4], [1, 2, 1, 2]);
  close(contentCost(aG, aC).dataSync()[0], 14 / 16);
  tf.dispose([aG, aC]);
});

test('Gram matrix (normalised by nH·nW) and per-layer style cost match the course formula', () => {
  // Two pixels, two channels: F = [[1, 2], [3, 4]] → G = FᵀF = [[10, 14], [14, 20]].
  const a = tf.tensor4d([1, 2, 3, 4], [1, 1, 2, 2]);
  const g = gramNormalized(a);
  assert.deepEqual(Array.from(g.dataSync()), [5, 7, 7, 10]);
  // Style: F_S = [[0, 1], [1, 0]] → G_S = [[1, 0], [0, 1]]. Course: Σ(G_S − G_G)² / (4·nC²·(nH·nW)²)
  // = (9² + 14² + 14² + 19²) / (4·4·4) = 834 / 64.
  const s = tf.tensor4d([0, 1, 1, 0], [1, 1, 2, 2]);
  const gs = gramNormalized(s);
  close(styleLayerCost(g, gs).dataSync()[0], 834 / 64);
  tf.dispose([a, g, s, gs]);
});

test('total variation = (Σ vertical² + Σ horizontal²) / (nH·nW·nC)', () => {
  // 2×2 single channel [[0, 1], [3, 7]]: vertical 3, 6; horizontal 1, 4 → (9 + 36 + 1 + 16) / 4.
  const x = tf.tensor4d([0, 1, 3, 7], [1, 2, 2, 1]);
  close(tvCost(x).dataSync()[0], 62 / 4);
  x.dispose();
});

test('Keras caffe preprocessing: RGB → BGR minus ImageNet means, and back', () => {
  const rgb = tf.tensor4d([10, 20, 30], [1, 1, 1, 3]);
  const x = preprocess(rgb);
  const want = [30 - IMAGENET_MEAN_BGR[0], 20 - IMAGENET_MEAN_BGR[1], 10 - IMAGENET_MEAN_BGR[2]];
  Array.from(x.dataSync()).forEach((v, i) => close(v, want[i]));
  Array.from(deprocess(x).dataSync()).forEach((v, i) => close(v, [10, 20, 30][i]));
  tf.dispose([rgb, x]);
});

test('the forward pass stops at the deepest layer any loss needs', () => {
  assert.equal(
    deepestLayer({ contentLayers: [{ layer: 'block4_conv2', weight: 1 }], styleLayers: [{ layer: 'block5_conv1', weight: 1 }] }),
    12,
  );
  assert.equal(
    deepestLayer({ contentLayers: [{ layer: 'block2_conv2', weight: 1 }], styleLayers: [{ layer: 'block1_conv1', weight: 1 }] }),
    3,
  );
  assert.throws(() => deepestLayer({ contentLayers: [{ layer: 'block6_conv1', weight: 1 }], styleLayers: [] }), /unknown VGG-19 layer/);
});
