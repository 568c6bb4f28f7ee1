// The accurate face detector (engine/faces/detection.ts) on real photos with the real networks: tight
// crops, group photos against CompreFace's nose points, a large photo, and a photo with no face.
import test from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { detectFaces, SINGLE_PASS_PLAN, tileGrid } from '../../../engine/faces/detection.ts';
import { decodeImageFile } from '../../../engine/image.ts';
import { createModelRegistry } from '../../../engine/models/loaded-models.ts';
import { COMPREFACE } from '../../helpers/fixtures.ts';
import { tightCrops } from '../../helpers/tight-crops.ts';
import { groupPhotos, mosaic, score } from '../../helpers/face-groups.ts';

// One registry for the file: the networks load once, for every test here.
const models = createModelRegistry();
test.after(() => models.unloadAll());
const detect = (image: Parameters<typeof detectFaces>[1]) => detectFaces(models, image, { minConfidence: 0.5, maxFaces: 100 });

test('a face is found in at least 39 of 40 tight crops (8 people × 5, the face filling the image)', async () => {
  const crops = await tightCrops(models);
  assert.equal(crops.length, 40);
  const missed: string[] = [];
  for (const crop of crops) {
    const { detections } = await detect(crop.image);
    if (!detections.length) missed.push(crop.name);
    // one face per crop: the extra passes must not add a second
    assert.ok(detections.length <= 1, `${crop.name}: ${detections.length} faces`);
  }
  assert.ok(missed.length <= 1, `no face in ${missed.join(', ')}`);
});

test('group photos: at least 95 % of the faces, no false detections; none on the landscape 017_0', async () => {
  const groups = await groupPhotos();
  assert.ok(groups.some((g) => g.name === '017_0.jpg' && g.noses.length === 0));
  let faces = 0;
  let found = 0;
  for (const g of groups) {
    const { detections } = await detect(g.image);
    const s = score(
      detections.map((d) => d.box),
      g.noses,
    );
    assert.equal(s.falseDetections, 0, `${g.name}: ${s.falseDetections} boxes on no face`);
    faces += g.noses.length;
    found += s.found;
  }
  assert.equal(faces, 37);
  assert.ok(found / faces >= 0.95, `${found} of ${faces} faces found`);
});

test('a large photo (four group photos side by side): its small faces are found on tiles', async () => {
  const groups = (await groupPhotos()).filter((g) => g.noses.length);
  const large = await mosaic(groups.slice(4, 8));
  assert.ok(tileGrid(large.image.width, large.image.height).tiles.length > 1, 'the photo is tiled');
  const { detections } = await detect(large.image);
  const s = score(
    detections.map((d) => d.box),
    large.noses,
  );
  // no more false detections than the single SSD pass makes on the same photo
  const before = await detectFaces(models, large.image, { minConfidence: 0.5, maxFaces: 100, plan: SINGLE_PASS_PLAN });
  const falseBefore = score(
    before.detections.map((d) => d.box),
    large.noses,
  ).falseDetections;
  assert.ok(s.falseDetections <= falseBefore, `${s.falseDetections} false detections, ${falseBefore} before`);
  assert.ok(s.found / large.noses.length >= 0.95, `${s.found} of ${large.noses.length}`);
});

test('no face on a photo without one', async () => {
  const { detections } = await detect(await decodeImageFile(path.join(COMPREFACE, 'groups', '017_0.jpg')));
  assert.deepEqual(detections, []);
});
