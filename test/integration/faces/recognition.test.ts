// Enrolment, verification and identification: real photos, real networks, a real SQLite file.
import test from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import sharp from 'sharp';
import { Store } from '../../../db/store.ts';
import { decodeImageBuffer, decodeImageFile } from '../../../engine/image.ts';
import { enrol } from '../../../engine/recognition/enrolment.ts';
import { identify, verify } from '../../../engine/recognition/recognition.ts';
import { isFaceKitError, type FaceKitError } from '../../../api/errors.ts';
import { DEFAULT_THRESHOLD, THRESHOLD_SETTING } from '../../../engine/recognition/thresholds.ts';
import { at } from '../../helpers/assert.ts';
import { bidenWithObamaBehind, obamaWithBidenBehind, photo, tempDir } from '../../helpers/fixtures.ts';
import { createModelRegistry } from '../../../engine/models/loaded-models.ts';

// One registry for the file: the networks load once, for every test here.
const models = createModelRegistry();
test.after(() => models.unloadAll());
const store = Store.open(path.join(tempDir(), 'facekit.db'));
const enrolFile = async (name: string, file: string, options = {}) => enrol(models, store, name, await decodeImageFile(file), options);
const rejectsWith = (code: string, pattern: RegExp) => (error: unknown) => {
  assert.ok(isFaceKitError(error), String(error));
  assert.equal(error.code, code, error.message);
  assert.match(error.message, pattern);
  return true;
};

test('enrolment: several photos per person; the same photo twice is not duplicated', async () => {
  assert.equal((await enrolFile('Barack Obama', photo.obama)).status, 'added');
  assert.equal((await enrolFile('Barack Obama', photo.obama2)).status, 'added');
  assert.equal((await enrolFile('Barack Obama', photo.obama)).status, 'already-enrolled');
  await enrolFile('Joe Biden', photo.biden);
  await enrolFile('Kit Harington', photo.kit);
  await enrolFile('Rose Leslie', photo.rose);
  assert.equal(store.getPerson('barack obama')?.faceCount, 2);
  assert.equal(store.listFaces().length, 5);
});

test('enrolment refuses a photo without a face, with several faces, or a poor face, and writes nothing', async () => {
  const before = store.listFaces().length;
  await assert.rejects(enrolFile('Nobody', photo.noFace), rejectsWith('NO_FACE', /louvre_small\.jpg: no face found/));
  // The engine says what is wrong and lists the faces; what to do about it is each shell's wording (cli/hints.ts).
  // A new person has no other faces to tell which of three faces of a size is theirs.
  await assert.rejects(enrolFile('Someone New', photo.obamaAndBiden), (error: unknown) => {
    rejectsWith(
      'MULTIPLE_FACES',
      /obama_and_biden\.jpg: \d faces found \(0 at x=\d+, 1 at x=\d+[^)]*\) and none is clearly the person's: /,
    )(error);
    const found = /(\d) faces found/.exec((error as FaceKitError).message);
    assert.ok(found, 'the message says how many faces');
    const count = Number(found[1]);
    const faces = (error as FaceKitError).details?.faces as { index: number; box: { x: number } }[];
    assert.deepEqual(
      faces.map((f) => f.index),
      [...Array(count).keys()],
      'details list every face, leftmost first',
    );
    return true;
  });
  const blurred = await decodeImageBuffer(await sharp(photo.biden).blur(16).jpeg().toBuffer(), 'blurred.jpg');
  await assert.rejects(
    enrol(models, store, 'Joe Biden', blurred),
    rejectsWith('LOW_QUALITY', /^blurred\.jpg: face is too blurred \(sharpness \d+; at least \d+ is needed\)$/),
  );
  await assert.rejects(enrolFile('Someone Else', photo.obama), rejectsWith('CONFLICT', /already enrolled as "Barack Obama"/));
  assert.equal(store.listFaces().length, before);
  assert.equal(store.getPerson('Nobody'), undefined);
  assert.equal(store.getPerson('Someone New'), undefined);
  assert.equal(store.getPerson('Someone Else'), undefined, 'a refused enrolment creates no person');
});

test('the caller can pick one face of a group photo', async () => {
  const result = await enrolFile('Joe Biden', photo.obamaAndBiden, { face: 0 });
  assert.equal(result.status, 'added');
  assert.equal(result.face.index, 0);
  assert.equal(result.chosen, 'given');
  assert.equal(result.faceCount, 3);
  await assert.rejects(enrolFile('Joe Biden', photo.obamaAndBiden, { face: 7 }), rejectsWith('BAD_INPUT', /face index 7 does not exist/));
  const largest = await enrolFile('Barack Obama', photo.obama, { face: 'largest' });
  assert.equal(largest.status, 'already-enrolled');
});

