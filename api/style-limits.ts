// Runs everywhere (engine, api schemas, CLI, renderer). The bounds of a style transfer, defined once:
// engine/style/params.ts validates every job against STYLE_LIMITS, the CLI's flags and help text read
// them, and the style.start schema and the Stylize screen read APP_STYLE_LIMITS. Plain data, no
// imports, so the renderer can bundle it.

/** An inclusive range. */
export interface Range {
  readonly min: number;
  readonly max: number;
}

/** What the engine accepts for one job (and so the CLI, which hands its flags to the engine). */
export const STYLE_LIMITS = {
  /**
   * Longer side of the result, px. Below 32, VGG-19's pooling leaves block5 with no pixels (the
   * coarsest stage obeys the same minimum); wasm keeps every activation of the backward pass in a
   * 4 GB heap, and 2048 px is about its ceiling.
   */
  size: { min: 32, max: 2048 },
  /** Iterations per stage. */
  iterations: { min: 1, max: 100_000 },
  /** Coarse-to-fine stages, each twice the size of the previous. */
  stages: { min: 1, max: 8 },
  /** Style images blended in one job: each adds its Gram targets to every iteration. */
  styleImages: { min: 1, max: 4 },
  /** Style image size relative to the result. */
  styleScale: { min: 0.1, max: 4 },
  /** Share of noise mixed into the starting image. */
  noiseRatio: { min: 0, max: 1 },
  /** The noise is uniform in ±noiseRange (network input units ≈ 0…255 pixels). */
  noiseRange: { min: 0, max: 1000 },
  /** The noise seed is a uint32. */
  seed: { min: 0, max: 2 ** 32 - 1 },
  /** A preview every N iterations (0 = never). */
  previewEvery: { min: 0, max: 1_000_000 },
  /** Early stopping: the relative loss improvement over the window below which a stage stops (0 = never). */
  earlyStopEpsilon: { min: 0, max: 1 },
  /** Early stopping: evaluations compared. */
  earlyStopWindow: { min: 1, max: 10_000 },
  /** Time budget of one job, seconds (a week at most). */
  maxSeconds: { min: 1, max: 604_800 },
  /** L-BFGS history size. */
  lbfgsHistory: { min: 1, max: 100 },
  /** Smaller style images (longer side, px) have too little texture to transfer. */
  minStyleSide: 64,
} as const satisfies Record<string, Range | number>;

/**
 * What the app offers (the style.start call, the Stylize screen): tighter than the engine's, so an
 * interactive job stays within minutes. The CLI keeps the engine's full range.
 */
export const APP_STYLE_LIMITS = {
  size: { min: 64, max: STYLE_LIMITS.size.max },
  iterations: { min: 1, max: 2000 },
  styleImages: STYLE_LIMITS.styleImages,
  /** Blend weight of one style image: above 0, at most this. */
  imageWeightMax: 100,
  /** β (the settings' styleWeight): above 0, at most this. */
  styleWeightMax: 1e6,
} as const;

/** The app's starting settings (style.start's defaults, the Stylize form). */
export const APP_STYLE_DEFAULTS = { size: 384, iterations: 100, imageWeight: 1 } as const;

/** "32–2048", for help texts and messages. */
export const formatRange = (r: Range): string => `${r.min}–${r.max}`;
