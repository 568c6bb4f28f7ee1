// Runs in the engine process. One style-transfer job: validate, prepare images (colour mode, per-stage
// sizes), optimise coarse-to-fine, report progress, honour cancellation, free every tensor it made.
import { tf } from '../runtime/tf.ts';
import type { Tensor4D } from '../runtime/tf.ts';
import { initBackend } from '../runtime/backend.ts';
import { expectDefined, FaceKitError, throwIfCancelled } from '../../api/errors.ts';
import type { RgbImage } from '../image.ts';
import { Vgg19Net, deprocess, preprocess } from './vgg19.ts';
import type { Vgg19Weights } from './vgg19.ts';
import { computeTargets, deepestLayer, disposeTargets, facekitLoss, lossAndGradient, stockLossAndGradient } from './loss.ts';
import type { ExtraLoss, LossSpec, LossTargets, LossTerms } from './loss.ts';
import { optimize } from './optimizers.ts';
import { jobStopReason, StageStopper, stageBudgetMs, type StopReason } from './stopping.ts';
import { checkMemory, resolveStyleParams } from './params.ts';
import type { ResolvedStyleParams, StyleParams } from './params.ts';
import { luminanceImage, matchStyleColors, recombineLuminance, toRgb8 } from './color.ts';
import { uniformNoise } from './rng.ts';
import { BandParallelLoss, bandsHelp } from './parallel/band-pool.ts';
import { resizeLonger, resizeRgb, rgbToTensor } from './pixels.ts';

export interface StyleProgress {
  /** 1-based stage number and the stage count (coarse-to-fine). */
  stage: number;
  stageCount: number;
  /** 1-based iteration within the stage, and the stage's iteration count. */
  iteration: number;
  iterations: number;
  /** Over all stages. */
  totalIteration: number;
  totalIterations: number;
  width: number;
  height: number;
  losses: LossTerms;
  elapsedMs: number;
  /** Estimated time left: measured ms/iteration, scaled by pixel count for stages not yet run. */
  etaMs: number;
  /** The current image, every `previewEvery` iterations and at the end of each stage. */
  preview?: RgbImage;
  /** Set on the event that ends a stage: why it ended (early stopping, the time budget, its iteration count). */
  stopReason?: StopReason;
  /** Threads this stage's iterations run on (1: the job's own thread; a short stage may use fewer than asked). */
  threads: number;
}

export interface StageTiming {
  width: number;
  height: number;
  iterations: number;
  /** Targets (style Grams, content activations) for this stage. */
  prepareMs: number;
  optimizeMs: number;
  msPerIteration: number;
  lossFirst: number;
  lossLast: number;
  stopReason: StopReason;
}

export interface StyleResult {
  image: RgbImage;
  /** Total iterations (loss+gradient evaluations) over all stages. */
  iterations: number;
  /** Of the final (full-size) stage. */
  msPerIteration: number;
  /** Total loss at the first and the last evaluation (first stage / last stage). */
  lossFirst: number;
  lossLast: number;
  stages: StageTiming[];
  totalMs: number;
  seed: number;
  warnings: string[];
  /** 'budget' when the time budget cut a stage short, else how the last stage ended. */
  stopReason: StopReason;
  /** Threads the last stage ran on. */
  threads: number;
}

export interface StyleRunOptions {
  weights: Vgg19Weights;
  onProgress?: (progress: StyleProgress) => void;
  signal?: AbortSignal;
  /** 'stock' differentiates with tf.grad instead (slow; for comparisons). */
  gradient?: 'facekit' | 'stock';
  /**
   * Worker threads for FaceKit's pass (parallel/band-pool.ts: the image cut into row bands). 1 (the
   * default) keeps the whole job on this thread, exactly as before; ignored with gradient 'stock'.
   */
  threads?: number;
}

interface StageImages {
  content: RgbImage; // what the content loss sees (grey in luminance mode)
  contentColor: RgbImage; // the true content at this size (chroma source in luminance mode)
  styles: { image: RgbImage; weight: number }[];
}

/** Per-stage inputs. Colour work happens once, at the largest size any stage needs. */
async function prepareImages(r: ResolvedStyleParams): Promise<StageImages[]> {
  const contentFull = await resizeRgb(r.content, r.width, r.height);
  const styleSide = Math.max(1, Math.round(r.styleScale * Math.max(r.width, r.height)));
  let styles = await Promise.all(r.styles.map(async (s) => ({ image: await resizeLonger(s.image, styleSide), weight: s.weight })));
  let content = contentFull;
  if (r.preserveColor === 'histogram') styles = styles.map((s) => ({ ...s, image: matchStyleColors(s.image, contentFull) }));
  if (r.preserveColor === 'luminance') {
    styles = styles.map((s) => ({ ...s, image: luminanceImage(s.image, contentFull) }));
    content = luminanceImage(contentFull);
  }
  return Promise.all(
    r.stages.map(async (st) => ({
      content: await resizeRgb(content, st.width, st.height),
      contentColor: await resizeRgb(contentFull, st.width, st.height),
      styles: await Promise.all(
        styles.map(async (s) => ({
          ...s,
          image: await resizeLonger(s.image, Math.max(1, Math.round(r.styleScale * Math.max(st.width, st.height)))),
        })),
      ),
    })),
  );
}

