// Runs in the engine process. The four face networks of @vladmandic/face-api as Models (load, predict,
// dispose). Each model owns a network object of its own rather than face-api's global `faceapi.nets`,
// so two registries never share weights and dispose() frees exactly that model's tensors. face-api's
// types and input conventions stay in this folder.
import { tf, type Tensor4D } from '../runtime/tf.ts';
import { initBackend } from '../runtime/backend.ts';
import { expectDefined, FaceKitError } from '../../api/errors.ts';
import { LazyModel, type ModelSource } from '../models/model.ts';
import type { RgbImage } from '../image.ts';
import type { Box, Point } from './geometry.ts';
import { faceapi, faceModelDir, requireFaceModelFiles } from './models.ts';
import { currentPipelineId } from './pipeline-id.ts';
import { BlazeFaceModel } from './blazeface.ts';
import { LIVENESS_NETS, LivenessNetModel } from './liveness-nets.ts';

export interface FaceDetection {
  /** In the pixels of the image given to detect(). */
  box: Box;
  score: number;
}

/** face-api bundles its own copy of tfjs's types; at run time both are the same tfjs-core. */
function asNetInput(tensor: tf.Tensor3D): faceapi.TNetInput {
  return tensor as unknown as faceapi.TNetInput;
}

/** Runs `fn` on the image as an int32 [h, w, 3] tensor, freed afterwards. */
async function onPixels<T>(image: RgbImage, fn: (input: faceapi.TNetInput) => Promise<T>): Promise<T> {
  const input = tf.tensor3d(image.data, [image.height, image.width, 3], 'int32');
  try {
    return await fn(asNetInput(input));
  } finally {
    input.dispose();
  }
}

function toDetection(d: faceapi.FaceDetection): FaceDetection {
  return { box: { x: d.box.x, y: d.box.y, width: d.box.width, height: d.box.height }, score: d.score };
}

/** One face-api network read from the package's model folder; dispose() calls the network's own. */
abstract class FaceApiModel<N extends faceapi.NeuralNetwork<unknown>> extends LazyModel {
  protected readonly net: N;

  constructor(net: N) {
    super();
    this.net = net;
  }

  protected async loadWeights(): Promise<void> {
    await initBackend(); // before the weights become tensors
    const dir = faceModelDir();
    requireFaceModelFiles(dir);
    await this.net.loadFromDisk(dir);
  }

  protected freeWeights(): void {
    this.net.dispose();
  }

  /** The network, loaded (again, after a dispose) if need be. */
  protected async network(): Promise<N> {
    await this.load();
    return this.net;
  }
}

/** SSD-MobileNetV1: the accurate detector, for photos and enrolment. */
export class FaceDetectorModel extends FaceApiModel<faceapi.SsdMobilenetv1> {
  readonly name = 'faceDetector';

  constructor() {
    super(new faceapi.SsdMobilenetv1());
  }

  /** Faces in the image as given (the network resizes its input to 512 × 512 itself). */
  async detect(image: RgbImage, options: { minConfidence: number; maxResults: number }): Promise<FaceDetection[]> {
    const net = await this.network();
    const found = await onPixels(image, (input) => net.locateFaces(input, new faceapi.SsdMobilenetv1Options(options)));
    return found.map(toDetection);
  }
}

/** Tiny Face Detector (190 KB): the fast one, for live camera frames. */
export class FastFaceDetectorModel extends FaceApiModel<faceapi.TinyFaceDetector> {
  readonly name = 'fastFaceDetector';

  constructor() {
    super(new faceapi.TinyFaceDetector());
  }

  async detect(image: RgbImage, options: { minConfidence: number; maxResults: number; inputSize: number }): Promise<FaceDetection[]> {
    const net = await this.network();
    const found = await onPixels(image, (input) =>
      net.locateFaces(input, new faceapi.TinyFaceDetectorOptions({ inputSize: options.inputSize, scoreThreshold: options.minConfidence })),
    );
    return found.slice(0, options.maxResults).map(toDetection);
  }
}

/** The 68-point landmark network. */
export class LandmarksModel extends FaceApiModel<faceapi.FaceLandmark68Net> {
  readonly name = 'faceLandmarks';

  constructor() {
    super(new faceapi.FaceLandmark68Net());
  }

  /** The 68 points of the face filling `chip`, in the chip's pixels. */
  async landmarks(chip: RgbImage): Promise<Point[]> {
    const net = await this.network();
    const result = await onPixels(chip, (input) => net.detectLandmarks(input));
    const landmarks = Array.isArray(result) ? expectDefined(result[0], "face-api's landmarks for the chip") : result;
    return landmarks.positions.map((p) => ({ x: p.x, y: p.y }));
  }
}

/** dlib's 128-D ResNet descriptor. */
export class DescriptorModel extends FaceApiModel<faceapi.FaceRecognitionNet> {
  readonly name = 'faceDescriptor';
  private id: string | undefined;

  constructor() {
    super(new faceapi.FaceRecognitionNet());
  }

  protected override async loadWeights(): Promise<void> {
    await super.loadWeights();
    this.id ??= currentPipelineId();
  }

  /** The pipeline id of the embeddings it makes (its weights' hash and the chip); loads the model if need be. */
  async modelId(): Promise<string> {
    await this.load();
    return expectDefined(this.id, 'the id of the loaded face descriptor'); // set by loadWeights()
  }

  /** The embedding of an aligned descriptor chip (150 × 150). */
  async describe(chip: RgbImage): Promise<Float32Array> {
    const net = await this.network();
    const result = await onPixels(chip, (input) => net.computeFaceDescriptor(input));
    return Array.isArray(result) ? expectDefined(result[0], "face-api's descriptor for the chip") : result;
  }

  /**
   * The same forward pass on a [1, 150, 150, 3] float tensor, differentiable (the identity loss takes
   * its gradient). Synchronous, for use inside tf.tidy: call load() first.
   */
  describeTensor(chip: Tensor4D): tf.Tensor2D {
    if (!this.loaded) throw new FaceKitError('INTERNAL', 'the face descriptor is not loaded (call load() first)');
    return this.net.forwardInput(new faceapi.NetInput([chip as unknown as faceapi.tf.Tensor4D], true)) as unknown as tf.Tensor2D;
  }
}

/** The face models by registry name. */
export interface FaceModelSet {
  faceDetector: FaceDetectorModel;
  fastFaceDetector: FastFaceDetectorModel;
  faceLandmarks: LandmarksModel;
  faceDescriptor: DescriptorModel;
  /** The second detector of the accurate path (detection.ts). */
  blazeFace: BlazeFaceModel;
  /** The passive liveness network (liveness.ts). */
  antispoof: LivenessNetModel;
}

/** How a registry makes each face model (not loaded until first used). */
export const FACE_MODEL_FACTORIES: { [K in keyof FaceModelSet]: () => FaceModelSet[K] } = {
  faceDetector: () => new FaceDetectorModel(),
  fastFaceDetector: () => new FastFaceDetectorModel(),
  faceLandmarks: () => new LandmarksModel(),
  faceDescriptor: () => new DescriptorModel(),
  blazeFace: () => new BlazeFaceModel(),
  antispoof: () => new LivenessNetModel(LIVENESS_NETS.antispoof),
};

/** What the face pipeline needs: a source of the face models (a ModelRegistry is one). */
export type FaceModels = ModelSource<FaceModelSet>;
