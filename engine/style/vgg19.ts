// Runs in the engine process. VGG-19's convolutional trunk as the loss network of neural style transfer:
// Keras-style preprocessing, a plain differentiable forward pass (for targets and the stock tf.grad path),
// and the pieces FaceKit's hand-written backward pass needs (spatially flipped kernels, pooling adjoints).
import { tf } from '../runtime/tf.ts';
import type { Tensor1D, Tensor4D } from '../runtime/tf.ts';
import { expectDefined, FaceKitError } from '../../api/errors.ts';
import type { Vgg19Weights } from './vgg19-types.ts';

// One definition of the weight map, shared with the HDF5 loader (vgg19-weights.ts).
export type { Vgg19Weights };

/** Convolutions per block; a 2×2 stride-2 pooling sits between consecutive blocks. */
export const VGG19_BLOCK_SIZES = [2, 2, 4, 4, 4] as const;

/** The 16 convolution layers, in network order ('block1_conv1' … 'block5_conv4'). */
export const VGG19_CONV_LAYERS: readonly string[] = VGG19_BLOCK_SIZES.flatMap((n, b) =>
  Array.from({ length: n }, (_, i) => `block${b + 1}_conv${i + 1}`),
);

/** Keras' `vgg19.preprocess_input` ('caffe' mode): BGR order, ImageNet means subtracted, no scaling. */
export const IMAGENET_MEAN_BGR = [103.939, 116.779, 123.68] as const;

export type Pooling = 'max' | 'avg';

/** A 3×3 stride-1 conv's padding: 'same', or explicit [[0,0],[top,bottom],[left,right],[0,0]]. */
export type ConvPad = 'same' | [[0, 0], [number, number], [number, number], [0, 0]];

/** Index of a conv layer in network order, or a BAD_INPUT error naming the valid ones. */
export function layerIndex(name: string): number {
  const i = VGG19_CONV_LAYERS.indexOf(name);
  if (i < 0) throw new FaceKitError('BAD_INPUT', `unknown VGG-19 layer '${name}' (use block1_conv1 … block5_conv4)`);
  return i;
}

/** Name of conv layer `i` in network order; indexes come from layerIndex(), so another one is a bug. */
export function convLayerName(i: number): string {
  return expectDefined(VGG19_CONV_LAYERS[i], `VGG-19 conv layer ${i} (of 0…${VGG19_CONV_LAYERS.length - 1})`);
}

/** The conv layers from the first to `deepest` (an index from layerIndex()), in network order. */
function layersUpTo(deepest: number): readonly string[] {
  return VGG19_CONV_LAYERS.slice(0, deepest + 1);
}

/** A layer's kernel and bias, or MODEL_MISSING when the weights lack it (a file read only up to a shallower layer). */
function layerWeights(weights: Vgg19Weights, name: string): { kernel: Tensor4D; bias: Tensor1D } {
  const w = weights.get(name);
  if (!w) throw new FaceKitError('MODEL_MISSING', `VGG-19 weights lack layer ${name}`);
  return w;
}

/** True when a pooling layer feeds conv layer `i` (the first conv of blocks 2…5). */
export function pooledBefore(i: number): boolean {
  return i > 0 && convLayerName(i).endsWith('_conv1');
}

/** Checks that every layer up to `deepest` is present with a consistent channel chain (any widths). */
export function checkWeights(weights: Vgg19Weights, deepest: number): void {
  let inC = 3;
  for (const name of layersUpTo(deepest)) {
    const w = layerWeights(weights, name);
    const [kh, kw, ci, co] = w.kernel.shape;
    if (kh !== 3 || kw !== 3 || ci !== inC || w.bias.shape[0] !== co) {
      throw new FaceKitError(
        'MODEL_MISSING',
        `VGG-19 layer ${name} has kernel [${w.kernel.shape}] and bias [${w.bias.shape}]; expected [3,3,${inC},outC] and [outC]`,
      );
    }
    inC = co;
  }
}

/** RGB 0…255 → network input (BGR, mean-subtracted). */
export function preprocess(rgb: Tensor4D): Tensor4D {
  return tf.tidy(() => tf.sub(tf.reverse(rgb, -1), tf.tensor1d([...IMAGENET_MEAN_BGR])));
}

/** Network input → RGB 0…255 (not clipped: the optimised image may leave the range). */
export function deprocess(x: Tensor4D): Tensor4D {
  return tf.tidy(() => tf.reverse(tf.add(x, tf.tensor1d([...IMAGENET_MEAN_BGR])), -1) as Tensor4D);
}

/** Keras VGG pools with 'valid' padding: odd sizes drop their last row/column. */
export function pool2(x: Tensor4D, pooling: Pooling): Tensor4D {
  return pooling === 'max' ? tf.maxPool(x, 2, 2, 'valid') : tf.avgPool(x, 2, 2, 'valid');
}

