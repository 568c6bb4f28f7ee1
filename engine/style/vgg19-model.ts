// Runs in the engine process. VGG-19 (the loss network of style transfer) as a Model: its ≈ 80 MB of
// weights are read from the HDF5 file on first use and stay until dispose(), which the app's style
// worker calls when no job has run for a while. One model, one weights file: a job given another file
// makes a model of its own for it.
import { tf } from '../runtime/tf.ts';
import { expectDefined } from '../../api/errors.ts';
import type { Tensor4D } from '../runtime/tf.ts';
import { initBackend } from '../runtime/backend.ts';
import { LazyModel } from '../models/model.ts';
import { requireVgg19 } from '../models/index.ts';
import { loadVgg19Weights } from './vgg19-weights.ts';
import { preprocess, vggActivations, type Pooling, type Vgg19Weights } from './vgg19.ts';

export class Vgg19Model extends LazyModel {
  readonly name = 'vgg19';
  /** The file the loaded weights came from. */
  private from: string | undefined;
  private map: Vgg19Weights | undefined;

  /**
   * `locate` names the weights file, asked at each load: by default the installed one (MODEL_MISSING
   * with install instructions when absent); a fixed path for a model made from a given file.
   */
  constructor(private readonly locate: () => string = () => requireVgg19()) {
    super();
  }

  /** The file the weights were loaded from, while loaded. */
  get source(): string | undefined {
    return this.from;
  }

  protected async loadWeights(): Promise<void> {
    const file = this.locate();
    await initBackend(); // before the weights become tensors
    this.map = await loadVgg19Weights(file);
    this.from = file;
  }

  protected freeWeights(): void {
    for (const { kernel, bias } of this.map?.values() ?? []) tf.dispose([kernel, bias]);
    this.map = undefined;
    this.from = undefined;
  }

  /**
   * The weights, loaded if need be, for the style job's own forward and backward passes (vgg19.ts).
   * They stay owned by the model: valid until dispose().
   */
  async weights(): Promise<Vgg19Weights> {
    await this.load();
    return expectDefined(this.map, 'the VGG-19 weights of the loaded model'); // set by loadWeights()
  }

  /**
   * The feature extractor: post-ReLU activations of `layers` for an RGB 0…255 batch, loading the
   * weights if need be. The caller owns (disposes) the returned tensors.
   */
  async features(rgb: Tensor4D, layers: readonly string[], pooling: Pooling = 'max'): Promise<Map<string, Tensor4D>> {
    const weights = await this.weights();
    const features = tf.tidy(() => {
      const activations = vggActivations(weights, preprocess(rgb), layers, pooling);
      return layers.map((name): [string, Tensor4D] => [name, expectDefined(activations.get(name), `the activation of ${name}`)]);
    });
    return new Map(features);
  }
}
