// Migration 005 and the store's side of upgrading faces made by an older face pipeline: a store made at
// schema v4 opens and migrates with its faces; outdated faces are listed and counted per person, never
// searched with the current pipeline's; a re-embedding is one transaction, and a failed one is noted.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import { migrate } from '../../../db/migrate.ts';
import { latestVersion, migrations } from '../../../db/migrations/index.ts';
import { Store, type NewFace } from '../../../db/store.ts';
import { encodeEmbedding } from '../../../db/blob.ts';
import { isFaceKitError } from '../../../api/errors.ts';

const OLD = 'dlib-resnet128-0123456789ab'; // a bare descriptor hash: how ids looked before pipeline ids
const CURRENT = 'dlib-resnet128-0123456789ab:dlib-chip-150-pad0.25';
const T = '2026-01-01T00:00:00.000Z';

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'facekit-upgrade-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

const vector = (seed: number): Float32Array => Float32Array.from({ length: 128 }, (_, i) => Math.sin(seed * 7.1 + i) / 4);

/** A store as FaceKit wrote it at schema v4 (before migration 005): Ada with two faces, Bob with one without a photo record. */
function v4Store(file: string): void {
  const raw = new Database(file);
  migrate(raw, migrations.slice(0, 4));
  const person = raw.prepare('INSERT INTO people (name, name_key, created_at, updated_at) VALUES (?, ?, ?, ?)');
  const ada = Number(person.run('Ada', 'ada', T, T).lastInsertRowid);
  const bob = Number(person.run('Bob', 'bob', T, T).lastInsertRowid);
  const photo = raw.prepare('INSERT INTO photos (sha256, path, width, height, imported_at) VALUES (?, ?, 640, 480, ?)');
  const p1 = Number(photo.run('a'.repeat(64), '/photos/ada1.jpg', T).lastInsertRowid);
  const p2 = Number(photo.run('b'.repeat(64), '/photos/ada2.jpg', T).lastInsertRowid);
  const face = raw.prepare(
    `INSERT INTO faces (person_id, photo_id, face_index, box_x, box_y, box_w, box_h, score, face_size, blur, model_id, dim, embedding, created_at)
     VALUES (?, ?, 0, 10, 20, 100, 120, 0.99, 110, 50, ?, 128, ?, ?)`,
  );
  face.run(ada, p1, OLD, encodeEmbedding(vector(1)), T);
  face.run(ada, p2, OLD, encodeEmbedding(vector(2)), T);
  face.run(bob, null, OLD, encodeEmbedding(vector(3)), T);
  assert.equal(raw.pragma('user_version', { simple: true }), 4);
  raw.close();
}

const newFace = (embedding: Float32Array): NewFace => ({
  faceIndex: 0,
  box: { x: 12, y: 21, width: 98, height: 119 },
  score: 0.98,
  faceSize: 108,
  blur: 60,
  modelId: CURRENT,
  embedding,
});