/**
 * The textbook forward pass (conv + bias + ReLU, pooling between blocks), differentiable by tf.grad.
 * Returns the post-ReLU activations of the requested layers; stops at the deepest one.
 */
export function vggActivations(weights: Vgg19Weights, x: Tensor4D, layers: readonly string[], pooling: Pooling): Map<string, Tensor4D> {
  const wanted = new Set(layers);
  const deepest = Math.max(...layers.map(layerIndex));
  const out = new Map<string, Tensor4D>();
  let a = x;
  for (const [i, name] of layersUpTo(deepest).entries()) {
    const w = layerWeights(weights, name);
    if (pooledBefore(i)) a = pool2(a, pooling);
    a = tf.relu(tf.add(tf.conv2d(a, w.kernel, 1, 'same'), w.bias)) as Tensor4D;
    if (wanted.has(name)) out.set(name, a);
  }
  return out;
}

/** Nearest-neighbour 2× upsampling by broadcasting (cheaper on wasm than resizeNearestNeighbor). */
function upsample2(t: Tensor4D): Tensor4D {
  const [n, h, w, c] = t.shape;
  const spread = tf.mul(tf.reshape(t, [n, h, 1, w, 1, c]), tf.ones([1, 1, 2, 1, 2, 1]));
  return tf.reshape(spread, [n, 2 * h, 2 * w, c]);
}

/**
 * Adjoint of 2×2 stride-2 'valid' pooling: spreads `dOut` back onto the pooling input's grid.
 * Max pooling routes each gradient to the window's maximum (mask = input equals the spread-out maximum).
 * Ties only occur at 0 after a ReLU, where the ReLU mask applied next zeroes them anyway.
 */
export function pool2Backward(input: Tensor4D, output: Tensor4D, dOut: Tensor4D, pooling: Pooling): Tensor4D {
  const [, H, W, C] = input.shape;
  const [, h, w] = output.shape;
  let g: Tensor4D;
  if (pooling === 'avg') {
    g = tf.tidy(() => tf.mul<Tensor4D>(upsample2(dOut), 0.25));
  } else {
    // Freed step by step: at block 1 each of these is a full-resolution 64-channel map.
    const mask = tf.tidy(() => {
      const cropped = 2 * h === H && 2 * w === W ? input : tf.slice(input, [0, 0, 0, 0], [1, 2 * h, 2 * w, C]);
      return tf.cast(tf.equal(cropped, upsample2(output)), 'float32') as Tensor4D;
    });
    const spread = tf.tidy(() => upsample2(dOut));
    g = tf.mul(mask, spread);
    mask.dispose();
    spread.dispose();
  }
  if (2 * h === H && 2 * w === W) return g;
  const padded = tf.pad(g, [
    [0, 0],
    [0, H - 2 * h],
    [0, W - 2 * w],
    [0, 0],
  ]);
  g.dispose();
  return padded;
}

/**
 * The trunk as FaceKit runs it: fused conv+bias+ReLU forward, and for the backward pass each conv's input
 * gradient as a *forward* conv with the kernel flipped spatially and its channel axes swapped. For a 3×3
 * stride-1 'same' conv that is exactly the adjoint, and wasm runs it ~10× faster than Conv2DBackpropInput.
 */
export class Vgg19Net {
  readonly weights: Vgg19Weights;
  readonly pooling: Pooling;
  readonly deepest: number;
  /** flipped[i]: kernel of layer i rotated 180° with in/out channels swapped, [3,3,outC,inC]. */
  private readonly flipped: Tensor4D[];

  constructor(weights: Vgg19Weights, pooling: Pooling, deepest: number) {
    checkWeights(weights, deepest);
    this.weights = weights;
    this.pooling = pooling;
    this.deepest = deepest;
    this.flipped = layersUpTo(deepest).map((name) =>
      tf.tidy(() => tf.transpose(tf.reverse(layerWeights(weights, name).kernel, [0, 1]), [0, 1, 3, 2])),
    );
  }

  /** Conv layer i: post-ReLU activation. `pad`: 'same', or explicit rows/columns (a band with halo rows, parallel/). */
  conv(i: number, input: Tensor4D, pad: ConvPad = 'same'): Tensor4D {
    const w = layerWeights(this.weights, convLayerName(i));
    return tf.fused.conv2d({ x: input, filter: w.kernel, bias: w.bias, activation: 'relu', strides: 1, pad });
  }

  /** Gradient w.r.t. layer i's input from the gradient w.r.t. its pre-ReLU output (ReLU mask applied). */
  convInputGradient(i: number, dPreRelu: Tensor4D, pad: ConvPad = 'same'): Tensor4D {
    const flipped = this.flipped[i];
    if (!flipped) throw new FaceKitError('INTERNAL', `no layer ${i} in a VGG-19 trunk built up to layer ${this.deepest} (or disposed)`);
    return tf.conv2d(dPreRelu, flipped, 1, pad);
  }

  dispose(): void {
    for (const t of this.flipped) t.dispose();
    this.flipped.length = 0;
  }
}
