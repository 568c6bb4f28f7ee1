// Identification through the HNSW index (db/search/face-search.ts) with real photos and the real networks:
// two people enrolled from fixtures among 2000 synthetic faces of the same model, one of them removed.
import test from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { Store } from '../../../db/store.ts';
import { decodeImageFile } from '../../../engine/image.ts';
import { enrol } from '../../../engine/recognition/enrolment.ts';
import { identify } from '../../../engine/recognition/recognition.ts';
import { SyntheticFaces } from '../../../engine/evaluation/synthetic-faces.ts';
import { fillSyntheticStore } from '../../../engine/evaluation/search-scale.ts';
import { at } from '../../helpers/assert.ts';
import { photo, tempDir } from '../../helpers/fixtures.ts';
import { createModelRegistry } from '../../../engine/models/loaded-models.ts';

const models = createModelRegistry();
test.after(() => models.unloadAll());

test('identify finds a real face through the index, and not once the person is removed', async () => {
  const store = Store.open(path.join(tempDir(), 'facekit.db'));
  await enrol(models, store, 'Barack Obama', await decodeImageFile(photo.obama));
  await enrol(models, store, 'Joe Biden', await decodeImageFile(photo.biden));
  const [obama] = store.listFaces('Barack Obama');
  assert.ok(obama, 'Obama is enrolled');
  // Synthetic people around the real faces (an HNSW graph can strand a few far-off points).
  const synthetic = new SyntheticFaces({ seed: 5, around: store.faceEmbedding(obama.id) });
  fillSyntheticStore(store, synthetic, { people: 400, perPerson: 5, modelId: obama.modelId });
  store.faceSearch.annMinFaces = 0;

  const query = await decodeImageFile(photo.obama2);
  const before = await identify(models, store, query);
  assert.equal(before.faces[0]?.match?.name, 'Barack Obama');
  assert.equal(store.faceSearch.stats.builds, 1, 'answered by the index');

  store.removePerson('Barack Obama');
  const after = await identify(models, store, query);
  assert.equal(after.faces[0]?.match, null, 'nobody else is within the threshold');
  assert.ok(at(after.faces, 0, 'the face').candidates.every((c) => c.name !== 'Barack Obama'));
  assert.equal(store.faceSearch.stats.builds, 1, 'the removal was replayed into the index');
  store.close();
});
