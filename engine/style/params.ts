// Runs anywhere. Style-transfer parameters: the two presets, defaults, validation (FaceKitError
// 'BAD_INPUT' with a message naming the field) and the coarse-to-fine stage plan.
import { expectDefined, FaceKitError } from '../../api/errors.ts';
// The bounds of every parameter are in api/style-limits.ts, shared with the api schema, CLI and UI.
import { STYLE_LIMITS } from '../../api/style-limits.ts';
import type { RgbImage } from '../image.ts';
import { layerIndex } from './vgg19.ts';
import type { Pooling } from './vgg19.ts';
import type { ExtraLoss, LayerWeight } from './loss.ts';
import { ADAM_DEFAULTS, LBFGS_DEFAULTS } from './optimizers.ts';
import type { OptimizerOptions } from './optimizers.ts';
import { EARLY_STOP_DEFAULTS, type EarlyStop } from './stopping.ts';

export type PresetName = 'default' | 'course';
export type InitMode = 'content' | 'noise' | 'image';
export type PreserveColor = 'none' | 'luminance' | 'histogram';

export interface StyleImageInput {
  image: RgbImage;
  /** Blend weight of this style's Gram targets (≥ 0; normalised over all styles). Default 1. */
  weight?: number;
}

export interface StyleParams {
  content: RgbImage;
  styles: StyleImageInput[];
  preset?: PresetName;
  /** Longer side of the output in pixels (aspect ratio of the content image). */
  size?: number;
  /** Iterations (= loss+gradient evaluations) per stage. */
  iterations?: number;
  /** Explicit per-stage iteration counts, coarsest first (overrides `iterations`; length sets `stages`). */
  stageIterations?: number[];
  /** Coarse-to-fine stages, each twice the size of the previous; 1 = optimise at the output size only. */
  stages?: number;
  alpha?: number;
  beta?: number;
  tvWeight?: number;
  contentLayers?: LayerWeight[];
  styleLayers?: LayerWeight[];
  pooling?: Pooling;
  optimizer?: Partial<OptimizerOptions> & { kind: OptimizerOptions['kind'] };
  init?: InitMode;
  /** Share of uniform noise mixed into the initial image (0 = none; 'noise' init means 1). */
  noiseRatio?: number;
  /** The noise is uniform in ±noiseRange (network input units ≈ 0…255 pixels). */
  noiseRange?: number;
  /** The starting image for init 'image' (resized to the first stage). */
  initImage?: RgbImage;
  /** Seeds the noise; same seed and inputs → identical result. Default: a fresh random seed, reported. */
  seed?: number;
  preserveColor?: PreserveColor;
  /** Style image size relative to the output: its longer side becomes styleScale × the stage's longer side. */
  styleScale?: number;
  /** Send a preview image every N iterations (0 = never). */
  previewEvery?: number;
  extraLoss?: ExtraLoss;
  /** Stop a stage once the loss stops improving; null runs every iteration. Default: the preset's. */
  earlyStop?: EarlyStop | null;
  /** Time budget of the whole job, seconds: stages share it and the job ends in time with the image it has. */
  maxSeconds?: number;
}

export interface ResolvedStyleParams {
  content: RgbImage;
  styles: { image: RgbImage; weight: number }[];
  preset: PresetName;
  width: number;
  height: number;
  /** Stage sizes and iteration counts, coarsest first; the last stage is the output size. */
  stages: { width: number; height: number; iterations: number }[];
  alpha: number;
  beta: number;
  tvWeight: number;
  contentLayers: LayerWeight[];
  styleLayers: LayerWeight[];
  pooling: Pooling;
  optimizer: OptimizerOptions;
  init: InitMode;
  noiseRatio: number;
  noiseRange: number;
  initImage?: RgbImage;
  seed: number;
  preserveColor: PreserveColor;
  styleScale: number;
  previewEvery: number;
  extraLoss?: ExtraLoss;
  earlyStop: EarlyStop | null;
  /** Infinity when the job has no time budget. */
  maxSeconds: number;
  /** Non-fatal concerns, e.g. a style image that must be upscaled a lot. */
  warnings: string[];
}

