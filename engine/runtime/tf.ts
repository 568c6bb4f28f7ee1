// The one place the engine imports TensorFlow.js from. tfjs-node(-gpu), when installed, registers its
// native backend into this same tfjs-core instance (npm dedupes it), so every model shares one engine.
import * as tf from '@tensorflow/tfjs';

export { tf };
export type { Tensor, Tensor1D, Tensor2D, Tensor3D, Tensor4D, Rank } from '@tensorflow/tfjs';
