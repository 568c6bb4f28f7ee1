// Models with a lifecycle: the real face networks and a small random VGG-19 file load on first use,
// dispose() frees every tensor they made, and the next use loads them again with the same answers.
import test from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { createModelRegistry } from '../../../engine/models/loaded-models.ts';
import { faceapi } from '../../../engine/faces/models.ts';
import { analyzeFaces } from '../../../engine/faces/pipeline.ts';
import { Vgg19Model } from '../../../engine/style/vgg19-model.ts';
import { decodeImageFile } from '../../../engine/image.ts';
import { initBackend } from '../../../engine/runtime/backend.ts';
import { tf } from '../../../engine/runtime/tf.ts';
import { at } from '../../helpers/assert.ts';
import { photo, tempDir } from '../../helpers/fixtures.ts';
import { writeRandomVgg19H5 } from '../../helpers/vgg19-h5.ts';

// One registry for the file: the face networks load once for the tests that only use them.
const models = createModelRegistry();
test.after(() => models.unloadAll());

const dir = tempDir();
const vggA = path.join(dir, 'vgg-a.h5');
const vggB = path.join(dir, 'vgg-b.h5');
const SMALL_WIDTHS = [8, 8, 16, 16, 32, 32, 32, 32, 64, 64, 64, 64, 64, 64, 64, 64];
const WIDER = SMALL_WIDTHS.map((w) => w * 2);

test.before(async () => {
  await initBackend();
  await writeRandomVgg19H5(vggA, { layout: 'keras2-nested', channels: SMALL_WIDTHS, seed: 1 });
  await writeRandomVgg19H5(vggB, { layout: 'keras1', channels: WIDER, seed: 2 });
});

const memory = () => ({ numTensors: tf.memory().numTensors, numBytes: tf.memory().numBytes });

test('a face model loads on first use, dispose() frees all its tensors, and it loads again', async () => {
  const image = await decodeImageFile(photo.obama);
  const before = memory();
  const detector = models.get('faceDetector');
  assert.equal(models.get('faceDetector'), detector, 'one object per name');
  assert.equal(detector.loaded, false, 'nothing loads before the first use');
  assert.deepEqual(memory(), before);

  const first = await detector.detect(image, { minConfidence: 0.5, maxResults: 10 });
  assert.equal(first.length, 1);
  assert.equal(detector.loaded, true);
  assert.deepEqual(models.loadedNames(), ['faceDetector']);
  assert.ok(memory().numTensors > before.numTensors);
  // Our own network object, not face-api's global one: nothing else can free it or share it.
  assert.equal(faceapi.nets.ssdMobilenetv1.isLoaded, false);

  detector.dispose();
  assert.equal(detector.loaded, false);
  assert.deepEqual(memory(), before, 'every weight tensor freed');
  detector.dispose(); // twice is harmless

  assert.deepEqual(await detector.detect(image, { minConfidence: 0.5, maxResults: 10 }), first, 'loaded again, same answer');
  models.unload('faceDetector');
  assert.deepEqual(memory(), before);
});

test('the whole pipeline: unloadAll() gives back every tensor, and the next photo loads them again', async () => {
  const image = await decodeImageFile(photo.obamaAndBiden);
  const before = memory();
  const first = await analyzeFaces(models, image);
  await analyzeFaces(models, image, { detector: 'fast' });
  assert.deepEqual(models.loadedNames().sort(), ['blazeFace', 'faceDescriptor', 'faceDetector', 'faceLandmarks', 'fastFaceDetector']);
  const loaded = memory();
  assert.ok(loaded.numBytes > 20e6, `${loaded.numBytes} bytes of face weights`);

  models.unloadAll();
  assert.deepEqual(models.loadedNames(), []);
  assert.deepEqual(memory(), before);

  const again = await analyzeFaces(models, image);
  assert.equal(again.modelId, first.modelId);
  assert.deepEqual(
    again.faces.map((f) => Array.from(f.embedding)),
    first.faces.map((f) => Array.from(f.embedding)),
  );
  models.unloadAll();
  assert.deepEqual(memory(), before);
});

