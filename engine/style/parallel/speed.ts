// Runs in the engine process (`facekit bench style`). Its one job: ms per loss+gradient iteration of a
// style job for several thread counts, in one run, on the same image, layers and weights (VGG-19 at its
// real widths with random values: timing does not depend on them; the real weights need not be installed).
import { tf } from '../../runtime/tf.ts';
import type { Tensor4D } from '../../runtime/tf.ts';
import { initBackend, describeBackend } from '../../runtime/backend.ts';
import { Vgg19Net, VGG19_CONV_LAYERS, preprocess } from '../vgg19.ts';
import type { Vgg19Weights } from '../vgg19.ts';
import { computeTargets, deepestLayer, disposeTargets, lossAndGradient } from '../loss.ts';
import type { LossSpec, LossTargets } from '../loss.ts';
import { STYLE_PRESETS } from '../params.ts';
import { BandParallelLoss } from './band-pool.ts';

export interface StyleSpeedRow {
  threads: number;
  /** Bands the image was actually cut into (fewer than threads on a short image). */
  bands: number;
  ms_per_iteration: number;
}

export interface StyleSpeedResult {
  rows: StyleSpeedRow[];
  backend: string;
  /** Longer side; the image is 4:3 landscape. */
  size: number;
  width: number;
  height: number;
  iterations: number;
}

const REAL_WIDTHS = [64, 64, 128, 128, 256, 256, 256, 256, 512, 512, 512, 512, 512, 512, 512, 512];

/** He-initialised weights at VGG-19's real widths, up to layer `upTo`, seeded. */
function randomWeights(upTo: number): Vgg19Weights {
  const weights: Vgg19Weights = new Map();
  let inC = 3;
  for (let i = 0; i <= upTo; i++) {
    const outC = REAL_WIDTHS[i] ?? 512;
    weights.set(VGG19_CONV_LAYERS[i] ?? '', {
      kernel: tf.randomNormal([3, 3, inC, outC], 0, Math.sqrt(2 / (9 * inC)), 'float32', 1 + i),
      bias: tf.randomNormal([outC], 0, 0.01, 'float32', 101 + i),
    });
    inC = outC;
  }
  return weights;
}

/** Untimed iterations before the timed ones, for every thread count alike. */
export const WARM_UP = 2;

/** One thread count: WARM_UP untimed iterations, then `iterations` timed ones. */
async function timeThreads(
  threads: number,
  ctx: { weights: Vgg19Weights; net: Vgg19Net; spec: LossSpec; targets: LossTargets; x: Tensor4D; iterations: number },
): Promise<StyleSpeedRow> {
  const [, h, w] = ctx.x.shape;
  const bands = threads > 1 ? await BandParallelLoss.start(ctx.weights, ctx.spec.pooling, ctx.net.deepest, threads) : undefined;
  try {
    await bands?.prepareStage(h, w, ctx.targets);
    const once = async () => {
      const r = bands
        ? await bands.lossAndGradient(ctx.x, ctx.targets, ctx.spec)
        : await lossAndGradient(ctx.net, ctx.x, ctx.targets, ctx.spec);
      r.grad.dispose();
    };
    // A fresh worker's wasm heap and conv operators take a couple of iterations to settle: not timed.
    for (let i = 0; i < WARM_UP; i++) await once();
    const t0 = performance.now();
    for (let i = 0; i < ctx.iterations; i++) await once();
    return { threads, bands: bands?.bands ?? 1, ms_per_iteration: (performance.now() - t0) / ctx.iterations };
  } finally {
    await bands?.close();
  }
}

/** The loss that speed measurements time (here and bench/style.bench.ts): the course preset's layers, TV on, max pooling. */
export function speedLossSpec(): LossSpec {
  const preset = STYLE_PRESETS.course;
  return {
    contentLayers: preset.contentLayers,
    styleLayers: preset.styleLayers,
    alpha: preset.alpha,
    beta: preset.beta,
    tvWeight: 1,
    pooling: 'max',
  };
}

export async function measureStyleSpeed(options: { size: number; threads: number[]; iterations: number }): Promise<StyleSpeedResult> {
  const report = await initBackend();
  const spec = speedLossSpec();
  const width = options.size;
  const height = Math.max(1, Math.round((options.size * 3) / 4));
  const weights = randomWeights(deepestLayer(spec));
  const net = new Vgg19Net(weights, 'max', deepestLayer(spec));
  const image = (seed: number) => tf.tidy(() => preprocess(tf.randomUniform([1, height, width, 3], 0, 255, 'float32', seed)));
  const content = image(1);
  const style = image(2);
  const x = image(3);
  const targets = computeTargets(weights, spec, content, [{ image: style, weight: 1 }]);
  try {
    const rows: StyleSpeedRow[] = [];
    const ctx = { weights, net, spec, targets, x, iterations: options.iterations };
    for (const threads of options.threads) rows.push(await timeThreads(threads, ctx));
    return { rows, backend: describeBackend(report), size: options.size, width, height, iterations: options.iterations };
  } finally {
    disposeTargets(targets);
    tf.dispose([content, style, x]);
    net.dispose();
    for (const w of weights.values()) tf.dispose([w.kernel, w.bias]);
  }
}
