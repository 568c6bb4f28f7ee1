// The face pipeline on real photos with the real pretrained networks.
import test from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { decodeImageBuffer, decodeImageFile } from '../../../engine/image.ts';
import { analyzeFaces } from '../../../engine/faces/pipeline.ts';
import { euclidean } from '../../../db/search/exact.ts';
import { DEFAULT_THRESHOLD } from '../../../engine/recognition/thresholds.ts';
import { tf } from '../../../engine/runtime/tf.ts';
import { at } from '../../helpers/assert.ts';
import { photo } from '../../helpers/fixtures.ts';
import { createModelRegistry } from '../../../engine/models/loaded-models.ts';

// One registry for the file: the networks load once, for every test here.
const models = createModelRegistry();
test.after(() => models.unloadAll());

const embeddingOf = async (file: string) =>
  at((await analyzeFaces(models, await decodeImageFile(file))).faces, 0, `a face in ${file}`).embedding;

test('one face: box, score, 68 landmarks, quality and a 128-D embedding', async () => {
  const image = await decodeImageFile(photo.obama);
  const { faces, modelId } = await analyzeFaces(models, image);
  assert.equal(faces.length, 1);
  const [face] = faces;
  assert.ok(face, 'the face');
  assert.match(modelId, /^dlib-resnet128-[0-9a-f]{12}:dlib-chip-150-pad0.25$/);
  assert.equal(face.embedding.length, 128);
  assert.ok(face.score > 0.9);
  assert.equal(face.landmarks.length, 68);
  // the face is in the upper middle of the portrait, and the landmarks lie inside its box (with slack)
  const { box } = face;
  assert.ok(box.x > 200 && box.x + box.width < 700 && box.y > 50 && box.y + box.height < 600, JSON.stringify(box));
  for (const p of face.landmarks)
    assert.ok(p.x > box.x - 40 && p.x < box.x + box.width + 40 && p.y > box.y - 60 && p.y < box.y + box.height + 40);
  assert.ok(face.quality.faceSize > 200);
  assert.ok(face.quality.blur > 100);
  assert.deepEqual(face.quality.problems, []);
});

test('same person is closer than the threshold; different people are farther', async () => {
  const [obama, obama3, biden] = await Promise.all([embeddingOf(photo.obama), embeddingOf(photo.obama3), embeddingOf(photo.biden)]);
  assert.ok(euclidean(obama, obama3) < DEFAULT_THRESHOLD, `obama/obama3 ${euclidean(obama, obama3)}`);
  assert.ok(euclidean(obama, biden) > DEFAULT_THRESHOLD, `obama/biden ${euclidean(obama, biden)}`);
});

test('several faces come back left to right', async () => {
  const { faces } = await analyzeFaces(models, await decodeImageFile(photo.obamaAndBiden));
  assert.ok(faces.length >= 2);
  const xs = faces.map((f) => f.box.x);
  assert.deepEqual(
    xs,
    [...xs].sort((a, b) => a - b),
  );
  faces.forEach((f, i) => assert.equal(f.index, i));
});

test('tight crops (the face fills the frame) are found, by padding and retrying where needed', async () => {
  let rescuedByPadding = 0;
  for (const [file, margin] of [
    [photo.obama, 0.1],
    [photo.rose, 0.15],
    [photo.biden, 0.1],
  ] as const) {
    const { faces } = await analyzeFaces(models, await decodeImageFile(file));
    const face = at(faces, 0, `the face in ${file}`);
    const box = face.box;
    const crop = await sharp(file)
      .extract({
        left: Math.round(box.x + box.width * margin),
        top: Math.round(box.y + box.height * margin),
        width: Math.round(box.width * (1 - 2 * margin)),
        height: Math.round(box.height * (1 - 2 * margin)),
      })
      .jpeg()
      .toBuffer();
    const result = await analyzeFaces(models, await decodeImageBuffer(crop, 'tight-crop.jpg'));
    assert.equal(result.faces.length, 1, `${file} cropped ${margin}: the face is found`);
    assert.ok(
      euclidean(at(result.faces, 0, 'the cropped face').embedding, face.embedding) < DEFAULT_THRESHOLD,
      'and still matches the full photo',
    );
    if (result.padded) rescuedByPadding++;
  }
  assert.ok(rescuedByPadding >= 1, 'at least one crop was only found after padding');
});

test('a very large photo is detected downscaled but embedded from full resolution', async () => {
  const big = await sharp(photo.obama2).resize({ width: 4000 }).jpeg({ quality: 95 }).toBuffer();
  const image = await decodeImageBuffer(big, 'big.jpg');
  const { faces } = await analyzeFaces(models, image);
  assert.equal(faces.length, 1);
  const [face] = faces;
  assert.ok(face, 'the face');
  assert.ok(face.box.width > 1000, 'the box is in full-resolution pixels');
  assert.ok(euclidean(face.embedding, await embeddingOf(photo.obama2)) < 0.2);
});

test('blur and small faces are measured as such', async () => {
  const blurred = await sharp(photo.biden).blur(16).jpeg().toBuffer();
  const [face] = (await analyzeFaces(models, await decodeImageBuffer(blurred, 'blurred.jpg'))).faces;
  assert.ok(face, 'still detected');
  assert.match(face.quality.problems.join(), /too blurred/);
  const softened = await sharp(photo.obama).blur(8).jpeg().toBuffer();
  const [soft] = (await analyzeFaces(models, await decodeImageBuffer(softened, 'softened.jpg'))).faces;
  assert.ok(soft, 'still detected');
  assert.deepEqual(soft.quality.problems, [], 'enrolled…');
  assert.match(soft.quality.warnings.join(), /a little blurred/, '…with a warning');
  const tiny = await sharp(photo.obama).resize({ width: 64 }).jpeg().toBuffer();
  const [small] = (await analyzeFaces(models, await decodeImageBuffer(tiny, 'tiny.jpg'))).faces;
  assert.ok(small, 'still detected');
  assert.match(small.quality.problems.join(), /px across/);
});

test('a photo without a face gives no faces, and no tensors are left behind', async () => {
  const image = await decodeImageFile(photo.noFace);
  await analyzeFaces(models, image); // warm up: the first call builds the model's lasting tensors
  const before = tf.memory().numTensors;
  assert.equal((await analyzeFaces(models, image)).faces.length, 0);
  await analyzeFaces(models, await decodeImageFile(photo.obamaAndBiden));
  assert.equal(tf.memory().numTensors, before);
});
