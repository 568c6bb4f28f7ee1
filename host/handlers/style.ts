// Runs in the style worker thread (its own, so a long optimisation never delays recognition).
// Starts one style transfer at a time and streams its progress as events.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { decodeArg, toGalleryItem } from './convert.ts';
import { galleryDir } from './gallery.ts';
import { errorInfo, FaceKitError, isFaceKitError } from '../../api/errors.ts';
import { requireVgg19 } from '../../engine/models/index.ts';
import { stylizeToFile, type StyleSettings } from '../../engine/style/studio.ts';
import type { StyleProgress } from '../../engine/style/job.ts';
import type { RgbImage } from '../../engine/image.ts';
import type { ParsedArgs } from '../../api/definition.ts';
import type { HandlerContext, Handlers } from './context.ts';

/** About 20 previews per job: enough to watch it form, little encoding work. */
const PREVIEWS_PER_JOB = 20;

function styleSettings(s: ParsedArgs<'style.start'>['settings']): StyleSettings {
  return {
    size: s.size,
    iterations: s.iterations,
    preset: s.preset,
    preserveColor: s.preserveColor,
    seed: s.seed,
    ...(s.styleWeight ? { beta: s.styleWeight } : {}),
    previewEvery: Math.max(1, Math.round(s.iterations / PREVIEWS_PER_JOB)),
  };
}

/** Keeps an input next to the results it makes (`<hash>-<name>`), so the gallery can say what it came from. */
async function saveInput(dir: string, image: { bytes: Uint8Array; name: string }): Promise<string> {
  await decodeArg(image); // a corrupt upload fails here, before anything starts
  const hash = crypto.createHash('sha256').update(image.bytes).digest('hex').slice(0, 12);
  const safeName = path.basename(image.name).replace(/[^\w.\- ]+/g, '_').slice(-100) || 'image';
  const file = path.join(dir, `${hash}-${safeName}`);
  if (!fs.existsSync(file)) fs.writeFileSync(file, image.bytes);
  return file;
}

async function previewJpeg(image: RgbImage): Promise<Uint8Array> {
  const jpeg = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } }).jpeg({ quality: 80 }).toBuffer();
  return new Uint8Array(jpeg);
}

export function styleHandlers(ctx: HandlerContext): Handlers<'style.start' | 'style.cancel'> {
  const jobs = new Map<string, AbortController>();

  function report(jobId: string, p: StyleProgress): void {
    const base = { jobId, stage: p.stage, stageCount: p.stageCount, totalIteration: p.totalIteration, totalIterations: p.totalIterations, loss: p.losses.total, elapsedMs: p.elapsedMs, etaMs: p.etaMs };
    if (!p.preview) return ctx.emit('style.progress', base);
    previewJpeg(p.preview).then((preview) => ctx.emit('style.progress', { ...base, preview }), () => ctx.emit('style.progress', base));
  }

  return {
    async 'style.start'({ content, styles, settings }) {
      if (jobs.size) throw new FaceKitError('CONFLICT', 'a style transfer is already running: cancel it or wait for it to finish');
      requireVgg19(); // MODEL_MISSING with install instructions, before anything is saved
      const inputs = path.join(galleryDir(ctx.dataDir), 'inputs');
      fs.mkdirSync(inputs, { recursive: true });
      const contentPath = await saveInput(inputs, content);
      const stylePaths = [];
      for (const style of styles) stylePaths.push({ path: await saveInput(inputs, style), weight: style.weight });

      const jobId = crypto.randomUUID();
      const controller = new AbortController();
      jobs.set(jobId, controller);
      const outputPath = path.join(galleryDir(ctx.dataDir), `${new Date().toISOString().replace(/[:.]/g, '-')}-${jobId.slice(0, 8)}.png`);
      stylizeToFile(
        { contentPath, styles: stylePaths, outputPath, settings: styleSettings(settings), preserveIdentity: settings.preserveIdentity },
        { store: ctx.store, signal: controller.signal, onProgress: (p) => report(jobId, p) },
      )
        .then((outcome) => {
          ctx.emit('style.done', { jobId, item: toGalleryItem(outcome.galleryItem!) });
          ctx.emit('data.changed', { what: 'gallery' });
        })
        .catch((error: unknown) => ctx.emit('style.failed', { jobId, error: errorInfo(error), cancelled: isFaceKitError(error, 'CANCELLED') }))
        .finally(() => jobs.delete(jobId));
      return { jobId };
    },
    'style.cancel'({ jobId }) {
      const job = jobs.get(jobId);
      job?.abort();
      return { cancelled: Boolean(job) };
    },
  };
}
