// Identity-preserving style transfer: the face guard on a real portrait, with the real face networks
// and a small random-weight VGG-19 file (the mechanism, not the look, is under test here).
import test from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { stylizeToFile } from '../../../engine/style/studio.ts';
import { contentFaces, createIdentityGuard } from '../../../engine/style/identity.ts';
import { decodeImageFile } from '../../../engine/image.ts';
import { tf } from '../../../engine/runtime/tf.ts';
import { photo, STYLE, tempDir } from '../../helpers/fixtures.ts';
import { writeRandomVgg19H5 } from '../../helpers/vgg19-h5.ts';
import { createModelRegistry } from '../../../engine/models/loaded-models.ts';

const dir = tempDir();
const weightsPath = path.join(dir, 'vgg19-small.h5');
// One registry for the file: the face networks and VGG-19 load once, for every test here.
const models = createModelRegistry();
test.after(() => models.unloadAll());
const SMALL_WIDTHS = [8, 8, 16, 16, 32, 32, 32, 32, 64, 64, 64, 64, 64, 64, 64, 64];

test.before(() => writeRandomVgg19H5(weightsPath, { layout: 'keras2-nested', channels: SMALL_WIDTHS, seed: 1 }));

test('the guard finds the portrait face once and costs nothing for the unchanged photo', async () => {
  const content = await decodeImageFile(photo.obama);
  const guard = await createIdentityGuard(models, content, await contentFaces(models, content), 1);
  assert.ok(guard, 'a face, so a guard');
  assert.equal(guard.faces.length, 1);
  const [anchor] = guard.faces;
  assert.ok(anchor, 'the anchor face');
  assert.ok(anchor.centerX > 0.3 && anchor.centerX < 0.7 && anchor.side > 0.1 && anchor.side < 0.6, JSON.stringify(anchor));
  const small = tf.tidy(() =>
    tf.image.resizeBilinear(tf.tensor4d(content.data, [1, content.height, content.width, 3], 'int32').toFloat(), [200, 160]),
  );
  assert.ok(guard.loss.prepareStage, 'the guard prepares each stage');
  guard.loss.prepareStage(small);
  const same = guard.loss.fn(small);
  const noisy = tf.tidy(() => tf.add<tf.Tensor4D>(small, tf.randomUniform(small.shape, -60, 60, 'float32', 5)));
  const changed = guard.loss.fn(noisy);
  assert.ok(same.arraySync() < 1e-6, `unchanged: ${same.arraySync()}`);
  assert.ok(changed.arraySync() > 1e-3, `changed: ${changed.arraySync()}`);
  tf.dispose([small, same, noisy, changed]);
  const louvre = await decodeImageFile(photo.noFace);
  assert.equal(await createIdentityGuard(models, louvre, await contentFaces(models, louvre), 1), undefined, 'no face, no guard');
});

test('a stronger identity weight keeps the stylised face closer to the original', async () => {
  const run = (identityWeight: number) =>
    stylizeToFile(models, {
      contentPath: photo.obama,
      styles: [{ path: path.join(STYLE, 'monet.jpg') }],
      outputPath: path.join(dir, `portrait-${identityWeight}.png`),
      settings: { size: 160, iterations: 15, stages: 1, seed: 3 },
      preserveIdentity: true,
      identityWeight,
      weightsPath,
    });
  const free = await run(0);
  const guarded = await run(5);
  assert.equal(guarded.identityFaces, 1);
  const freeDistance = free.identity?.distance;
  const guardedDistance = guarded.identity?.distance;
  assert.ok(freeDistance != null && guardedDistance != null, 'both results were checked for the face');
  assert.ok(guardedDistance < freeDistance, `guarded ${guardedDistance} vs free ${freeDistance}`);
  assert.ok(guarded.result.lossLast < guarded.result.lossFirst, 'the optimisation still made progress');
});