test("a face of several is taken when it is the person's: by their enrolled faces, or as the photo's dominant face", async () => {
  // Three faces of a size; Biden's enrolled faces pick his out (face 0, enrolled above).
  const matched = await enrolFile('Joe Biden', photo.obamaAndBiden);
  assert.equal(matched.chosen, 'matched');
  assert.equal(matched.face.index, 0);
  assert.equal(matched.status, 'already-enrolled');
  // Obama in front, Biden small behind: Obama's face dominates, and it is his.
  const dir = tempDir();
  const inFront = await enrolFile('Barack Obama', await obamaWithBidenBehind(path.join(dir, 'obama-in-front.jpg')));
  assert.equal(inFront.status, 'added');
  assert.equal(inFront.chosen, 'dominant');
  assert.equal(inFront.faceCount, 2);
  // Biden in front: his face dominates, and it is not Obama's — refused, nothing written.
  const before = store.listFaces().length;
  await assert.rejects(
    enrolFile('Barack Obama', await bidenWithObamaBehind(path.join(dir, 'biden-in-front.jpg'))),
    rejectsWith(
      'NOT_SAME_PERSON',
      /biden-in-front\.jpg: not the same person as the other photos: face 1, the main one of 2, is \d\.\d\d from/,
    ),
  );
  assert.equal(store.listFaces().length, before);
});

test('a slightly blurred face is enrolled, with a warning', async () => {
  const softened = await decodeImageBuffer(await sharp(photo.kit2).blur(4).jpeg().toBuffer(), 'softened.jpg');
  const result = await enrol(models, store, 'Kit Harington', softened);
  assert.equal(result.status, 'added');
  assert.match(result.warnings.join(), /a little blurred \(sharpness \d+; from 12/);
});

test('verify: the same person matches, another person does not', async () => {
  const same = await verify(models, store, 'Barack Obama', await decodeImageFile(photo.obama3));
  assert.equal(same.match, true);
  assert.ok(same.distance < same.threshold);
  assert.equal(same.threshold, DEFAULT_THRESHOLD);
  const other = await verify(models, store, 'Joe Biden', await decodeImageFile(photo.obama3));
  assert.equal(other.match, false);
  assert.ok(other.distance > other.threshold);
  await assert.rejects(
    verify(models, store, 'Nobody', await decodeImageFile(photo.obama3)),
    rejectsWith('NOT_FOUND', /no person named "Nobody"/),
  );
});

test('verify picks the matching face in a group photo, or the face the caller names', async () => {
  const group = await decodeImageFile(photo.obamaAndBiden);
  const best = await verify(models, store, 'Barack Obama', group);
  assert.equal(best.match, true);
  assert.equal(best.face.index, 1, 'Obama stands right of Biden');
  const named = await verify(models, store, 'Barack Obama', group, { faceIndex: 0 });
  assert.equal(named.match, false);
});

test('identify: each face of a group photo gets the right person or unknown', async () => {
  const group = await identify(models, store, await decodeImageFile(photo.obamaAndBiden));
  assert.equal(group.faces[0]?.match?.name, 'Joe Biden');
  assert.equal(group.faces[1]?.match?.name, 'Barack Obama');
  assert.ok(
    group.faces.slice(2).every((f) => f.match === null),
    'the child in the corner is unknown',
  );
  const { candidates } = at(group.faces, 0, 'the first face');
  assert.ok(candidates.length >= 2 && at(candidates, 0).distance <= at(candidates, 1).distance);

  const couple = await identify(models, store, await decodeImageFile(photo.kitWithRose));
  assert.deepEqual(couple.faces.map((f) => f.match?.name).sort(), ['Kit Harington', 'Rose Leslie']);
});

test('thresholds: per call, then the stored setting, then the default', async () => {
  const image = await decodeImageFile(photo.obama3);
  assert.equal((await verify(models, store, 'Barack Obama', image, { threshold: 0.2 })).match, false);
  store.setSetting(THRESHOLD_SETTING, 0.2);
  assert.equal((await verify(models, store, 'Barack Obama', image)).threshold, 0.2);
  assert.equal((await identify(models, store, image)).faces[0]?.match, null);
  store.setSetting(THRESHOLD_SETTING, undefined);
  await assert.rejects(verify(models, store, 'Barack Obama', image, { threshold: -1 }), rejectsWith('BAD_INPUT', /threshold must be/));
});

test('removing a person purges their embeddings; they are unknown afterwards', async () => {
  const modelId = at(store.embeddingModels(), 0, 'an embedding model').modelId;
  const countBefore = store.embeddingIndex(modelId).count;
  const removed = store.removePerson('Rose Leslie');
  assert.equal(removed.faces, 1);
  assert.equal(removed.photos, 1);
  assert.equal(store.getPerson('Rose Leslie'), undefined);
  assert.ok(store.listFaces().every((f) => f.personName !== 'Rose Leslie'));
  assert.equal(store.embeddingIndex(modelId).count, countBefore - 1);
  const couple = await identify(models, store, await decodeImageFile(photo.kitWithRose));
  assert.deepEqual(couple.faces.map((f) => f.match?.name ?? 'unknown').sort(), ['Kit Harington', 'unknown']);
});
