// Test/bench helper: VGG-19 with He-initialised random weights (real topology; channel widths scalable).
// Random weights are only good for timing and gradient checks, never for judging image quality.
import { tf } from '../../engine/runtime/tf.ts';
import { VGG19_CONV_LAYERS } from '../../engine/style/vgg19.ts';
import type { Vgg19Weights } from '../../engine/style/vgg19.ts';
import { at } from './assert.ts';

/** Real output widths of VGG-19's 16 convs. */
export const REAL_CHANNELS = [64, 64, 128, 128, 256, 256, 256, 256, 512, 512, 512, 512, 512, 512, 512, 512];

/** Seeded He-init weights; `widthScale` < 1 narrows every layer (e.g. 1/16 → 4 … 32 channels). */
export function randomVgg19(options: { widthScale?: number; seed?: number; upTo?: number } = {}): Vgg19Weights {
  const scale = options.widthScale ?? 1;
  const seed = options.seed ?? 1;
  const upTo = options.upTo ?? VGG19_CONV_LAYERS.length - 1;
  const weights: Vgg19Weights = new Map();
  let inC = 3;
  for (let i = 0; i <= upTo; i++) {
    const outC = Math.max(2, Math.round(at(REAL_CHANNELS, i, 'the real width') * scale));
    const std = Math.sqrt(2 / (9 * inC));
    weights.set(at(VGG19_CONV_LAYERS, i, 'the conv layer'), {
      kernel: tf.randomNormal([3, 3, inC, outC], 0, std, 'float32', seed + i),
      bias: tf.randomNormal([outC], 0, 0.01, 'float32', seed + 100 + i),
    });
    inC = outC;
  }
  return weights;
}

export function disposeWeights(weights: Vgg19Weights): void {
  for (const w of weights.values()) {
    w.kernel.dispose();
    w.bias.dispose();
  }
}
