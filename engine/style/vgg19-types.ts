// Runs anywhere. The VGG19 weight map shared by the HDF5 loader and the network; kept apart so the loader
// does not depend on the network code. (vgg19.ts may re-export this type.)
import type { Tensor1D, Tensor4D } from '../runtime/tf.ts';

/** Keyed 'block1_conv1' … 'block5_conv4'; kernels are [3, 3, inC, outC] (HWIO, as tf.conv2d wants). */
export type Vgg19Weights = Map<string, { kernel: Tensor4D; bias: Tensor1D }>;
