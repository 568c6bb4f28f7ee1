// Test helper: writes a small VGG19-shaped Keras HDF5 file with seeded random weights, in either of the
// layouts Keras releases use, and returns what it wrote so tests can compare values.
import h5wasm from 'h5wasm/node';
import { VGG19_CHANNELS, VGG19_LAYERS } from '../../engine/style/vgg19-weights.ts';
import { mulberry32 } from '../../engine/style/rng.ts';
import { at } from './assert.ts';

export type Vgg19H5Layout = 'keras1' | 'keras2-nested';

export interface WriteVgg19H5Options {
  layout: Vgg19H5Layout;
  /** Output width of each of the 16 conv layers; default the real 64 … 512 (≈80 MB: use small ones). */
  channels?: readonly number[];
  seed: number;
  /** Layer groups to leave out (to test the missing-group error). */
  omit?: readonly string[];
  /** Write only the first N conv layers (default 16). */
  layers?: number;
}

export interface WrittenLayer {
  kernel: Float32Array;
  kernelShape: [number, number, number, number];
  bias: Float32Array;
}

function fixedStrings(values: string[]): [string[], string] {
  const width = Math.max(1, ...values.map((v) => v.length));
  return [values, `S${width}`];
}

export async function writeRandomVgg19H5(file: string, opts: WriteVgg19H5Options): Promise<Map<string, WrittenLayer>> {
  const channels = opts.channels ?? VGG19_CHANNELS;
  if (channels.length !== VGG19_LAYERS.length) throw new Error(`channels needs ${VGG19_LAYERS.length} widths`);
  const count = opts.layers ?? VGG19_LAYERS.length;
  const omit = new Set(opts.omit ?? []);
  const next = mulberry32(opts.seed);
  await h5wasm.ready;
  const h5 = new h5wasm.File(file, 'w');
  const written = new Map<string, WrittenLayer>();
  try {
    // Keras lists every layer, pools included, in `layer_names`; pools get empty groups.
    const names: string[] = ['input_1'];
    const convs = VGG19_LAYERS.slice(0, count);
    for (const [i, name] of convs.entries()) {
      names.push(name);
      const block = at(name.split('_'), 0, `the block of ${name}`);
      if (!VGG19_LAYERS[i + 1]?.startsWith(`${block}_`)) names.push(`${block}_pool`);
    }
    const [listed, listedType] = fixedStrings(names.filter((n) => !omit.has(n)));
    h5.create_attribute('layer_names', listed, null, listedType);
    if (opts.layout === 'keras2-nested') {
      h5.create_attribute('backend', 'tensorflow');
      h5.create_attribute('keras_version', '2.2.4');
    }
    let inC = 3;
    for (const [i, name] of VGG19_LAYERS.slice(0, count).entries()) {
      const outC = at(channels, i, `the width of ${name}`);
      const kernelShape: [number, number, number, number] = [3, 3, inC, outC];
      // He-uniform, like a trained net's scale: activations stay finite through all 16 layers.
      const limit = Math.sqrt(6 / (9 * inC));
      const kernel = new Float32Array(9 * inC * outC).map(() => (next() * 2 - 1) * limit);
      const bias = new Float32Array(outC).map(() => (next() * 2 - 1) * 0.01);
      inC = outC;
      if (omit.has(name)) continue;
      written.set(name, { kernel, kernelShape, bias });
      const group = h5.create_group(name);
      let holder = group;
      let kernelName: string;
      let biasName: string;
      if (opts.layout === 'keras1') {
        kernelName = `${name}_W_1:0`;
        biasName = `${name}_b_1:0`;
        const [wn, dtype] = fixedStrings([kernelName, biasName]);
        group.create_attribute('weight_names', wn, null, dtype);
      } else {
        holder = group.create_group(name);
        kernelName = 'kernel:0';
        biasName = 'bias:0';
        const [wn, dtype] = fixedStrings([`${name}/kernel:0`, `${name}/bias:0`]);
        group.create_attribute('weight_names', wn, null, dtype);
      }
      holder.create_dataset({ name: kernelName, data: kernel, shape: kernelShape, dtype: '<f' });
      holder.create_dataset({ name: biasName, data: bias, shape: [outC], dtype: '<f' });
    }
    for (const name of names) if (name.endsWith('_pool') || name === 'input_1') h5.create_group(name);
  } finally {
    h5.close();
  }
  return written;
}
