// 1:n search at scale (db/search/face-search.ts): the HNSW index against the exact scan on clustered synthetic
// faces, kept in step with the store (deletes, merges, renames, other connections), and not rebuilt
// by writes that cannot change an answer. A real SQLite file throughout.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { Store } from '../../../db/store.ts';
import { euclidean, nearestPeople } from '../../../db/search/exact.ts';
import { SyntheticFaces } from '../../../engine/evaluation/synthetic-faces.ts';
import { SYNTHETIC_MODEL as MODEL, fillSyntheticStore } from '../../../engine/evaluation/search-scale.ts';
import { at } from '../../helpers/assert.ts';
import { tempDir } from '../../helpers/fixtures.ts';

const PEOPLE = 600;
const PER_PERSON = 5;
const faces = new SyntheticFaces({ seed: 11 });
let dir: string;
let n = 0;

/** A fresh store file with PEOPLE × PER_PERSON synthetic faces; the HNSW index is used at any size. */
function filledStore(): { file: string; store: Store } {
  const file = path.join(dir, `s${n++}.db`);
  const store = Store.open(file);
  fillSyntheticStore(store, faces, { people: PEOPLE, perPerson: PER_PERSON });
  store.faceSearch.annMinFaces = 0;
  return { file, store };
}

/** A face of `identity` that was never enrolled. */
const query = (identity: number, sample = 100) => faces.face(identity, sample);
const top = (store: Store, q: Float32Array) => at(store.faceSearch.nearestPeople(MODEL, q, 3), 0, 'the nearest person');
const idOf = (store: Store, identity: number) => store.requirePerson(`Person ${identity}`).id;