test('two registries own separate weights: unloading one leaves the other working', async () => {
  const image = await decodeImageFile(photo.obama);
  const other = createModelRegistry();
  const mine = await analyzeFaces(models, image);
  const before = memory();
  const theirs = await analyzeFaces(other, image);
  assert.ok(memory().numTensors > before.numTensors, 'the second registry loaded its own copy');
  assert.deepEqual(Array.from(at(theirs.faces, 0, 'their face').embedding), Array.from(at(mine.faces, 0, 'my face').embedding));
  other.unloadAll();
  assert.deepEqual(memory(), before);
  assert.ok(models.get('faceDescriptor').loaded);
  const again = await analyzeFaces(models, image);
  assert.deepEqual(Array.from(at(again.faces, 0, 'the face found again').embedding), Array.from(at(mine.faces, 0, 'my face').embedding));
  models.unloadAll();
});

test('VGG-19: the feature extractor loads the weights on first use; dispose() frees them; the next use loads again', async () => {
  const before = memory();
  let file = vggA;
  const vgg = new Vgg19Model(() => file);
  assert.equal(vgg.loaded, false);

  const rgb = tf.randomUniform<tf.Rank.R4>([1, 24, 24, 3], 0, 255, 'float32', 4);
  const withRgb = memory();
  const features = await vgg.features(rgb, ['block1_conv2', 'block2_conv1']);
  assert.equal(vgg.source, vggA);
  assert.deepEqual(features.get('block1_conv2')?.shape, [1, 24, 24, 8]);
  assert.deepEqual(features.get('block2_conv1')?.shape, [1, 12, 12, 16]);
  const block2 = features.get('block2_conv1');
  assert.ok(block2, 'no block2_conv1 features');
  const first = block2.dataSync().slice();
  tf.dispose([...features.values()]);
  const loadedA = memory();
  assert.equal(loadedA.numTensors - withRgb.numTensors, 32, 'a kernel and a bias per layer, nothing else kept');

  vgg.dispose();
  assert.equal(vgg.source, undefined);
  assert.deepEqual(memory(), withRgb, 'every weight tensor freed');

  const again = await vgg.features(rgb, ['block2_conv1']);
  assert.deepEqual(again.get('block2_conv1')?.dataSync(), first, 'loaded again, same features');
  tf.dispose([...again.values()]);
  vgg.dispose();

  // The file is looked up at each load: an unloaded model picks up a newly installed one.
  file = vggB;
  const weightsB = await vgg.weights();
  assert.equal(vgg.source, vggB);
  assert.equal(weightsB.get('block1_conv1')?.kernel.shape[3], 16);
  assert.ok(memory().numBytes > loadedA.numBytes);
  vgg.dispose();
  rgb.dispose();
  assert.deepEqual(memory(), before);
});

test('concurrent uses share one load; dispose() during a load frees what it loads', async () => {
  const before = memory();
  const vgg = new Vgg19Model(() => vggA);
  const a = vgg.load();
  assert.equal(vgg.load(), a, 'one load in flight');
  vgg.dispose();
  await a;
  assert.equal(vgg.loaded, false);
  assert.deepEqual(memory(), before);

  const [w1, w2] = await Promise.all([vgg.weights(), vgg.weights()]);
  assert.equal(w1, w2);
  assert.equal(memory().numTensors - before.numTensors, 32);
  vgg.dispose();
  assert.deepEqual(memory(), before);
});

test('a failed load is not remembered: the next use tries again', async () => {
  let file = path.join(dir, 'missing.h5');
  const vgg = new Vgg19Model(() => file);
  await assert.rejects(vgg.load(), /no such file/);
  assert.equal(vgg.loaded, false);
  file = vggA;
  await vgg.load();
  assert.equal(vgg.loaded, true);
  vgg.dispose();
});
