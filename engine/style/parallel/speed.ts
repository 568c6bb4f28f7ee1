// Runs in the engine process (`facekit bench style`). Its one job: ms per loss+gradient iteration of a
// style job for several thread counts, in one run, on the same image, layers and weights (VGG-19 at its
// real widths with random values: timing does not depend on them; the real weights need not be installed).
import { expectDefined } from '../../../api/errors.ts';
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
  /** The median of the timed iterations. */
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

interface SpeedContext {
  weights: Vgg19Weights;
  net: Vgg19Net;
  spec: LossSpec;
  targets: LossTargets;
  x: Tensor4D;
  iterations: number;
}

/** One thread count's evaluator: this thread alone (1), or a band pool prepared for the image. */
interface Runner {
  threads: number;
  bands?: BandParallelLoss;
}

async function runOnce(runner: Runner, ctx: SpeedContext): Promise<number> {
  const t0 = performance.now();
  const r = runner.bands
    ? await runner.bands.lossAndGradient(ctx.x, ctx.targets, ctx.spec)
    : await lossAndGradient(ctx.net, ctx.x, ctx.targets, ctx.spec);
  r.grad.dispose();
  return performance.now() - t0;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] ?? NaN) : ((sorted[mid - 1] ?? NaN) + (sorted[mid] ?? NaN)) / 2;
}

/**
 * Every thread count, interleaved: each round times one iteration of each (in a rotating order), so that
 * a slow spell of this shared machine falls on all of them alike; the median per thread count is kept.
 * Each runs WARM_UP untimed iterations first (a fresh worker's wasm heap takes a couple to settle).
 */
async function timeInterleaved(threadCounts: number[], ctx: SpeedContext): Promise<StyleSpeedRow[]> {
  const [, h, w] = ctx.x.shape;
  const runners: Runner[] = [];
  try {
    for (const threads of threadCounts) {
      const runner: Runner = { threads };
      runners.push(runner);
      if (threads > 1) {
        runner.bands = await BandParallelLoss.start(ctx.weights, ctx.spec.pooling, ctx.net.deepest, threads);
        await runner.bands.prepareStage(h, w, ctx.targets);
      }
      for (let i = 0; i < WARM_UP; i++) await runOnce(runner, ctx);
    }
    const times = runners.map((): number[] => []);
    for (let round = 0; round < ctx.iterations; round++) {
      for (let j = 0; j < runners.length; j++) {
        const k = (round + j) % runners.length;
        times[k]?.push(await runOnce(expectDefined(runners[k], `runner ${k}`), ctx));
      }
    }
    return runners.map((r, k) => ({ threads: r.threads, bands: r.bands?.bands ?? 1, ms_per_iteration: median(times[k] ?? []) }));
  } finally {
    for (const r of runners) await r.bands?.close();
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
    const rows = await timeInterleaved(options.threads, { weights, net, spec, targets, x, iterations: options.iterations });
    return { rows, backend: describeBackend(report), size: options.size, width, height, iterations: options.iterations };
  } finally {
    disposeTargets(targets);
    tf.dispose([content, style, x]);
    net.dispose();
    for (const w of weights.values()) tf.dispose([w.kernel, w.bias]);
  }
}