before(() => {
  dir = tempDir('facekit-face-search-');
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('synthetic faces', () => {
  test('cluster per identity at dlib-like distances', () => {
    const median = (xs: number[]) =>
      at(
        xs.sort((a, b) => a - b),
        xs.length >> 1,
        'the median',
      );
    const same = Array.from({ length: 300 }, (_, i) => euclidean(faces.face(i, 0), faces.face(i, 1)));
    const different = Array.from({ length: 300 }, (_, i) => euclidean(faces.face(i, 0), faces.face(i + 1000, 0)));
    assert.ok(median(same) > 0.3 && median(same) < 0.5, `same identity: median ${median(same)}`);
    assert.ok(median(different) > 0.8 && median(different) < 1.2, `different identities: median ${median(different)}`);
    assert.ok(Math.max(...same) < Math.min(...different), 'no overlap in this sample');
    assert.deepEqual(faces.face(7, 3), new SyntheticFaces({ seed: 11 }).face(7, 3), 'reproducible');
  });
});

describe('HNSW search against the exact scan', () => {
  test('names the same person on 3000 clustered faces, at the exact distance', () => {
    const { store } = filledStore();
    const exact = store.embeddingIndex(MODEL);
    let agree = 0;
    const total = 200;
    for (let q = 0; q < total; q++) {
      const identity = q < 20 ? PEOPLE + q : (q * 37) % PEOPLE; // 20 strangers, then enrolled people
      const embedding = query(identity, 50 + q);
      const want = at(nearestPeople(exact, embedding, 1), 0, 'the nearest person by the exact scan');
      const got = top(store, embedding);
      if (got.personId === want.personId) {
        agree++;
        assert.equal(got.distance, want.distance, 're-scored in float from the store, like the exact scan');
        assert.equal(got.name, exact.names.get(want.personId));
      }
    }
    assert.ok(agree / total >= 0.99, `agreement ${agree}/${total}`);
    assert.equal(store.faceSearch.stats.builds, 1);
    store.close();
  });

  test('below the cut-over the exact scan answers and no index is built', () => {
    const { store } = filledStore();
    store.faceSearch.annMinFaces = PEOPLE * PER_PERSON + 1;
    const hit = top(store, query(3));
    assert.equal(hit.personId, idOf(store, 3));
    assert.equal(store.faceSearch.prepare(MODEL), 'exact');
    assert.equal(store.faceSearch.stats.builds, 0);
    store.close();
  });
});

describe('the index follows the store', () => {
  test('a deleted person never comes back; merged faces come back under the new name; renames show', () => {
    const { store } = filledStore();
    const removed = idOf(store, 10);
    assert.equal(top(store, query(10)).personId, removed);
    store.removePerson('Person 10');
    for (let sample = 100; sample < 110; sample++) {
      const hits = store.faceSearch.nearestPeople(MODEL, query(10, sample), 10);
      assert.ok(hits.length > 0);
      assert.ok(
        hits.every((h) => h.personId !== removed && h.name !== 'Person 10'),
        'never the deleted person',
      );
    }

    const from = idOf(store, 20);
    const into = idOf(store, 21);
    store.mergePeople('Person 20', 'Person 21');
    const merged = top(store, query(20));
    assert.deepEqual([merged.personId, merged.name], [into, 'Person 21'], 'old name and id are gone');
    assert.ok(store.faceSearch.nearestPeople(MODEL, query(20), 10).every((h) => h.personId !== from));

    store.renamePerson('Person 30', 'Ada');
    assert.equal(top(store, query(30)).name, 'Ada');
    assert.equal(store.faceSearch.stats.builds, 1, 'small changes are replayed, not rebuilt');
    assert.ok(store.faceSearch.stats.replays >= 3);
    store.close();
  });

  test('a deletion by another connection is seen at the next search', () => {
    const { file, store } = filledStore();
    const removed = idOf(store, 40);
    assert.equal(top(store, query(40)).personId, removed);
    const other = Store.open(file);
    other.removePerson('Person 40');
    other.close();
    assert.ok(store.faceSearch.nearestPeople(MODEL, query(40), 10).every((h) => h.personId !== removed));
    assert.equal(store.faceSearch.stats.builds, 1);
    store.close();
  });

  test('a large change by another connection rebuilds the index, and deleted people stay out', () => {
    const { file, store } = filledStore();
    top(store, query(0));
    const other = Store.open(file);
    const gone = Array.from({ length: PEOPLE / 2 }, (_, i) => 2 * i);
    const goneIds = new Set(gone.map((i) => idOf(other, i)));
    for (const i of gone) other.removePerson(`Person ${i}`);
    other.close();
    for (const i of gone.slice(0, 30)) assert.ok(!goneIds.has(top(store, query(i)).personId));
    assert.equal(top(store, query(1)).personId, idOf(store, 1));
    assert.equal(store.faceSearch.stats.builds, 2, 'half the faces changed: rebuilt rather than replayed');
    store.close();
  });

  test('check-ins, settings and gallery writes do not invalidate the caches; an enrolment is replayed', () => {
    const { file, store } = filledStore();
    const person = idOf(store, 5);
    top(store, query(5));
    const matrix = store.embeddingIndex(MODEL);
    const { builds } = store.faceSearch.stats;

    store.addCheckin({ personId: person, personName: 'Person 5', distance: 0.3, source: 'kiosk' });
    store.setSetting('kiosk.cooldownSeconds', 60);
    store.gallery.add({
      outputPath: '/out/a.png',
      width: 4,
      height: 3,
      contentPath: '/in.jpg',
      contentSha256: 'a'.repeat(64),
      styles: [],
      params: {},
      timings: {},
      iterations: 1,
      msPerIteration: 1,
      lossFirst: null,
      lossLast: null,
      identityDistance: null,
      backend: 'wasm',
      thumbnail: null,
    });
    const other = Store.open(file);
    other.addCheckin({ personId: person, personName: 'Person 5', distance: 0.3, source: 'kiosk' });
    other.close();
    assert.equal(top(store, query(5)).personId, person);
    assert.deepEqual(store.faceSearch.stats, { builds, replays: 0, replayedFaces: 0 });
    assert.equal(store.embeddingIndex(MODEL), matrix, 'the exact matrix is kept too');

    const newcomer = faces.face(PEOPLE + 99, 0);
    store.enrolFace(
      'Newcomer',
      { sha256: 'f'.repeat(64), path: '/new.jpg', width: 640, height: 480 },
      {
        faceIndex: 0,
        box: { x: 0, y: 0, width: 100, height: 100 },
        score: 0.99,
        faceSize: 100,
        blur: 500,
        modelId: MODEL,
        embedding: newcomer,
      },
      { createIfMissing: true },
    );
    const found = top(store, newcomer);
    assert.deepEqual([found.name, found.distance], ['Newcomer', 0]);
    assert.deepEqual(store.faceSearch.stats, { builds, replays: 1, replayedFaces: 1 });
    assert.notEqual(store.embeddingIndex(MODEL), matrix);
    store.close();
  });
});
