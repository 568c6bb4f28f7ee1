// Style-transfer speed on this machine's backend: ms per loss+gradient iteration for tfjs' stock tf.grad
// and for FaceKit's hand-written backward pass, measured in the same run, plus the forward pass alone.
// VGG-19 has random weights with the real channel widths (timing does not depend on the values).
// Run: npx tsx bench/style.bench.ts [--quick]
import { tf } from '../engine/runtime/tf.ts';
import { initBackend, describeBackend } from '../engine/runtime/backend.ts';
import { Vgg19Net, preprocess } from '../engine/style/vgg19.ts';
import {
  computeTargets,
  deepestLayer,
  disposeTargets,
  evaluateLoss,
  facekitLoss,
  lossAndGradient,
  stockLossAndGradient,
} from '../engine/style/loss.ts';
import { randomVgg19, disposeWeights } from '../test/helpers/random-vgg.ts';
import { expectDefined } from '../api/errors.ts';
import { printTable } from './table.ts';
import { speedLossSpec } from '../engine/style/parallel/speed.ts';
import { runStyleTransfer } from '../engine/style/job.ts';

export async function benchStyle(quick: boolean): Promise<void> {
  const report = await initBackend();

  const spec = speedLossSpec();
  const weights = randomVgg19({ widthScale: 1 });
  const net = new Vgg19Net(weights, 'max', deepestLayer(spec));

  async function timeIt(runs: number, warmup: number, fn: () => Promise<void> | void): Promise<number> {
    for (let i = 0; i < warmup; i++) await fn();
    const t0 = performance.now();
    for (let i = 0; i < runs; i++) await fn();
    return (performance.now() - t0) / runs;
  }

  const sizes = quick
    ? [
        [128, 96],
        [256, 192],
      ]
    : [
        [256, 192],
        [512, 384],
      ];
  const rows: (string | number)[][] = [];
  for (const [w, h] of sizes as [number, number][]) {
    const content = tf.tidy(() => preprocess(tf.randomUniform([1, h, w, 3], 0, 255, 'float32', 1)));
    const style = tf.tidy(() => preprocess(tf.randomUniform([1, h, w, 3], 0, 255, 'float32', 2)));
    const x = tf.tidy(() => preprocess(tf.randomUniform([1, h, w, 3], 0, 255, 'float32', 3)));
    const targets = computeTargets(weights, spec, content, [{ image: style, weight: 1 }]);
    const big = w >= 512;
    const stockForwardMs = await timeIt(1, 1, () => void evaluateLoss(weights, x, targets, spec));
    const forwardMs = await timeIt(2, 1, async () => void (await facekitLoss(net, x, targets, spec)));
    const facekitMs = await timeIt(big ? 2 : 3, 1, async () => (await lossAndGradient(net, x, targets, spec)).grad.dispose());
    // Stock: one warm-up at the small size only (a 512 px stock iteration takes about a minute).
    const stockMs = await timeIt(1, big || quick ? 0 : 1, async () =>
      (await stockLossAndGradient(weights, x, targets, spec)).grad.dispose(),
    );
    rows.push([
      `${w}×${h}`,
      Math.round(stockMs),
      Math.round(facekitMs),
      `${(stockMs / facekitMs).toFixed(1)}×`,
      Math.round(stockForwardMs),
      Math.round(forwardMs),
      `${(facekitMs / forwardMs).toFixed(2)}×`,
    ]);
    disposeTargets(targets);
    tf.dispose([content, style, x]);
  }
  printTable(
    `Style transfer, ms per loss+gradient iteration (VGG-19 to block5_conv1, random weights of the real widths; backend ${describeBackend(report)}, tfjs ${tf.version.tfjs}). Baseline: tfjs's stock tf.grad over the same loss. Forward = the loss without gradient (stock: conv+add+relu, matMul(transposeA) Gram; FaceKit: fused conv, transpose+matMul Gram)`,
    ['size', 'stock tf.grad', 'FaceKit', 'speed-up', 'stock forward', 'FaceKit forward', 'FaceKit it / forward'],
    rows,
  );
  net.dispose();
  if (!quick) await benchCoarseToFine(weights);
  disposeWeights(weights);
}

/**
 * A 1024 px result made coarse-to-fine (256 → 512 → 1024, the same iterations per stage) against its
 * finest stage alone: the coarse stages should add little. Also shows the peak memory stays bounded.
 */
async function benchCoarseToFine(weights: ReturnType<typeof randomVgg19>): Promise<void> {
  const content = { width: 1024, height: 768, data: Buffer.alloc(1024 * 768 * 3, 128) };
  const style = { width: 512, height: 384, data: Buffer.alloc(512 * 384 * 3, 90) };
  const rows: (string | number)[][] = [];
  const result = await runStyleTransfer(
    { content, styles: [{ image: style }], size: 1024, stages: 3, iterations: 2, seed: 1, styleScale: 0.5 },
    { weights },
  );
  for (const stage of result.stages)
    rows.push([
      `${stage.width}×${stage.height}`,
      stage.iterations,
      Math.round(stage.prepareMs),
      Math.round(stage.msPerIteration),
      Math.round(stage.optimizeMs),
    ]);
  const finest = expectDefined(result.stages.at(-1), 'the finest stage of the 3-stage run');
  rows.push(['total', result.iterations, '', '', Math.round(result.totalMs)]);
  printTable(
    `Coarse-to-fine 1024 px (default preset, L-BFGS, 2 iterations a stage). Baseline: the finest stage alone; total / finest = ${(result.totalMs / (finest.optimizeMs + finest.prepareMs)).toFixed(2)}×; process RSS afterwards ${(process.memoryUsage().rss / 2 ** 30).toFixed(1)} GiB`,
    ['stage', 'iterations', 'prepare ms', 'ms / iteration', 'stage ms'],
    rows,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) await benchStyle(process.argv.includes('--quick'));
