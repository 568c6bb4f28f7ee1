// Runs in the engine process. Identity-preserving style transfer for portraits: an extra loss keeps the
// face embedding of each stylised face close to the original's, so the portrait still verifies as the
// same person. Faces are located once, on the content photo; the loss is differentiable end to end
// (crop by slicing, resize bilinearly, face-api's ResNet descriptor), so tf.grad gives its gradient.
import { tf, type Tensor4D } from '../runtime/tf.ts';
import { FaceKitError } from '../../api/errors.ts';
import type { RgbImage } from '../image.ts';
import { analyzeFaces, type AnalyzedFace } from '../faces/pipeline.ts';
import { chipFor, DESCRIPTOR_INPUT, SHIPPED_CHIP } from '../faces/alignment.ts';
import type { FaceModels } from '../faces/nets.ts';
import { euclidean } from '../../db/search/exact.ts';
import { DEFAULT_THRESHOLD } from '../recognition/thresholds.ts';
import type { ExtraLoss } from './loss.ts';

/** More faces than this in a group photo: only the largest are protected (each costs ~0.4 s per iteration on wasm). */
const MAX_PROTECTED_FACES = 4;

/** A face's descriptor region as fractions of the image, so it maps onto every coarse-to-fine stage. */
export interface FaceAnchor {
  centerX: number;
  centerY: number;
  /** Side of the square region as a fraction of the image width. */
  side: number;
}

export interface IdentityGuard {
  faces: FaceAnchor[];
  loss: ExtraLoss;
}

/**
 * Axis-aligned (unlike the recognition chip, which is rotated): a rotation has no gradient kernel on
 * every backend, and reference and result go through the same crop, so they stay comparable.
 */
function cropFace(image: Tensor4D, anchor: FaceAnchor): Tensor4D {
  const [, height, width] = image.shape;
  const side = Math.max(8, Math.min(Math.round(anchor.side * width), width, height));
  const left = Math.min(Math.max(0, Math.round(anchor.centerX * width - side / 2)), width - side);
  const top = Math.min(Math.max(0, Math.round(anchor.centerY * height - side / 2)), height - side);
  const region = tf.slice(image, [0, top, left, 0], [1, side, side, 3]);
  return tf.image.resizeBilinear(region, [DESCRIPTOR_INPUT, DESCRIPTOR_INPUT]);
}

/** The faces of the content photo, largest first: found once, used by the guard and by the measurement. */
export async function contentFaces(models: FaceModels, content: RgbImage): Promise<AnalyzedFace[]> {
  return (await analyzeFaces(models, content)).faces.sort((a, b) => b.quality.faceSize - a.quality.faceSize);
}

/** Builds the identity loss for the faces of `content` (from contentFaces); undefined when there is none. */
export async function createIdentityGuard(
  models: FaceModels,
  content: RgbImage,
  faces: AnalyzedFace[],
  weight: number,
): Promise<IdentityGuard | undefined> {
  if (!faces.length) return undefined;
  const descriptor = models.get('faceDescriptor');
  await descriptor.load(); // the loss calls it synchronously, inside tf.tidy
  const anchors = faces.slice(0, MAX_PROTECTED_FACES).map((face): FaceAnchor => {
    const { center, side } = chipFor(SHIPPED_CHIP, face.landmarks);
    return { centerX: center.x / content.width, centerY: center.y / content.height, side: side / content.width };
  });
  // Targets come from the very content image the job uses at each stage (same resampling), so the
  // starting image of an init-from-content run costs exactly nothing.
  let targets: { anchor: FaceAnchor; embedding: Float32Array }[] = [];
  return {
    faces: anchors,
    loss: {
      weight,
      // A face drifting to the match threshold (0.6) costs `weight` × the starting style+content loss.
      relativeTo: { reference: DEFAULT_THRESHOLD ** 2 },
      prepareStage: (contentRgb: Tensor4D) => {
        targets = anchors.map((anchor) => ({
          anchor,
          embedding: tf.tidy(() => descriptor.describeTensor(cropFace(contentRgb, anchor)).dataSync() as Float32Array),
        }));
      },
      fn: (generated: Tensor4D) =>
        tf.tidy(() => {
          if (!targets.length)
            throw new FaceKitError('INTERNAL', 'the identity loss was evaluated before prepareStage() gave it its targets');
          const terms = targets.map(({ anchor, embedding }) =>
            tf.sum(tf.squaredDifference(descriptor.describeTensor(cropFace(generated, anchor)), tf.tensor2d(embedding, [1, 128]))),
          );
          return tf.addN(terms) as tf.Scalar;
        }),
    },
  };
}

export interface IdentityCheck {
  /** Recognition distance between each content face and the nearest face found in the result (null: none found). */
  distances: (number | null)[];
  /** The largest face's distance: the headline number. */
  distance: number | null;
}

/** Measures, with the full recognition pipeline, how far the stylised faces (of `before`, from contentFaces) drifted. */
export async function measureIdentity(
  models: FaceModels,
  content: RgbImage,
  before: AnalyzedFace[],
  result: RgbImage,
): Promise<IdentityCheck | undefined> {
  if (!before.length) return undefined;
  const after = (await analyzeFaces(models, result)).faces;
  const scale = result.width / content.width;
  const distances = before.map((face) => {
    // the same face is the one whose centre moved least (the result is the content photo, resized)
    const cx = (face.box.x + face.box.width / 2) * scale;
    const cy = (face.box.y + face.box.height / 2) * scale;
    const near = after
      .map((f) => ({ f, d: Math.hypot(f.box.x + f.box.width / 2 - cx, f.box.y + f.box.height / 2 - cy) }))
      .filter(({ d }) => d < face.box.width * scale * 0.5)
      .sort((a, b) => a.d - b.d)[0];
    return near ? euclidean(face.embedding, near.f.embedding) : null;
  });
  return { distances, distance: distances[0] ?? null };
}
