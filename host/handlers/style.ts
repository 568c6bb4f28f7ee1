// Runs in the style worker thread (its own, so a long optimisation never delays recognition).
// Starts one style transfer at a time and streams its progress as events.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { decodeArg, toGalleryItem } from './convert.ts';
import { galleryDir } from './gallery.ts';
import { readSettings } from './settings.ts';
import { expectDefined, FaceKitError, isFaceKitError } from '../../api/errors.ts';
import { reportUnexpected } from '../../engine/runtime/error-log.ts';
import { requireVgg19 } from '../../engine/models/index.ts';
import { stylizeToFile, type StyleSettings } from '../../engine/style/studio.ts';
import type { StyleProgress } from '../../engine/style/job.ts';
import type { RgbImage } from '../../engine/image.ts';
import type { ParsedArgs } from '../../api/definition.ts';
import type { HandlerContext, Handlers } from './context.ts';

/** The styleThreads setting as a thread count: 0 (automatic) leaves one core to the kiosk and the faces worker. */
export function styleThreads(setting: number, cores = os.availableParallelism()): number {
  return setting > 0 ? setting : Math.max(1, cores - 1);
}

/** About 20 previews per job: enough to watch it form, little encoding work. */
const PREVIEWS_PER_JOB = 20;

/**
 * The worker's models (VGG-19's ≈ 80 MB of tensors, the face networks of the identity check) are freed
 * once no job has run for this long: a long-running app keeps them only while someone is stylising,
 * and a follow-up job within the minute does not read them again.
 */
export const STYLE_MODELS_IDLE_MS = 60_000;

export interface StyleHandlerOptions {
  /** Milliseconds after the last job ends before the models are freed (0: as soon as it ends). */
  unloadAfterMs?: number;
}

function styleSettings(s: ParsedArgs<'style.start'>['settings']): StyleSettings {
  return {
    size: s.size,
    iterations: s.iterations,
    preset: s.preset,
    preserveColor: s.preserveColor,
    seed: s.seed,
    maxSeconds: s.maxSeconds,
    ...(s.earlyStop ? {} : { earlyStop: null }), // on: the preset's rule
    ...(s.styleWeight ? { beta: s.styleWeight } : {}),
    previewEvery: Math.max(1, Math.round(s.iterations / PREVIEWS_PER_JOB)),
  };
}

/** Keeps an input next to the results it makes (`<hash>-<name>`), so the gallery can say what it came from. */
async function saveInput(dir: string, image: { bytes: Uint8Array; name: string }): Promise<string> {
  await decodeArg(image); // a corrupt upload fails here, before anything starts
  const hash = crypto.createHash('sha256').update(image.bytes).digest('hex').slice(0, 12);
  const safeName =
    path
      .basename(image.name)
      .replace(/[^\w.\- ]+/g, '_')
      .slice(-100) || 'image';
  const file = path.join(dir, `${hash}-${safeName}`);
  if (!fs.existsSync(file)) fs.writeFileSync(file, image.bytes);
  return file;
}

async function saveInputs(
  dir: string,
  content: ParsedArgs<'style.start'>['content'],
  styles: ParsedArgs<'style.start'>['styles'],
): Promise<{ contentPath: string; stylePaths: { path: string; weight?: number }[] }> {
  const contentPath = await saveInput(dir, content);
  const stylePaths = [];
  for (const style of styles) stylePaths.push({ path: await saveInput(dir, style), weight: style.weight });
  return { contentPath, stylePaths };
}

async function previewJpeg(image: RgbImage): Promise<Uint8Array> {
  const jpeg = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .jpeg({ quality: 80 })
    .toBuffer();
  return new Uint8Array(jpeg);
}

export function styleHandlers(ctx: HandlerContext, options: StyleHandlerOptions = {}): Handlers<'style.start' | 'style.cancel'> {
  const jobs = new Map<string, AbortController>();
  const unloadAfterMs = options.unloadAfterMs ?? STYLE_MODELS_IDLE_MS;
  let idle: NodeJS.Timeout | undefined;

  // This worker serves style jobs only, so with none running its models are dead weight.
  function unloadWhenIdle(): void {
    clearTimeout(idle);
    const unload = () => {
      if (!jobs.size) ctx.models.unloadAll();
    };
    if (unloadAfterMs <= 0) return unload();
    idle = setTimeout(unload, unloadAfterMs);
    idle.unref(); // never what keeps the worker alive
  }

  function report(jobId: string, p: StyleProgress): void {
    const base = {
      jobId,
      stage: p.stage,
      stageCount: p.stageCount,
      totalIteration: p.totalIteration,
      totalIterations: p.totalIterations,
      loss: p.losses.total,
      elapsedMs: p.elapsedMs,
      etaMs: p.etaMs,
      ...(p.stopReason ? { stopReason: p.stopReason } : {}),
      threads: p.threads,
    };
    if (!p.preview) return ctx.emit('style.progress', base);
    previewJpeg(p.preview).then(
      (preview) => ctx.emit('style.progress', { ...base, preview }),
      () => ctx.emit('style.progress', base),
    );
  }

  return {
    async 'style.start'({ content, styles, settings, threads }) {
      if (jobs.size) throw new FaceKitError('CONFLICT', 'a style transfer is already running: cancel it or wait for it to finish');
      requireVgg19(); // MODEL_MISSING (details say which file and where), before anything is saved
      const inputs = path.join(galleryDir(ctx.dataDir), 'inputs');
      fs.mkdirSync(inputs, { recursive: true });
      clearTimeout(idle); // a job is coming: the loaded models stay for it
      const saved = saveInputs(inputs, content, styles).catch((error: unknown) => {
        unloadWhenIdle(); // no job after all
        throw error;
      });
      const { contentPath, stylePaths } = await saved;

      const jobId = crypto.randomUUID();
      const controller = new AbortController();
      jobs.set(jobId, controller);
      const outputPath = path.join(galleryDir(ctx.dataDir), `${new Date().toISOString().replace(/[:.]/g, '-')}-${jobId.slice(0, 8)}.png`);
      stylizeToFile(
        ctx.models,
        { contentPath, styles: stylePaths, outputPath, settings: styleSettings(settings), preserveIdentity: settings.preserveIdentity },
        {
          store: ctx.store,
          signal: controller.signal,
          onProgress: (p) => report(jobId, p),
          threads: threads ?? styleThreads(readSettings(ctx.store).styleThreads),
        },
      )
        .then((outcome) => {
          ctx.emit('style.done', {
            jobId,
            item: toGalleryItem(expectDefined(outcome.galleryItem, 'the gallery item of a job run with the store')),
          });
          ctx.emit('data.changed', { what: 'gallery' });
        })
        .catch((error: unknown) => {
          // A job fails after its call has returned, so an unexpected error is logged here.
          const shown = reportUnexpected(error, { dataDir: ctx.dataDir, where: 'style job' });
          ctx.emit('style.failed', { jobId, error: shown.toErrorInfo(), cancelled: isFaceKitError(error, 'CANCELLED') });
        })
        .finally(() => {
          jobs.delete(jobId);
          unloadWhenIdle();
        });
      return { jobId };
    },
    'style.cancel'({ jobId }) {
      const job = jobs.get(jobId);
      job?.abort();
      return { cancelled: Boolean(job) };
    },
  };
}