/** Network-space image → 8-bit RGB; in luminance mode the content's chroma is put back. */
function toImage(x: Tensor4D, r: ResolvedStyleParams, contentColor: RgbImage): RgbImage {
  const rgb = tf.tidy(() => deprocess(x));
  const pixels = rgb.dataSync() as Float32Array;
  rgb.dispose();
  const [, h, w] = x.shape;
  if (r.preserveColor === 'luminance') {
    // Clip first so that out-of-range luminance does not leak into the chroma through the clamp.
    return toRgb8(w, h, recombineLuminance(toRgb8(w, h, pixels).data, contentColor.data));
  }
  return toRgb8(w, h, pixels);
}

function initialImage(r: ResolvedStyleParams, content: Tensor4D, initRgb: RgbImage | undefined): Tensor4D {
  return tf.tidy(() => {
    const base = initRgb ? preprocess(rgbToTensor(initRgb)) : content;
    if (r.noiseRatio === 0) return tf.clone(base);
    const noise = tf.tensor4d(uniformNoise(base.size, r.noiseRange, r.seed), base.shape);
    return tf.add<Tensor4D>(tf.mul(noise, r.noiseRatio), tf.mul(base, 1 - r.noiseRatio));
  });
}

/** A relative extra loss gets its absolute weight from the starting image's loss (one forward pass). */
async function scaleExtraLoss(
  extra: ExtraLoss,
  relativeTo: { reference: number },
  net: Vgg19Net,
  x: Tensor4D,
  targets: LossTargets,
  spec: LossSpec,
  signal?: AbortSignal,
): Promise<ExtraLoss> {
  const start = await facekitLoss(net, x, targets, { ...spec, extraLoss: undefined }, signal);
  const base = start.content + start.style + start.tv;
  return { ...extra, weight: (extra.weight * base) / relativeTo.reference };
}

/**
 * Runs a style transfer. Throws FaceKitError 'BAD_INPUT' for bad parameters, 'CANCELLED' when `signal`
 * fires (checked between network layers, so within a fraction of a second); every tensor it created is
 * freed on every exit path. The caller owns `weights`.
 */
