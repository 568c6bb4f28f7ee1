import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import h5wasm from 'h5wasm/node';
import { initBackend } from '../../../engine/runtime/backend.ts';
import { tf } from '../../../engine/runtime/tf.ts';
import { isFaceKitError } from '../../../api/errors.ts';
import { inspectVgg19File, loadVgg19Weights, VGG19_CHANNELS, VGG19_LAYERS } from '../../../engine/style/vgg19-weights.ts';
import { at } from '../../helpers/assert.ts';
import { writeRandomVgg19H5 } from '../../helpers/vgg19-h5.ts';

const SMALL = [2, 2, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 6, 6, 6, 6];
let dir: string;

before(async () => {
  await initBackend();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'facekit-vgg19-'));
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

function badInput(file: string, pattern: RegExp) {
  return (error: unknown) => {
    assert.ok(isFaceKitError(error, 'BAD_INPUT'), `expected BAD_INPUT, got ${String(error)}`);
    assert.equal(error.file, file);
    assert.match(error.message, pattern);
    return true;
  };
}

for (const layout of ['keras1', 'keras2-nested'] as const) {
  test(`reads the ${layout} layout: every layer, right shapes, the values written`, async () => {
    const file = path.join(dir, `${layout}.h5`);
    const written = await writeRandomVgg19H5(file, { layout, channels: SMALL, seed: 7 });
    const before = tf.memory().numTensors;
    const weights = await loadVgg19Weights(file);
    assert.deepEqual([...weights.keys()], [...VGG19_LAYERS]);
    let inC = 3;
    for (const [i, name] of VGG19_LAYERS.entries()) {
      const layer = weights.get(name);
      assert.ok(layer, `${name} is loaded`);
      const { kernel, bias } = layer;
      assert.deepEqual(kernel.shape, [3, 3, inC, SMALL[i]]);
      assert.deepEqual(bias.shape, [SMALL[i]]);
      assert.deepEqual(kernel.dataSync(), written.get(name)?.kernel);
      assert.deepEqual(bias.dataSync(), written.get(name)?.bias);
      inC = at(SMALL, i, `the width of ${name}`);
    }
    assert.equal(tf.memory().numTensors, before + 32);
    for (const { kernel, bias } of weights.values()) tf.dispose([kernel, bias]);
    assert.equal(tf.memory().numTensors, before);
  });
}

test('the kernel is stored HWIO, as tf.conv2d expects: element [ky][kx][in][out]', async () => {
  const file = path.join(dir, 'order.h5');
  const written = await writeRandomVgg19H5(file, { layout: 'keras1', channels: SMALL, seed: 3, layers: 1 });
  const weights = await loadVgg19Weights(file, { upTo: 'block1_conv1' });
  const kernel = weights.get('block1_conv1')?.kernel;
  const raw = written.get('block1_conv1')?.kernel;
  assert.ok(kernel && raw, 'block1_conv1 is written and loaded');
  // ky=2, kx=1, in=2, out=1 in a [3,3,3,2] array
  assert.equal(kernel.arraySync()[2]?.[1]?.[2]?.[1], at(raw, ((2 * 3 + 1) * 3 + 2) * 2 + 1));
  tf.dispose([...weights.values()].flatMap((w) => [w.kernel, w.bias]));
});

test('upTo stops early, so a file without the deepest layers still loads that far', async () => {
  const file = path.join(dir, 'partial.h5');
  await writeRandomVgg19H5(file, { layout: 'keras2-nested', channels: SMALL, seed: 1, layers: 13 });
  const weights = await loadVgg19Weights(file, { upTo: 'block5_conv1' });
  assert.equal(weights.size, 13);
  assert.ok(!weights.has('block5_conv2'));
  tf.dispose([...weights.values()].flatMap((w) => [w.kernel, w.bias]));
  await assert.rejects(loadVgg19Weights(file), badInput(file, /missing layer group block5_conv2/));
  await assert.rejects(loadVgg19Weights(file, { upTo: 'block9_conv9' }), /upTo=block9_conv9 is not a VGG19 layer/);
});

