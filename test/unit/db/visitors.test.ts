// The kiosk's unknown visitors in a real store (db/visitors.ts, migration 008): recording with the
// regrouping in one transaction, naming (faces enrolled on photo records of their frames, check-ins
// attributed), merging into a person, purging, and the encryption of the stored blobs.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Store } from '../../../db/store.ts';
import type { NewVisitorFace } from '../../../db/visitors.ts';
import { newRawKey } from '../../../db/key.ts';
import { groupVisitorFaces } from '../../../engine/recognition/visitor-ids.ts';
import { isFaceKitError } from '../../../api/errors.ts';
import { tempDir } from '../../helpers/fixtures.ts';

let dir: string;
let n = 0;
before(() => {
  dir = tempDir('facekit-visitors-');
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));
const newFile = () => path.join(dir, `s${n++}.db`);

/** A person's faces scatter ≈ 0.15 around a centre; centres lie ≈ 1 apart (like dlib embeddings). */
const centre = (seed: number) => Float32Array.from({ length: 128 }, (_, i) => Math.sin(seed * 97 + i * 1.7) * 0.09);
const near = (c: Float32Array, seed: number) => c.map((x, i) => x + Math.cos(seed * 31 + i * 2.3) * 0.012);

let frames = 0;
function unknownFace(embedding: Float32Array, checkinId: number | null, at: string, faceIndex = 0): NewVisitorFace {
  const frame = createHash('sha256').update(`frame ${frames++}`).digest('hex');
  return {
    checkinId,
    seenAt: at,
    source: 'kiosk',
    frame: { sha256: frame, width: 640, height: 480 },
    faceIndex,
    box: { x: 100, y: 80, width: 120, height: 150 },
    score: 0.9,
    faceSize: 120,
    blur: 300,
    modelId: 'test-model',
    embedding,
    thumbnail: Buffer.concat([Buffer.from([0xff, 0xd8, 0xff]), randomBytes(500)]),
  };
}

function sighting(store: Store, embedding: Float32Array, at: string): { checkinId: number; visitorId: number } {
  const checkinId = store.addCheckin({ personId: null, personName: '', distance: null, at, source: 'kiosk' });
  const [recorded] = store.visitors.record([unknownFace(embedding, checkinId, at)], (faces) => groupVisitorFaces(faces));
  assert.ok(recorded);
  return { checkinId, visitorId: recorded.visitorId };
}

test('distances of the synthetic faces are what the test assumes', async () => {
  const { euclidean } = await import('../../../db/search/exact.ts');
  const a = centre(1);
  const b = centre(2);
  assert.ok(euclidean(near(a, 1), near(a, 2)) < 0.3);
  assert.ok(euclidean(near(a, 1), near(b, 1)) > 0.8);
});

test('visitors keep their numbers as faces arrive; seen, first and last follow the faces', () => {
  const store = Store.open(newFile());
  try {
    const [a, b] = [centre(1), centre(2)];
    const first = sighting(store, near(a, 1), '2026-12-01T09:00:00.000Z');
    const second = sighting(store, near(b, 1), '2026-12-01T09:05:00.000Z');
    const third = sighting(store, near(a, 2), '2026-12-01T10:00:00.000Z');
    const fourth = sighting(store, near(a, 3), '2026-12-01T11:00:00.000Z');
    assert.notEqual(first.visitorId, second.visitorId);
    assert.equal(third.visitorId, first.visitorId);
    assert.equal(fourth.visitorId, first.visitorId);
    const list = store.visitors.list();
    assert.deepEqual(
      list.map((v) => [v.id, v.seen, v.first, v.last]),
      [
        [first.visitorId, 3, '2026-12-01T09:00:00.000Z', '2026-12-01T11:00:00.000Z'],
        [second.visitorId, 1, '2026-12-01T09:05:00.000Z', '2026-12-01T09:05:00.000Z'],
      ],
    );
    assert.deepEqual([...store.visitors.thumbnail(list[0]?.faces[0]?.id ?? 0).subarray(0, 2)], [0xff, 0xd8]);
  } finally {
    store.close();
  }
});