export async function runStyleTransfer(params: StyleParams, options: StyleRunOptions): Promise<StyleResult> {
  const t0 = performance.now();
  const backend = (await initBackend()).name;
  const r = resolveStyleParams(params);
  checkMemory(r.width, r.height, tf.getBackend());
  const { signal, onProgress } = options;
  throwIfCancelled(signal);
  const spec: LossSpec = {
    contentLayers: r.contentLayers,
    styleLayers: r.styleLayers,
    alpha: r.alpha,
    beta: r.beta,
    tvWeight: r.tvWeight,
    pooling: r.pooling,
    extraLoss: r.extraLoss,
  };
  const images = await prepareImages(r);
  const firstStage = expectDefined(r.stages[0], 'the first stage'); // resolveStyleParams plans at least one
  const initRgb = r.init === 'image' && r.initImage ? await resizeRgb(r.initImage, firstStage.width, firstStage.height) : undefined;
  throwIfCancelled(signal);

  const net = new Vgg19Net(options.weights, r.pooling, deepestLayer(spec));
  const threads = options.gradient === 'stock' || !bandsHelp(backend) ? 1 : Math.max(1, Math.floor(options.threads ?? 1));
  let bands: BandParallelLoss | undefined;
  const totalIterations = r.stages.reduce((s, st) => s + st.iterations, 0);
  const timings: StageTiming[] = [];
  let x: Tensor4D | undefined;
  let totalIteration = 0;
  let lossFirst = NaN;
  let lossLast = NaN;
  const deadline = t0 + r.maxSeconds * 1000; // Infinity without a budget
  /** What every progress event of stage `si` says, apart from the time left and the preview. */
  const stageProgress = (si: number, iteration: number, losses: LossTerms, now: number) => {
    const stage = expectDefined(r.stages[si], `stage ${si + 1}`);
    return {
      stage: si + 1,
      stageCount: r.stages.length,
      iteration,
      iterations: stage.iterations,
      totalIteration,
      totalIterations,
      width: stage.width,
      height: stage.height,
      losses,
      elapsedMs: now - t0,
      threads: bands?.bands ?? 1,
    };
  };
  /** Time left: the stage's remaining iterations at the measured rate, later stages scaled by pixel count, capped by the budget. */
  const etaMs = (si: number, leftInStage: number, msPerIt: number, now: number): number => {
    const stage = expectDefined(r.stages[si], `stage ${si + 1}`);
    const pixels = stage.width * stage.height;
    let eta = leftInStage * msPerIt;
    for (const later of r.stages.slice(si + 1)) eta += later.iterations * msPerIt * ((later.width * later.height) / pixels);
    return Math.max(0, Math.min(eta, deadline - now));
  };
  try {
    // prepareImages made one StageImages per stage, in order.
    for (const [si, stage] of r.stages.entries()) {
      const img = expectDefined(images[si], `the images of stage ${si + 1}`);
      const tPrep = performance.now();
      // This stage's share of the time left (targets included); what an earlier stage saved comes here.
      const stopper = new StageStopper(r.earlyStop, tPrep + stageBudgetMs(r.stages, si, deadline - tPrep));
      if (r.extraLoss?.prepareStage) {
        const contentRgb = rgbToTensor(img.content);
        try {
          r.extraLoss.prepareStage(contentRgb);
        } finally {
          contentRgb.dispose();
        }
      }
      const contentT = tf.tidy(() => preprocess(rgbToTensor(img.content)));
      let targets: LossTargets;
      try {
        const styles = img.styles.map((s) => ({ image: tf.tidy(() => preprocess(rgbToTensor(s.image))), weight: s.weight }));
        try {
          targets = computeTargets(options.weights, spec, contentT, styles);
        } finally {
          for (const s of styles) s.image.dispose();
        }
        if (!x) x = initialImage(r, contentT, initRgb);
        else {
          const prev = x;
          // Upsample the previous stage's result as this stage's starting point.
          x = tf.tidy(() => tf.image.resizeBilinear(prev, [stage.height, stage.width], false, true));
          prev.dispose();
        }
      } finally {
        contentT.dispose();
      }
      if (si === 0 && r.extraLoss?.relativeTo)
        spec.extraLoss = await scaleExtraLoss(r.extraLoss, r.extraLoss.relativeTo, net, x, targets, spec, signal);
      if (threads > 1) {
        bands ??= await BandParallelLoss.start(options.weights, r.pooling, deepestLayer(spec), threads);
        await bands.prepareStage(stage.height, stage.width, targets);
      }
      const prepareMs = performance.now() - tPrep;
      const tOpt = performance.now();
      let iteration = 0;
      let stageFirst = NaN;
      let stageLast = NaN;
      let lastTerms: LossTerms | undefined;
      try {
        const evaluate = async (xi: Tensor4D) => {
          throwIfCancelled(signal);
          const res =
            options.gradient === 'stock'
              ? await stockLossAndGradient(options.weights, xi, targets, spec)
              : bands
                ? await bands.lossAndGradient(xi, targets, spec, signal)
                : await lossAndGradient(net, xi, targets, spec, signal);
          iteration++;
          totalIteration++;
          stageLast = lossLast = res.terms.total;
          lastTerms = res.terms;
          stopper.push(res.terms.total);
          if (iteration === 1) stageFirst = res.terms.total;
          if (totalIteration === 1) lossFirst = res.terms.total;
          if (!Number.isFinite(res.terms.total)) {
            res.grad.dispose();
            throw new FaceKitError('INTERNAL', `the style loss became ${res.terms.total} at stage ${si + 1}, iteration ${iteration}`);
          }
          if (onProgress) {
            const now = performance.now();
            // The stage's last image comes with the event that ends the stage.
            const wantPreview = r.previewEvery > 0 && iteration % r.previewEvery === 0 && iteration < stage.iterations;
            onProgress({
              ...stageProgress(si, iteration, res.terms, now),
              etaMs: etaMs(si, stage.iterations - iteration, (now - tOpt) / iteration, now),
              preview: wantPreview ? toImage(xi, r, img.contentColor) : undefined,
            });
          }
          return { loss: res.terms.total, grad: res.grad };
        };
        const next = await optimize(x, evaluate, stage.iterations, r.optimizer, stopper.keepGoing);
        x.dispose();
        x = next;
      } finally {
        disposeTargets(targets);
      }
      const optimizeMs = performance.now() - tOpt;
      const stopReason: StopReason = stopper.stopReason() ?? 'iterations';
      if (onProgress && lastTerms) {
        const now = performance.now();
        onProgress({
          ...stageProgress(si, iteration, lastTerms, now),
          etaMs: etaMs(si, 0, iteration ? optimizeMs / iteration : 0, now),
          preview: toImage(x, r, img.contentColor),
          stopReason,
        });
      }
      timings.push({
        width: stage.width,
        height: stage.height,
        iterations: iteration,
        prepareMs,
        optimizeMs,
        msPerIteration: iteration ? optimizeMs / iteration : 0,
        lossFirst: stageFirst,
        lossLast: stageLast,
        stopReason,
      });
    }
    const lastImages = images.at(-1);
    const lastTiming = timings.at(-1);
    if (!x || !lastImages || !lastTiming) throw new FaceKitError('INTERNAL', `a style job of ${r.stages.length} stages ran none`);
    const image = toImage(x, r, lastImages.contentColor);
    return {
      image,
      iterations: totalIteration,
      msPerIteration: lastTiming.msPerIteration,
      lossFirst,
      lossLast,
      stages: timings,
      totalMs: performance.now() - t0,
      seed: r.seed,
      warnings: r.warnings,
      stopReason: jobStopReason(timings.map((t) => t.stopReason)),
      threads: bands?.bands ?? 1,
    };
  } finally {
    x?.dispose();
    net.dispose();
    await bands?.close();
  }
}
