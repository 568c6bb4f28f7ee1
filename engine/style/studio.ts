// Runs in the engine process. A style transfer from files to a file and a gallery entry: what the CLI
// and the app call. Decodes the photos, takes VGG-19 and the face networks from the caller's model
// registry (loaded on first use, kept until the caller unloads them), optionally guards the portrait's
// identity, runs the job with progress and cancellation, writes the result and records it.
import path from 'node:path';
import fs from 'node:fs';
import sharp from 'sharp';
import type { Store } from '../../db/store.ts';
import type { GalleryItem } from '../../db/gallery.ts';
import { initBackend } from '../runtime/backend.ts';
import { decodeImageFile, writeImageFile, type DecodedImage, type RgbImage } from '../image.ts';
import { FaceKitError } from '../../api/errors.ts';
import type { ModelSource } from '../models/model.ts';
import type { FaceModelSet } from '../faces/nets.ts';
import { Vgg19Model } from './vgg19-model.ts';
import { runStyleTransfer, type StyleProgress, type StyleResult } from './job.ts';
import type { StyleParams } from './params.ts';
import { contentFaces, createIdentityGuard, measureIdentity, type IdentityCheck } from './identity.ts';

/** Everything of StyleParams except the pixels, which the request names as files. */
export type StyleSettings = Omit<StyleParams, 'content' | 'styles' | 'initImage' | 'extraLoss'>;

export interface StylizeRequest {
  contentPath: string;
  styles: { path: string; weight?: number }[];
  outputPath: string;
  settings: StyleSettings;
  /** A starting image (init 'image'). */
  initPath?: string;
  /** Keep each face's embedding close to the original (portraits). Weight of that loss, relative. */
  preserveIdentity?: boolean;
  identityWeight?: number;
  /** A VGG-19 .h5 file instead of the installed one. */
  weightsPath?: string;
}

export interface StylizeOutcome {
  output: string;
  result: StyleResult;
  /** Present when the content photo has a face and identity was measured. */
  identity?: IdentityCheck;
  identityFaces: number;
  galleryItem?: GalleryItem;
}

const OUTPUT_EXTENSIONS = ['.png', '.jpg', '.jpeg', '.webp'];
/**
 * A face drifting to the match threshold costs this share of the starting loss. Chosen, not tuned: the
 * real VGG-19 weights were not available where this was written (README, "Identity-preserving mode").
 */
export const DEFAULT_IDENTITY_WEIGHT = 0.2;

/** The models a style transfer uses: VGG-19, and the face networks for the identity guard and check. */
export type StyleModels = ModelSource<FaceModelSet & { vgg19: Vgg19Model }>;

function checkOutputPath(file: string): void {
  if (!OUTPUT_EXTENSIONS.includes(path.extname(file).toLowerCase())) {
    throw new FaceKitError('BAD_INPUT', `the output must end in ${OUTPUT_EXTENSIONS.join(', ')}`, file);
  }
  const dir = path.dirname(path.resolve(file));
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new FaceKitError('BAD_INPUT', `folder ${dir} does not exist`, file);
}

async function thumbnail(image: RgbImage): Promise<Buffer> {
  return sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .resize(256, 256, { fit: 'inside' })
    .png()
    .toBuffer();
}

export async function stylizeToFile(
  models: StyleModels,
  request: StylizeRequest,
  options: { store?: Store; onProgress?: (p: StyleProgress) => void; signal?: AbortSignal; threads?: number } = {},
): Promise<StylizeOutcome> {
  checkOutputPath(request.outputPath);
  if (!request.styles.length) throw new FaceKitError('BAD_INPUT', 'at least one style image is needed');
  const content = await decodeImageFile(request.contentPath);
  const styles: { image: DecodedImage; weight?: number }[] = [];
  for (const style of request.styles) styles.push({ image: await decodeImageFile(style.path), weight: style.weight });
  const initImage = request.initPath ? await decodeImageFile(request.initPath) : undefined;
  const backend = await initBackend(); // before the weights become tensors
  // The installed weights live in the caller's registry (MODEL_MISSING with install instructions when
  // absent); a file the request names gets a model of its own, freed with the job.
  const { weightsPath } = request;
  const vgg = weightsPath ? new Vgg19Model(() => weightsPath) : models.get('vgg19');
  try {
    const weights = await vgg.weights();

    const faces = await contentFaces(models, content);
    const guard = request.preserveIdentity
      ? await createIdentityGuard(models, content, faces, request.identityWeight ?? DEFAULT_IDENTITY_WEIGHT)
      : undefined;
    const result = await runStyleTransfer(
      {
        ...request.settings,
        content,
        styles,
        initImage,
        init: initImage ? 'image' : request.settings.init,
        extraLoss: guard?.loss,
      },
      { weights, onProgress: options.onProgress, signal: options.signal, threads: options.threads },
    );
    // Write next to the target, then rename: a cancelled or failed write never leaves half a picture.
    const partial = `${request.outputPath}.part${path.extname(request.outputPath)}`;
    await writeImageFile(result.image, partial);
    fs.renameSync(partial, request.outputPath);

    // Measured whether or not identity was guarded: users want to know if a portrait still verifies.
    const identity = await measureIdentity(models, content, faces, result.image);
    const galleryItem = options.store?.gallery.add({
      outputPath: path.resolve(request.outputPath),
      width: result.image.width,
      height: result.image.height,
      contentPath: path.resolve(content.source),
      contentSha256: content.sha256,
      styles: styles.map(({ image, weight }) => ({ path: path.resolve(image.source), sha256: image.sha256, weight: weight ?? 1 })),
      params: {
        ...request.settings,
        seed: result.seed,
        preserveIdentity: Boolean(request.preserveIdentity),
        identityWeight: request.identityWeight,
      },
      timings: { totalMs: result.totalMs, stages: result.stages, stopReason: result.stopReason },
      iterations: result.iterations,
      msPerIteration: result.msPerIteration,
      lossFirst: result.lossFirst,
      lossLast: result.lossLast,
      identityDistance: identity?.distance ?? null,
      backend: backend.name,
      thumbnail: await thumbnail(result.image),
    });
    return { output: request.outputPath, result, identity, identityFaces: guard?.faces.length ?? 0, galleryItem };
  } finally {
    if (weightsPath) vgg.dispose();
  }
}
