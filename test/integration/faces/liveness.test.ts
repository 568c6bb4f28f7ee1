// Passive liveness on real photos: the shipped model, crop and threshold (engine/faces/liveness.ts).
// The model does not tell screen replays from real faces on the photos we have (README, "Liveness"), so
// attacks are not asserted refused here; real faces passing, and the score's contract, are.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createModelRegistry } from '../../../engine/models/loaded-models.ts';
import { decodeImageFile, type RgbImage } from '../../../engine/image.ts';
import { analyzeFaces, type AnalyzedFace } from '../../../engine/faces/pipeline.ts';
import { combineLiveness, LIVENESS_DEFAULT_THRESHOLD, LIVENESS_MODEL, passiveLiveness } from '../../../engine/faces/liveness.ts';
import { expectDefined, isFaceKitError } from '../../../api/errors.ts';
import { COMPREFACE, photo } from '../../helpers/fixtures.ts';
import path from 'node:path';

const models = createModelRegistry();
/** Six people, studio portraits and snapshots; biden.jpg scored lowest in the bench (0.40). */
const REAL = [photo.obama, photo.obama2, photo.biden, photo.kit, photo.rose, path.join(COMPREFACE, 'people', 'C', '009_C.jpg')];
const faces: { file: string; image: RgbImage; face: AnalyzedFace }[] = [];

before(async () => {
  for (const file of REAL) {
    const image = await decodeImageFile(file);
    const [face] = (await analyzeFaces(models, image)).faces.sort((a, b) => b.box.width * b.box.height - a.box.width * a.box.height);
    assert.ok(face, `a face in ${file}`);
    faces.push({ file, image, face });
  }
});
after(() => models.unloadAll());

test('real faces of several people and lightings pass at the default threshold', async () => {
  for (const { file, image, face } of faces) {
    const result = await passiveLiveness(models, image, face);
    assert.equal(result.model, LIVENESS_MODEL);
    assert.equal(result.threshold, LIVENESS_DEFAULT_THRESHOLD);
    assert.ok(result.score >= 0 && result.score <= 1, `score in [0, 1] for ${file}: ${result.score}`);
    assert.equal(result.live, true, `${path.basename(file)} refused with ${result.score.toFixed(3)}`);
  }
});

test('the score is deterministic, and the threshold given is the one applied', async () => {
  const { image, face } = expectDefined(faces[0], 'the first fixture face');
  const first = await passiveLiveness(models, image, face);
  const again = await passiveLiveness(models, image, face);
  assert.equal(again.score, first.score);
  const above = await passiveLiveness(models, image, face, Math.min(1, first.score + 0.01));
  assert.equal(above.live, false);
  assert.equal(above.threshold, Math.min(1, first.score + 0.01));
  assert.equal((await passiveLiveness(models, image, face, first.score)).live, true, 'a score equal to the threshold is live');
});

test('the crop follows the face: another face of the same photo gets its own score', async () => {
  const image = await decodeImageFile(photo.obamaAndBiden);
  const found = (await analyzeFaces(models, image)).faces;
  assert.ok(found.length >= 2);
  const scores = await Promise.all(found.slice(0, 2).map((f) => passiveLiveness(models, image, f)));
  assert.notEqual(expectDefined(scores[0], 'a score').score, expectDefined(scores[1], 'a score').score);
});

test('a face at the edge of the frame is scored (the crop is padded, not refused)', async () => {
  const { image, face } = expectDefined(faces[0], 'the first fixture face');
  const shifted = {
    box: { ...face.box, x: -face.box.width / 3 },
    landmarks: face.landmarks.map((p) => ({ x: p.x - face.box.x - face.box.width / 3, y: p.y })),
  };
  const result = await passiveLiveness(models, image, shifted);
  assert.ok(result.score >= 0 && result.score <= 1);
});

test('a threshold outside 0–1 is refused with the reason', async () => {
  const { image, face } = expectDefined(faces[0], 'the first fixture face');
  await assert.rejects(
    passiveLiveness(models, image, face, 1.5),
    (e: unknown) => isFaceKitError(e, 'BAD_INPUT') && /between 0 and 1/.test(e.message),
  );
});

test('frames combine by their mean score', async () => {
  const scores = await Promise.all(faces.slice(0, 3).map(({ image, face }) => passiveLiveness(models, image, face)));
  const combined = combineLiveness(scores, 0.5);
  const mean = scores.reduce((s, x) => s + x.score, 0) / scores.length;
  assert.ok(Math.abs(combined.score - mean) < 1e-12);
  assert.equal(combined.live, mean >= 0.5);
  assert.equal(combined.model, LIVENESS_MODEL);
  assert.throws(
    () => combineLiveness([]),
    (e: unknown) => isFaceKitError(e, 'INTERNAL'),
  );
});
