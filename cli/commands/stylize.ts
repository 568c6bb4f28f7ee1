// Runs in the CLI. facekit stylize CONTENT STYLE… -o OUT: neural style transfer with every control.
import os from 'node:os';
import type { Command } from 'commander';
import { InvalidArgumentError, Option } from 'commander';
import { stylizeToFile, DEFAULT_IDENTITY_WEIGHT, type StyleSettings } from '../../engine/style/studio.ts';
import type { LayerWeight } from '../../engine/style/loss.ts';
import type { OptimizerOptions } from '../../engine/style/optimizers.ts';
import { CliContext, formatDistance } from '../context.ts';
import { integerInRange, numberInRange, parseNumberArg } from '../arguments.ts';
import { DEFAULT_THRESHOLD } from '../../engine/recognition/thresholds.ts';
import { FaceKitError } from '../../api/errors.ts';
import { formatRange, STYLE_LIMITS } from '../../api/style-limits.ts';
import { EARLY_STOP_DEFAULTS, type StopReason } from '../../engine/style/stopping.ts';

interface StylizeOptions {
  output: string;
  size?: number;
  iterations?: number;
  stages?: number;
  preset?: 'default' | 'course';
  optimizer?: 'adam' | 'lbfgs';
  lr?: number;
  history?: number;
  alpha?: number;
  beta?: number;
  tv?: number;
  contentLayers?: LayerWeight[];
  styleLayers?: LayerWeight[];
  pooling?: 'max' | 'avg';
  init?: string;
  noiseRatio?: number;
  preserveColors?: 'luminance' | 'histogram';
  styleWeights?: number[];
  styleScale?: number;
  preserveIdentity?: boolean;
  identityWeight?: number;
  seed?: number;
  weights?: string;
  gallery: boolean;
  maxSeconds?: number;
  earlyStop?: number;
  earlyStopWindow?: number;
  threads?: number;
}

/** "block4_conv2" or "block1_conv1:0.2,block2_conv1:0.2" */
function parseLayers(value: string): LayerWeight[] {
  return value.split(',').map((part) => {
    const [layer, weight] = part.trim().split(':');
    if (!layer || !/^block[1-5]_conv[1-4]$/.test(layer))
      throw new InvalidArgumentError(`"${part}" is not a VGG-19 conv layer (block1_conv1 … block5_conv4).`);
    return { layer, weight: weight === undefined ? 1 : parseNumberArg(weight) };
  });
}

function parseWeights(value: string): number[] {
  return value.split(',').map((w) => parseNumberArg(w.trim()));
}

function optimizerFrom(opts: StylizeOptions): (Partial<OptimizerOptions> & { kind: OptimizerOptions['kind'] }) | undefined {
  if (!opts.optimizer && opts.lr === undefined && opts.history === undefined) return undefined;
  const kind = opts.optimizer ?? (opts.history !== undefined ? 'lbfgs' : 'adam');
  return kind === 'adam'
    ? { kind, ...(opts.lr !== undefined && { lr: opts.lr }) }
    : { kind, ...(opts.history !== undefined && { history: opts.history }) };
}

/** --init is a mode (content, noise) or else the path of a starting image. */
function initMode(init: string | undefined): 'content' | 'noise' | undefined {
  return init === 'content' || init === 'noise' ? init : undefined;
}

/** --early-stop 0 turns it off; either flag alone keeps the preset's other value (or the default's). */
function earlyStopFrom(opts: StylizeOptions): StyleSettings['earlyStop'] {
  if (opts.earlyStop === undefined && opts.earlyStopWindow === undefined) return undefined;
  if (opts.earlyStop === 0) return null;
  return { epsilon: opts.earlyStop ?? EARLY_STOP_DEFAULTS.epsilon, window: opts.earlyStopWindow ?? EARLY_STOP_DEFAULTS.window };
}

