// The rule that picks the face to enrol from a photo (engine/recognition/dominant-face.ts), on real
// detections: group photos have no dominant face, a photo with a small face in the background gives
// its main one, and a face picked among several must be the person's.
import test from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { decodeImageFile } from '../../../engine/image.ts';
import { analyzeFaces, type AnalyzedFace } from '../../../engine/faces/pipeline.ts';
import { createModelRegistry } from '../../../engine/models/loaded-models.ts';
import { chooseEnrolFace, chooseFace, isAtEdge } from '../../../engine/recognition/dominant-face.ts';
import { DEFAULT_THRESHOLD } from '../../../engine/recognition/thresholds.ts';
import { euclidean } from '../../../db/search/exact.ts';
import { at } from '../../helpers/assert.ts';
import { bidenWithObamaBehind, obamaWithBidenBehind, photo, tempDir } from '../../helpers/fixtures.ts';

const models = createModelRegistry();
test.after(() => models.unloadAll());
const dir = tempDir();

async function facesOf(file: string): Promise<{ faces: AnalyzedFace[]; width: number; height: number }> {
  const image = await decodeImageFile(file);
  return { faces: (await analyzeFaces(models, image)).faces, width: image.width, height: image.height };
}

async function embeddingOf(file: string): Promise<Float32Array> {
  const { faces } = await facesOf(file);
  assert.equal(faces.length, 1, `${file} has one face`);
  return at(faces, 0).embedding;
}

test('group photos: several faces of about the same size, none dominant', async () => {
  for (const file of [photo.obamaAndBiden, photo.kitWithRose, photo.group3]) {
    const found = await facesOf(file);
    assert.ok(found.faces.length >= 2, `${path.basename(file)}: ${found.faces.length} faces`);
    const choice = chooseFace(found.faces, found);
    assert.equal(choice.chosen, false, path.basename(file));
    if (!choice.chosen) {
      assert.equal(choice.reason, 'no-dominant-face');
      assert.match(choice.why, /is not clearly larger than face \d/);
    }
  }
});

test('one face is taken as it is', async () => {
  const found = await facesOf(photo.obama);
  const choice = chooseFace(found.faces, found);
  assert.ok(choice.chosen);
  assert.equal(choice.how, 'only');
  assert.equal(chooseFace([], found).chosen, false);
});

test('a small face in the background: the main face is taken, and it is the right person', async () => {
  const file = await obamaWithBidenBehind(path.join(dir, 'obama-biden-behind.jpg'));
  const found = await facesOf(file);
  assert.equal(found.faces.length, 2);
  const choice = chooseFace(found.faces, found);
  assert.ok(choice.chosen, 'a dominant face');
  assert.equal(choice.how, 'dominant');
  assert.ok(!isAtEdge(choice.face.box, found));
  const obama = await embeddingOf(photo.obama2);
  const biden = await embeddingOf(photo.biden2);
  assert.ok(euclidean(choice.face.embedding, obama) < DEFAULT_THRESHOLD, 'the face taken is Obama (against another photo of him)');
  const bystander = found.faces.find((f) => f !== choice.face);
  assert.ok(bystander && euclidean(bystander.embedding, biden) < DEFAULT_THRESHOLD, 'and the one left is Biden');
});

test("a face picked among several must look like the person's other photos", async () => {
  const obama = [await embeddingOf(photo.obama2), await embeddingOf(photo.obama3)];
  const biden = [await embeddingOf(photo.biden2)];

  // The larger face is someone else: not enrolled as the folder's person.
  const wrong = await facesOf(await bidenWithObamaBehind(path.join(dir, 'biden-obama-behind.jpg')));
  const asObama = chooseEnrolFace(wrong.faces, wrong, obama, DEFAULT_THRESHOLD);
  assert.equal(asObama.chosen, false);
  if (!asObama.chosen) {
    assert.equal(asObama.reason, 'not-same-person');
    assert.ok((asObama.distance ?? 0) > DEFAULT_THRESHOLD);
    assert.match(asObama.why, /is \d\.\d\d from the person's other photos/);
  }
  const asBiden = chooseEnrolFace(wrong.faces, wrong, biden, DEFAULT_THRESHOLD);
  assert.ok(
    asBiden.chosen && asBiden.how === 'dominant' && (asBiden.distance ?? 1) < DEFAULT_THRESHOLD,
    'the same photo is fine for Biden',
  );
  const noEvidence = chooseEnrolFace(wrong.faces, wrong, [], DEFAULT_THRESHOLD);
  assert.ok(
    noEvidence.chosen && noEvidence.how === 'dominant' && noEvidence.distance === null,
    'with nothing to compare, the dominant face',
  );

  // No dominant face, but exactly one of them is the person: that one.
  const group = await facesOf(photo.obamaAndBiden);
  const matched = chooseEnrolFace(group.faces, group, obama, DEFAULT_THRESHOLD);
  assert.ok(matched.chosen, 'Obama is found in the group photo');
  assert.equal(matched.how, 'matched');
  assert.ok(euclidean(matched.face.embedding, at(obama, 0)) < DEFAULT_THRESHOLD);
  // …and a group none of whom is the person stays skipped.
  const strangers = await facesOf(photo.group3);
  const none = chooseEnrolFace(strangers.faces, strangers, obama, DEFAULT_THRESHOLD);
  assert.equal(none.chosen, false);
  if (!none.chosen) {
    assert.equal(none.reason, 'several-faces');
    assert.match(none.why, /none looks like the person's other photos/);
  }
});