/**
 * Peak tensor memory of one FaceKit iteration per output pixel with the real VGG-19 widths, measured with
 * tf.profile (≈ 1.54 KB at 256 × 192, up to block5_conv1), rounded up. wasm's heap cannot pass 4 GB.
 */
export const BYTES_PER_PIXEL = 1700;
export const WASM_HEAP_BUDGET = 3.4e9;

/** Throws BAD_INPUT when the finest stage would not fit in the wasm heap (other backends: no check). */
export function checkMemory(width: number, height: number, backend: string): void {
  if (backend !== 'wasm') return;
  const need = width * height * BYTES_PER_PIXEL;
  if (need > WASM_HEAP_BUDGET) {
    const maxPixels = WASM_HEAP_BUDGET / BYTES_PER_PIXEL;
    const maxSide = Math.floor(Math.sqrt(maxPixels * (Math.max(width, height) / Math.min(width, height))));
    throw new FaceKitError(
      'BAD_INPUT',
      `a ${width} × ${height} result needs about ${(need / 1e9).toFixed(1)} GB, more than the WebAssembly backend's 4 GB heap allows; use size ≤ ${maxSide} for this aspect ratio (or the native tfjs-node backend)`,
    );
  }
}

/** Below this, VGG-19's pooling leaves block5 with no pixels: the smallest output and the smallest stage. */
export const MIN_STAGE_SIDE = STYLE_LIMITS.size.min;
/** Automatic coarse-to-fine stops halving here: coarser stages no longer help the layout. */
export const AUTO_COARSEST_SIDE = 256;
/** Smaller style images have too little texture to transfer: an error. */
export const MIN_STYLE_SIDE = STYLE_LIMITS.minStyleSide;
/** A style image upscaled by more than this gives blurry textures: a warning. */
export const STYLE_UPSCALE_WARN = 2;

const COURSE_STYLE_LAYERS = ['block1_conv1', 'block2_conv1', 'block3_conv1', 'block4_conv1', 'block5_conv1'];

type PresetValues = Omit<
  ResolvedStyleParams,
  'content' | 'styles' | 'preset' | 'width' | 'height' | 'stages' | 'initImage' | 'seed' | 'extraLoss' | 'maxSeconds' | 'warnings'
> & {
  size: number;
  iterations: number;
  /** undefined = automatic (halve down to AUTO_COARSEST_SIDE). */
  stages?: number;
};

export const STYLE_PRESETS: Record<PresetName, PresetValues> = {
  // The deep-learning course's notebook: 400×300, Adam lr 2, 200 steps from 60 % noise + 40 % content.
  course: {
    size: 400,
    iterations: 200,
    stages: 1,
    alpha: 10,
    beta: 40,
    tvWeight: 0,
    contentLayers: [{ layer: 'block4_conv2', weight: 1 }],
    styleLayers: COURSE_STYLE_LAYERS.map((layer) => ({ layer, weight: 0.2 })),
    pooling: 'max',
    optimizer: { ...ADAM_DEFAULTS, lr: 2 },
    init: 'content',
    noiseRatio: 0.6,
    noiseRange: 20,
    preserveColor: 'none',
    styleScale: 1,
    previewEvery: 20,
    earlyStop: null, // the notebook's fixed schedule
  },
  // FaceKit's default. The weights are jcjohnson/neural-style's defaults (content 5, style 100, Caffe VGG-19,
  // same 0…255 BGR input) rewritten for our formulas: its MSE content loss is 4× ours → α = 20; its style
  // loss (Grams over C·H·W, MSE) is our per-layer cost × 4/C², so layer weights ∝ 1/C² — 64:16:4:1:1 for
  // 64/128/256/512/512 channels — with β = 100·4·86/512². Starting from the content image and using
  // L-BFGS converges in far fewer iterations than Adam from noise; coarse-to-fine (256 px first) settles
  // the large-scale layout cheaply. A light TV term removes the high-frequency speckle L-BFGS tends to add.
  default: {
    size: 512,
    iterations: 150,
    alpha: 20,
    beta: (100 * 4 * 86) / 512 ** 2,
    tvWeight: 1,
    contentLayers: [{ layer: 'block4_conv2', weight: 1 }],
    styleLayers: Object.entries({ block1_conv1: 64, block2_conv1: 16, block3_conv1: 4, block4_conv1: 1, block5_conv1: 1 }).map(
      ([layer, w]) => ({ layer, weight: w / 86 }),
    ),
    pooling: 'max',
    optimizer: { ...LBFGS_DEFAULTS },
    init: 'content',
    noiseRatio: 0,
    noiseRange: 20,
    preserveColor: 'none',
    styleScale: 1,
    previewEvery: 10,
    earlyStop: EARLY_STOP_DEFAULTS,
  },
};