function settingsFrom(opts: StylizeOptions): StyleSettings {
  return {
    maxSeconds: opts.maxSeconds,
    earlyStop: earlyStopFrom(opts),
    preset: opts.preset,
    size: opts.size,
    iterations: opts.iterations,
    stages: opts.stages,
    alpha: opts.alpha,
    beta: opts.beta,
    tvWeight: opts.tv,
    contentLayers: opts.contentLayers,
    styleLayers: opts.styleLayers,
    pooling: opts.pooling,
    optimizer: optimizerFrom(opts),
    init: initMode(opts.init),
    noiseRatio: opts.noiseRatio,
    seed: opts.seed,
    preserveColor: opts.preserveColors,
    styleScale: opts.styleScale,
  };
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const STOP_WORDS: Record<StopReason, string> = {
  converged: 'stopped early: the image had stopped changing',
  budget: 'stopped at the time limit',
  iterations: 'ran every iteration',
  cancelled: 'cancelled',
};
// The flags take the engine's full ranges (the app's are tighter): checked here for a usage error up front.
const L = STYLE_LIMITS;

export function registerStylizeCommand(program: Command): void {
  program
    .command('stylize')
    .description('redraw CONTENT in the style of one or more paintings (Gatys et al., VGG-19)')
    .argument('<content>', 'the photo')
    .argument('<styles...>', `style images, up to ${L.styleImages.max} (several are blended, see --style-weights)`)
    .requiredOption('-o, --output <file>', 'result (.png, .jpg or .webp)')
    .addOption(new Option('--preset <name>', 'starting settings').choices(['default', 'course']))
    .option('--size <px>', `longer side of the result (${formatRange(L.size)})`, integerInRange(L.size))
    .option('--iterations <n>', `iterations per stage (${formatRange(L.iterations)})`, integerInRange(L.iterations))
    .option(
      '--stages <n>',
      `coarse-to-fine stages, each twice the size of the last (1 = output size only; at most ${L.stages.max})`,
      integerInRange(L.stages),
    )
    .addOption(new Option('--optimizer <kind>').choices(['adam', 'lbfgs']))
    .option('--lr <rate>', 'Adam learning rate', parseNumberArg)
    .option('--history <m>', `L-BFGS history size (${formatRange(L.lbfgsHistory)})`, integerInRange(L.lbfgsHistory))
    .option('--alpha <w>', 'content weight α', parseNumberArg)
    .option('--beta <w>', 'style weight β', parseNumberArg)
    .option('--tv <w>', 'total-variation weight (smoothness)', parseNumberArg)
    .option('--content-layers <list>', 'e.g. block4_conv2 or block4_conv2:1,block5_conv2:0.5', parseLayers)
    .option('--style-layers <list>', 'e.g. block1_conv1:0.2,block2_conv1:0.2,…', parseLayers)
    .addOption(new Option('--pooling <kind>').choices(['max', 'avg']))
    .option('--init <from>', 'content, noise, or an image file to start from')
    .option('--noise-ratio <r>', `share of noise mixed into the start (${formatRange(L.noiseRatio)})`, numberInRange(L.noiseRatio))
    .addOption(new Option('--preserve-colors <mode>', "keep the photo's colours").choices(['luminance', 'histogram']))
    .option('--style-weights <list>', 'blend weights of the style images, e.g. 0.7,0.3', parseWeights)
    .option(
      '--style-scale <s>',
      `style image size relative to the result, ${formatRange(L.styleScale)} (smaller = finer brush strokes)`,
      numberInRange(L.styleScale),
    )
    .option('--preserve-identity', 'keep faces recognisable as the same person (portraits)')
    .option('--identity-weight <w>', `strength of --preserve-identity (default ${DEFAULT_IDENTITY_WEIGHT})`, parseNumberArg)
    .option('--seed <n>', `random seed, for reproducible results (${formatRange(L.seed)})`, integerInRange(L.seed))
    .option(
      '--max-seconds <n>',
      `time limit for the whole job (${formatRange(L.maxSeconds)}); it ends in time with the image it has`,
      numberInRange(L.maxSeconds),
    )
    .option(
      '--early-stop <eps>',
      `stop a stage when the loss improves by less than this share over the window (default ${EARLY_STOP_DEFAULTS.epsilon} with the default preset; 0 = off)`,
      numberInRange(L.earlyStopEpsilon),
    )
    .option(
      '--early-stop-window <k>',
      `iterations the early-stop rule compares (default ${EARLY_STOP_DEFAULTS.window})`,
      integerInRange(L.earlyStopWindow),
    )
    .option(
      '--threads <n>',
      `worker threads for each iteration, the image cut into row bands (default: ${os.availableParallelism()}, every core; 1: no workers)`,
      integerInRange({ min: 1, max: 64 }),
    )
    .option('--weights <file>', 'a VGG-19 .h5 file instead of the installed one')
    .option('--no-gallery', 'do not record the result in the gallery')
    .action(async (contentPath: string, stylePaths: string[], opts: StylizeOptions, command: Command) => {
      const ctx = CliContext.from(command);
      if (stylePaths.length > L.styleImages.max) {
        throw new FaceKitError('BAD_INPUT', `at most ${L.styleImages.max} style images can be blended (got ${stylePaths.length})`);
      }
      if (opts.styleWeights && opts.styleWeights.length !== stylePaths.length) {
        throw new FaceKitError(
          'BAD_INPUT',
          `--style-weights has ${opts.styleWeights.length} values for ${stylePaths.length} style image(s)`,
        );
      }
      const initPath = initMode(opts.init) ? undefined : opts.init;
      const abort = new AbortController();
      process.once('SIGINT', () => abort.abort());
      const bar = ctx.progressWhenKnown('stylizing', { eta: false });
      const outcome = await stylizeToFile(
        ctx.models(),
        {
          contentPath,
          styles: stylePaths.map((path, i) => ({ path, weight: opts.styleWeights?.[i] })),
          outputPath: opts.output,
          settings: settingsFrom(opts),
          initPath,
          preserveIdentity: opts.preserveIdentity,
          identityWeight: opts.identityWeight,
          weightsPath: opts.weights,
        },
        {
          store: opts.gallery ? ctx.store() : undefined,
          signal: abort.signal,
          threads: opts.threads ?? os.availableParallelism(),
          onProgress: (p) => {
            bar.update(
              p.totalIteration,
              p.totalIterations,
              `stage ${p.stage}/${p.stageCount} ${p.width}×${p.height} loss ${p.losses.total.toExponential(2)} eta ${seconds(p.etaMs)}`,
            );
          },
        },
      );
      bar.finish();
      const { result, identity } = outcome;
      for (const warning of result.warnings) ctx.note(`warning: ${warning}`);
      ctx.output(
        {
          output: outcome.output,
          width: result.image.width,
          height: result.image.height,
          iterations: result.iterations,
          ms_per_iteration: result.msPerIteration,
          threads: result.threads,
          loss_first: result.lossFirst,
          loss_last: result.lossLast,
          total_ms: result.totalMs,
          seed: result.seed,
          stop_reason: result.stopReason,
          stages: result.stages,
          warnings: result.warnings,
          ...(identity && {
            identity_distance: identity.distance,
            identity_distances: identity.distances,
            identity_threshold: DEFAULT_THRESHOLD,
          }),
          identity_guarded_faces: outcome.identityFaces,
          gallery_id: outcome.galleryItem?.id ?? null,
        },
        () => [
          `wrote ${outcome.output} (${result.image.width}×${result.image.height}) in ${seconds(result.totalMs)}: ${result.iterations} iterations, ${result.msPerIteration.toFixed(0)} ms each at full size on ${result.threads} thread(s), seed ${result.seed}`,
          `loss ${result.lossFirst.toExponential(3)} → ${result.lossLast.toExponential(3)}; ${STOP_WORDS[result.stopReason]}`,
          ...(identity
            ? [
                `identity: distance ${identity.distance === null ? 'face lost' : formatDistance(identity.distance)} to the original face (same person at ≤ ${DEFAULT_THRESHOLD})`,
              ]
            : []),
        ],
      );
    });
}