test('real widths pass the strict check; reduced widths fail it but pass the chain check', async () => {
  const real = path.join(dir, 'real.h5');
  await writeRandomVgg19H5(real, { layout: 'keras1', seed: 11 });
  const info = await inspectVgg19File(real, { strict: true });
  assert.deepEqual(
    info.layers.map((l) => l.kernelShape[3]),
    VGG19_CHANNELS,
  );
  assert.ok(info.layerNames?.includes('block3_pool'), 'layer_names attribute is read when present');
  const first = await loadVgg19Weights(real, { upTo: 'block1_conv2', strict: true });
  assert.deepEqual(first.get('block1_conv2')?.kernel.shape, [3, 3, 64, 64]);
  tf.dispose([...first.values()].flatMap((w) => [w.kernel, w.bias]));
  fs.rmSync(real);

  const small = path.join(dir, 'small.h5');
  await writeRandomVgg19H5(small, { layout: 'keras1', channels: SMALL, seed: 2 });
  assert.equal((await inspectVgg19File(small)).layers.length, 16);
  await assert.rejects(
    inspectVgg19File(small, { strict: true }),
    badInput(small, /block1_conv1: kernel has shape \[3,3,3,2\], expected \[3,3,3,64\]/),
  );
});

test('a text file, an empty file and a missing file give clear errors', async () => {
  const text = path.join(dir, 'notes.h5');
  fs.writeFileSync(text, 'these are not weights\n'.repeat(100));
  await assert.rejects(loadVgg19Weights(text), badInput(text, /not an HDF5 file/));
  const empty = path.join(dir, 'empty.h5');
  fs.writeFileSync(empty, '');
  await assert.rejects(loadVgg19Weights(empty), badInput(empty, /empty/));
  const missing = path.join(dir, 'nope.h5');
  await assert.rejects(loadVgg19Weights(missing), (e: unknown) => isFaceKitError(e, 'NOT_FOUND') && e.file === missing);
});

test('a truncated download is reported as truncated, with the sizes', async () => {
  const file = path.join(dir, 'whole.h5');
  await writeRandomVgg19H5(file, { layout: 'keras2-nested', channels: SMALL, seed: 5 });
  const bytes = fs.readFileSync(file);
  const cut = path.join(dir, 'cut.h5');
  fs.writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
  await assert.rejects(
    loadVgg19Weights(cut),
    badInput(cut, new RegExp(`truncated file: ${Math.floor(bytes.length * 0.6)} bytes of ${bytes.length}`)),
  );
  const stub = path.join(dir, 'stub.h5');
  fs.writeFileSync(stub, bytes.subarray(0, 12));
  await assert.rejects(loadVgg19Weights(stub), badInput(stub, /truncated file: only 12 bytes/));
});

test('a missing layer group names the group and what the file does have', async () => {
  const file = path.join(dir, 'gap.h5');
  await writeRandomVgg19H5(file, { layout: 'keras1', channels: SMALL, seed: 9, omit: ['block3_conv2'] });
  await assert.rejects(
    loadVgg19Weights(file),
    badInput(file, /missing layer group block3_conv2.*layer_names lists: input_1, block1_conv1/),
  );
  const before = tf.memory().numTensors;
  await assert.rejects(loadVgg19Weights(file));
  assert.equal(tf.memory().numTensors, before, 'tensors read before the error are disposed');
});

test('wrong kernel size, a broken channel chain and a bias of the wrong length are rejected', async () => {
  await h5wasm.ready;
  const write = (name: string, layers: Array<[string, number[], number]>) => {
    const file = path.join(dir, name);
    const h5 = new h5wasm.File(file, 'w');
    for (const [layer, shape, biasLength] of layers) {
      const g = h5.create_group(layer);
      g.create_dataset({ name: 'kernel:0', data: new Float32Array(shape.reduce((a, b) => a * b, 1)), shape, dtype: '<f' });
      g.create_dataset({ name: 'bias:0', data: new Float32Array(biasLength), shape: [biasLength], dtype: '<f' });
    }
    h5.close();
    return file;
  };
  const fiveByFive = write('k5.h5', [['block1_conv1', [5, 5, 3, 4], 4]]);
  await assert.rejects(
    loadVgg19Weights(fiveByFive, { upTo: 'block1_conv1' }),
    badInput(fiveByFive, /kernel has shape \[5,5,3,4\], expected \[3,3,3,N\]/),
  );
  const chain = write('chain.h5', [
    ['block1_conv1', [3, 3, 3, 4], 4],
    ['block1_conv2', [3, 3, 5, 4], 4],
  ]);
  await assert.rejects(
    loadVgg19Weights(chain, { upTo: 'block1_conv2' }),
    badInput(chain, /block1_conv2: kernel has shape \[3,3,5,4\], expected \[3,3,4,N\]/),
  );
  const biasLen = write('bias.h5', [['block1_conv1', [3, 3, 3, 4], 3]]);
  await assert.rejects(loadVgg19Weights(biasLen, { upTo: 'block1_conv1' }), badInput(biasLen, /bias has 3 values, expected 4/));
});