function bad(message: string): never {
  throw new FaceKitError('BAD_INPUT', message);
}

function finiteNumber(name: string, value: number, min: number, max = Infinity): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    bad(`${name} must be a number in [${min}, ${max}], got ${value}`);
  }
  return value;
}

function integer(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) bad(`${name} must be an integer in [${min}, ${max}], got ${value}`);
  return value;
}

const { size: SIZE, iterations: ITERATIONS, stages: STAGES, styleImages: STYLE_IMAGES } = STYLE_LIMITS;

function checkImage(name: string, image: RgbImage | undefined): RgbImage {
  if (!image || !Number.isInteger(image.width) || !Number.isInteger(image.height) || image.width < 1 || image.height < 1) {
    bad(`${name} is not an image`);
  }
  if (image.data.length !== image.width * image.height * 3) {
    bad(`${name}: ${image.data.length} bytes for ${image.width} × ${image.height} RGB pixels`);
  }
  return image;
}

function checkLayers(name: string, layers: LayerWeight[]): LayerWeight[] {
  for (const l of layers) {
    layerIndex(l.layer);
    finiteNumber(`${name} weight of ${l.layer}`, l.weight, 0);
  }
  return layers.map((l) => ({ ...l }));
}

/** Output size with the content's aspect ratio, longer side = `size`. */
export function outputSize(content: RgbImage, size: number): { width: number; height: number } {
  const scale = size / Math.max(content.width, content.height);
  return { width: Math.max(1, Math.round(content.width * scale)), height: Math.max(1, Math.round(content.height * scale)) };
}

/** Stage sizes, coarsest first; each stage halves the next one's sides. */
export function planStages(width: number, height: number, count: number): { width: number; height: number }[] {
  const out = [];
  for (let s = count - 1; s >= 0; s--) out.push({ width: Math.round(width / 2 ** s), height: Math.round(height / 2 ** s) });
  return out;
}