describe('faces of an older pipeline (migration 005)', () => {
  test('a v4 store opens, migrates to the latest schema, and keeps its people and faces', () => {
    const file = join(dir, 'v4.db');
    v4Store(file);
    const store = Store.open(file);
    try {
      assert.equal(store.schemaVersion(), latestVersion);
      assert.ok(latestVersion >= 5);
      assert.deepEqual(
        store.listPeople().map((p) => [p.name, p.faceCount]),
        [
          ['Ada', 2],
          ['Bob', 1],
        ],
      );
      assert.deepEqual(store.embeddingModels(), [{ modelId: OLD, count: 3 }]);
    } finally {
      store.close();
    }
  });

  test('outdated faces are listed and counted per person; search with the current pipeline never sees them', () => {
    const file = join(dir, 'listed.db');
    v4Store(file);
    const store = Store.open(file);
    try {
      const outdated = store.outdatedFaces(CURRENT);
      assert.deepEqual(
        outdated.map((f) => [f.personName, f.photoPath, f.modelId, f.upgradeProblem]),
        [
          ['Ada', '/photos/ada1.jpg', OLD, null],
          ['Ada', '/photos/ada2.jpg', OLD, null],
          ['Bob', null, OLD, null],
        ],
      );
      assert.equal(store.outdatedFaces(CURRENT, 'bob').length, 1);
      assert.equal(store.outdatedFaces(OLD).length, 0, 'nothing is outdated for the pipeline that made it');
      const [ada] = store.listPeople();
      assert.equal(store.embeddingIndex(CURRENT).count, 0);
      assert.equal(store.faceSearch.nearestPeople(CURRENT, vector(1), 3).length, 0);
      assert.equal(store.faceSearch.personEmbeddings(CURRENT, ada?.id ?? -1).length, 0);
    } finally {
      store.close();
    }
  });

  test('re-embedding is one transaction: the current search sees the face, the note is cleared; a stale run writes nothing', () => {
    const file = join(dir, 'reembed.db');
    v4Store(file);
    const store = Store.open(file);
    try {
      const [first, second] = store.outdatedFaces(CURRENT);
      assert.ok(first && second);
      store.markFaceNotUpgraded(first.id, CURRENT, 'photo-missing');
      assert.deepEqual(
        store.outdatedFaces(CURRENT).map((f) => [f.id, f.upgradePipeline, f.upgradeProblem]),
        [
          [first.id, CURRENT, 'photo-missing'],
          [second.id, null, null],
          [store.outdatedFaces(CURRENT, 'Bob')[0]?.id, null, null],
        ],
      );

      assert.equal(store.reembedOutdatedFace(first.id, OLD, newFace(vector(11))), true);
      const index = store.embeddingIndex(CURRENT);
      assert.deepEqual([...index.faceIds], [first.id]);
      assert.equal(store.listFaces('Ada').find((f) => f.id === first.id)?.modelId, CURRENT);
      assert.deepEqual(
        store.outdatedFaces(CURRENT, 'Ada').map((f) => f.id),
        [second.id],
      );
      // Seen from a later pipeline, every face is outdated: the re-embedded one without its old failure note.
      const later = store.outdatedFaces('a-later-pipeline').find((f) => f.id === first.id);
      assert.deepEqual([later?.modelId, later?.upgradePipeline, later?.upgradeProblem], [CURRENT, null, null]);

      // Another process got there first: the face is no longer of OLD, so nothing is written.
      assert.equal(store.reembedOutdatedFace(first.id, OLD, newFace(vector(12))), false);
      assert.deepEqual(store.faceEmbedding(first.id), vector(11));
      // Nor is a failure noted on a face already of the pipeline.
      store.markFaceNotUpgraded(first.id, CURRENT, 'face-not-found');
      assert.equal(store.outdatedFaces(CURRENT).length, 2);
      assert.equal(store.reembedOutdatedFace(999_999, OLD, newFace(vector(13))), false, 'a deleted face');
    } finally {
      store.close();
    }
  });

  test('bad input is refused with a clear error and leaves the face as it was', () => {
    const file = join(dir, 'bad.db');
    v4Store(file);
    const store = Store.open(file);
    try {
      const [face, , bobs] = store.outdatedFaces(CURRENT);
      assert.ok(face && bobs);
      assert.equal(store.reembedOutdatedFace(bobs.id, OLD, newFace(vector(4))), true); // CURRENT's embeddings are 128-D now
      const broken = vector(5);
      broken[3] = Number.NaN;
      assert.throws(
        () => store.reembedOutdatedFace(face.id, OLD, newFace(broken)),
        (e: unknown) => isFaceKitError(e) && e.code === 'BAD_INPUT',
      );
      assert.throws(
        () => store.reembedOutdatedFace(face.id, OLD, { ...newFace(vector(5)), embedding: new Float32Array(64) }),
        (e: unknown) => isFaceKitError(e) && e.code === 'BAD_INPUT' && /dimension/.test(e.message),
      );
      assert.throws(
        () => store.markFaceNotUpgraded(face.id, CURRENT, 'lost' as never),
        (e: unknown) => isFaceKitError(e) && e.code === 'BAD_INPUT',
      );
      assert.equal(store.outdatedFaces(CURRENT)[0]?.modelId, OLD);
      assert.deepEqual(store.faceEmbedding(face.id), vector(1));
      assert.equal(store.outdatedFaces(CURRENT)[0]?.upgradeProblem, null);
    } finally {
      store.close();
    }
  });
});