test('a grouping that loses a face is refused and nothing is written', () => {
  const store = Store.open(newFile());
  try {
    const face = unknownFace(near(centre(1), 1), null, '2026-12-01T09:00:00.000Z');
    assert.throws(
      () => store.visitors.record([face], () => []),
      (e) => isFaceKitError(e, 'INTERNAL'),
    );
    assert.equal(store.visitors.faceCount(), 0);
    assert.deepEqual(store.visitors.list(), []);
  } finally {
    store.close();
  }
});

test('naming a visitor enrols its faces on photo records of their frames and gives it its check-ins', () => {
  const store = Store.open(newFile());
  try {
    const a = centre(3);
    const one = sighting(store, near(a, 1), '2026-12-01T09:00:00.000Z');
    sighting(store, near(a, 2), '2026-12-01T09:30:00.000Z');
    const other = sighting(store, near(centre(4), 1), '2026-12-01T09:40:00.000Z');
    const done = store.visitors.enrolAs(one.visitorId, 'Ada Lovelace', 'new');
    assert.deepEqual(
      { enrolled: done.enrolled, skipped: done.skipped, checkins: done.checkins, name: done.personName },
      { enrolled: 2, skipped: 0, checkins: 2, name: 'Ada Lovelace' },
    );
    const faces = store.listFaces('Ada Lovelace');
    assert.equal(faces.length, 2);
    assert.ok(faces.every((f) => f.photoSha256 !== null && f.photoPath?.startsWith('kiosk frame ')));
    assert.ok(store.faceThumbnail(faces[0]?.id ?? 0));
    assert.deepEqual(
      store.listCheckins({ personId: done.personId }).map((c) => c.personName),
      ['Ada Lovelace', 'Ada Lovelace'],
    );
    assert.deepEqual(
      store.visitors.list().map((v) => v.id),
      [other.visitorId],
    );
    // The name is taken now: naming another visitor so is a conflict; adding to the person is a merge.
    assert.throws(
      () => store.visitors.enrolAs(other.visitorId, 'ada lovelace', 'new'),
      (e) => isFaceKitError(e, 'CONFLICT'),
    );
    assert.throws(
      () => store.visitors.enrolAs(other.visitorId, 'Nobody', 'existing'),
      (e) => isFaceKitError(e, 'NOT_FOUND'),
    );
    assert.equal(store.visitors.enrolAs(other.visitorId, 'Ada Lovelace', 'existing').enrolled, 1);
    assert.equal(store.listFaces('Ada Lovelace').length, 3);
    assert.equal(store.visitors.faceCount(), 0);
    assert.throws(
      () => store.visitors.enrolAs(one.visitorId, 'Someone', 'new'),
      (e) => isFaceKitError(e, 'NOT_FOUND'),
    );
  } finally {
    store.close();
  }
});

test('deleting a visitor purges its faces and its own check-ins, and its number is not given again', () => {
  const store = Store.open(newFile());
  try {
    const gone = sighting(store, near(centre(5), 1), '2026-12-01T09:00:00.000Z');
    const kept = sighting(store, near(centre(6), 1), '2026-12-01T09:10:00.000Z');
    assert.deepEqual(store.visitors.remove(gone.visitorId), { faces: 1, checkins: 1 });
    assert.equal(store.visitors.faceCount(), 1);
    assert.deepEqual(
      store.listCheckins({ personId: null }).map((c) => c.id),
      [kept.checkinId],
    );
    const again = sighting(store, near(centre(5), 2), '2026-12-01T10:00:00.000Z');
    assert.ok(again.visitorId > kept.visitorId, 'a new number, not the deleted one');
  } finally {
    store.close();
  }
});

test('with a key, the unknown faces and thumbnails are encrypted on disk', () => {
  const file = newFile();
  const key = newRawKey();
  const store = Store.open(file, { key });
  const embedding = near(centre(8), 1);
  const face = unknownFace(embedding, null, '2026-12-01T09:00:00.000Z');
  store.visitors.record([face], (faces) => groupVisitorFaces(faces));
  store.close();
  const needles = [Buffer.from(embedding.buffer), Buffer.from(face.thumbnail)];
  for (const f of [file, `${file}-wal`].filter((x) => fs.existsSync(x))) {
    const bytes = fs.readFileSync(f);
    for (const needle of needles) assert.equal(bytes.includes(needle), false, `${path.basename(f)} holds a plaintext blob`);
  }
  const reopened = Store.open(file, { key });
  assert.equal(reopened.visitors.faceCount(), 1);
  reopened.close();
});