/** Fills in the preset, validates everything, plans the stages. Throws FaceKitError('BAD_INPUT'). */
export function resolveStyleParams(p: StyleParams): ResolvedStyleParams {
  const presetName = p.preset ?? 'default';
  const preset = STYLE_PRESETS[presetName];
  if (!preset) bad(`unknown preset '${presetName}' (use ${Object.keys(STYLE_PRESETS).join(' or ')})`);
  const warnings: string[] = [];
  const content = checkImage('content image', p.content);
  if (!Array.isArray(p.styles) || p.styles.length < STYLE_IMAGES.min) bad('at least one style image is needed');
  if (p.styles.length > STYLE_IMAGES.max) bad(`at most ${STYLE_IMAGES.max} style images can be blended (got ${p.styles.length})`);
  const styles = p.styles.map((s, i) => ({
    image: checkImage(`style image ${i + 1}`, s.image),
    weight: finiteNumber(`style image ${i + 1} weight`, s.weight ?? 1, 0),
  }));
  if (!(styles.reduce((a, s) => a + s.weight, 0) > 0)) bad('the style weights add up to 0');

  const size = integer('size', p.size ?? preset.size, SIZE.min, SIZE.max);
  const { width, height } = outputSize(content, size);
  if (Math.min(width, height) < MIN_STAGE_SIDE)
    bad(`output would be ${width} × ${height}; its shorter side must be at least ${MIN_STAGE_SIDE} px`);

  let stageCount: number;
  let iterationsPerStage: number[];
  if (p.stageIterations) {
    if (!Array.isArray(p.stageIterations) || p.stageIterations.length < 1) bad('stageIterations must list at least one count');
    iterationsPerStage = p.stageIterations.map((n, i) => integer(`stageIterations[${i}]`, n, ITERATIONS.min, ITERATIONS.max));
    stageCount = iterationsPerStage.length;
    if (p.stages !== undefined && p.stages !== stageCount) bad(`stages is ${p.stages} but stageIterations lists ${stageCount}`);
  } else {
    if (p.stages !== undefined) stageCount = integer('stages', p.stages, STAGES.min, STAGES.max);
    else if (preset.stages !== undefined) stageCount = preset.stages;
    else {
      stageCount = 1;
      while (size / 2 ** stageCount >= AUTO_COARSEST_SIDE) stageCount++;
    }
    const n = integer('iterations', p.iterations ?? preset.iterations, ITERATIONS.min, ITERATIONS.max);
    iterationsPerStage = Array.from({ length: stageCount }, () => n);
  }
  const sizes = planStages(width, height, stageCount);
  const coarsest = expectDefined(sizes[0], 'the coarsest stage'); // stageCount ≥ 1
  if (Math.min(coarsest.width, coarsest.height) < MIN_STAGE_SIDE) {
    bad(
      `the coarsest of ${stageCount} stages would be ${coarsest.width} × ${coarsest.height}; use fewer stages (its shorter side must be ≥ ${MIN_STAGE_SIDE} px)`,
    );
  }
  // planStages gives one size per stage: stageCount = iterationsPerStage.length.
  const stages = sizes.map((s, i) => ({ ...s, iterations: expectDefined(iterationsPerStage[i], `the iteration count of stage ${i + 1}`) }));

  const contentLayers = checkLayers('content layer', p.contentLayers ?? preset.contentLayers);
  const styleLayers = checkLayers('style layer', p.styleLayers ?? preset.styleLayers);
  if (contentLayers.length + styleLayers.length === 0) bad('no content or style layers');

  const optimizer: OptimizerOptions =
    (p.optimizer?.kind ?? preset.optimizer.kind) === 'adam'
      ? { ...ADAM_DEFAULTS, ...(preset.optimizer.kind === 'adam' ? preset.optimizer : {}), ...(p.optimizer as object), kind: 'adam' }
      : { ...LBFGS_DEFAULTS, ...(preset.optimizer.kind === 'lbfgs' ? preset.optimizer : {}), ...(p.optimizer as object), kind: 'lbfgs' };
  if (optimizer.kind === 'adam') {
    finiteNumber('optimizer.lr', optimizer.lr, 1e-9);
    finiteNumber('optimizer.beta1', optimizer.beta1, 0, 0.999999);
    finiteNumber('optimizer.beta2', optimizer.beta2, 0, 0.99999999);
    finiteNumber('optimizer.epsilon', optimizer.epsilon, 1e-12);
  } else if (optimizer.kind === 'lbfgs') {
    integer('optimizer.history', optimizer.history, STYLE_LIMITS.lbfgsHistory.min, STYLE_LIMITS.lbfgsHistory.max);
    finiteNumber('optimizer.initialStep', optimizer.initialStep, 1e-6);
    integer('optimizer.maxBacktracks', optimizer.maxBacktracks, 0, 30);
  } else {
    bad(`unknown optimizer '${(optimizer as { kind: string }).kind}' (use adam or lbfgs)`);
  }

  const init = p.init ?? preset.init;
  if (!['content', 'noise', 'image'].includes(init)) bad(`unknown init '${init}' (use content, noise or image)`);
  if (init === 'image') checkImage('initImage', p.initImage);
  const noiseRatio =
    init === 'noise'
      ? 1
      : finiteNumber('noiseRatio', p.noiseRatio ?? preset.noiseRatio, STYLE_LIMITS.noiseRatio.min, STYLE_LIMITS.noiseRatio.max);
  const noiseRange = finiteNumber(
    'noiseRange',
    p.noiseRange ?? preset.noiseRange,
    STYLE_LIMITS.noiseRange.min,
    STYLE_LIMITS.noiseRange.max,
  );
  const seed =
    p.seed === undefined ? Math.floor(Math.random() * 2 ** 32) : integer('seed', p.seed, STYLE_LIMITS.seed.min, STYLE_LIMITS.seed.max);

  const preserveColor = p.preserveColor ?? preset.preserveColor;
  if (!['none', 'luminance', 'histogram'].includes(preserveColor))
    bad(`unknown preserveColor '${preserveColor}' (use none, luminance or histogram)`);
  const pooling = p.pooling ?? preset.pooling;
  if (pooling !== 'max' && pooling !== 'avg') bad(`unknown pooling '${String(pooling)}' (use max or avg)`);
  const styleScale = finiteNumber(
    'styleScale',
    p.styleScale ?? preset.styleScale,
    STYLE_LIMITS.styleScale.min,
    STYLE_LIMITS.styleScale.max,
  );

  // A style image is resized so that its longer side is styleScale × the output's longer side.
  const wantSide = styleScale * size;
  styles.forEach((s, i) => {
    const side = Math.max(s.image.width, s.image.height);
    if (side < MIN_STYLE_SIDE)
      bad(`style image ${i + 1} is ${s.image.width} × ${s.image.height}; at least ${MIN_STYLE_SIDE} px on the longer side is needed`);
    if (wantSide / side > STYLE_UPSCALE_WARN) {
      warnings.push(
        `style image ${i + 1} (${s.image.width} × ${s.image.height}) is upscaled ${(wantSide / side).toFixed(1)}× for a ${size} px output; its textures will be soft (use a larger style image or a smaller styleScale)`,
      );
    }
  });

  const extraLoss = p.extraLoss;
  if (extraLoss) {
    finiteNumber('extraLoss.weight', extraLoss.weight, 0);
    if (typeof extraLoss.fn !== 'function') bad('extraLoss.fn must be a function');
  }

  return {
    content,
    styles,
    preset: presetName,
    width,
    height,
    stages,
    alpha: finiteNumber('alpha', p.alpha ?? preset.alpha, 0),
    beta: finiteNumber('beta', p.beta ?? preset.beta, 0),
    tvWeight: finiteNumber('tvWeight', p.tvWeight ?? preset.tvWeight, 0),
    contentLayers,
    styleLayers,
    pooling,
    optimizer,
    init,
    noiseRatio,
    noiseRange,
    initImage: p.initImage,
    seed,
    preserveColor,
    styleScale,
    previewEvery: integer(
      'previewEvery',
      p.previewEvery ?? preset.previewEvery,
      STYLE_LIMITS.previewEvery.min,
      STYLE_LIMITS.previewEvery.max,
    ),
    extraLoss,
    earlyStop: resolveEarlyStop(p.earlyStop === undefined ? preset.earlyStop : p.earlyStop),
    maxSeconds:
      p.maxSeconds === undefined
        ? Infinity
        : finiteNumber('maxSeconds', p.maxSeconds, STYLE_LIMITS.maxSeconds.min, STYLE_LIMITS.maxSeconds.max),
    warnings,
  };
}

/** An epsilon of 0 means never converged: the same as no early stopping. */
function resolveEarlyStop(e: EarlyStop | null): EarlyStop | null {
  if (e === null) return null;
  const epsilon = finiteNumber('earlyStop.epsilon', e.epsilon, STYLE_LIMITS.earlyStopEpsilon.min, STYLE_LIMITS.earlyStopEpsilon.max);
  const window = integer('earlyStop.window', e.window, STYLE_LIMITS.earlyStopWindow.min, STYLE_LIMITS.earlyStopWindow.max);
  return epsilon === 0 ? null : { epsilon, window };
}
